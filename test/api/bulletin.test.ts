/**
 * GET /v1/stats/bulletin (月通报, SPEC §6.5) on a database of this file's own: cases are played
 * through the API on the real stack (worker, Temporal dev server, PostgreSQL), and every figure,
 * the ranking and the CSV are checked against arithmetic done by hand below.
 *
 * A reviewer's decision is dated when it is made, so decisions by hand all fall in the current
 * month; back-dated cases (an administrator's `acceptedAt`) place them "U working days counted
 * before today", which makes the figures the same whichever day the suite runs (a task decided
 * today has used exactly U days, and one with c committed days is late iff c <= U). A past month
 * is built from cases accepted on its first day: what happened in it is the deemed consent dated
 * at its deadline, and what was overdue at its last instant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { workingDayBefore } from '../support/http-client.js';
import { call, caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';
import { todayClearOfMidnight } from '../support/midnight.js';

/** JSON answers, checked field by field. */
type Json = any;

const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
const today = await todayClearOfMidnight(cal);

/** 'YYYY-MM' shifted by n months */
function shiftMonth(month: string, n: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
const lastDayOf = (month: string) => addDays(`${shiftMonth(month, 1)}-01`, -1);

const thisMonth = today.slice(0, 7);
/** far enough back that none of this month's back-dated cases had started by its end */
const pastMonth = shiftMonth(thisMonth, -3);

/** The acceptance date of a case whose clocks have counted `used` working days before today. */
const acceptedWithUsed = (used: number) => workingDayBefore(cal, workingDayBefore(cal, today, used), 1);
const acceptedAtOn = (date: string) => `${date}T10:00:00+08:00`;

const DEPARTMENTS = ['archives', 'cad', 'drc', 'eco', 'heritage', 'housing', 'nrp', 'water'];

let stack: Stack;
let admin: string;
let window: string;
let coordinator: string;
const reviewers = new Map<string, string>();

async function reviewer(department: string): Promise<string> {
  if (!reviewers.has(department)) reviewers.set(department, await stack.token({ role: 'reviewer', department, sub: `reviewer-${department}` }));
  return reviewers.get(department)!;
}

async function openCase(overrides: Record<string, unknown>, token = window): Promise<string> {
  const response = await call(stack.app, 'POST', '/v1/cases', token, caseBody(overrides));
  expect(response.statusCode, response.body).toBe(201);
  return response.json().caseId as string;
}

const openBackDated = (projectType: string, projectName: string, acceptedOn: string) =>
  openCase({ projectType, projectName, acceptedAt: acceptedAtOn(acceptedOn) }, admin);

async function getCase(caseId: string): Promise<Json> {
  const response = await call(stack.app, 'GET', `/v1/cases/${caseId}`, coordinator);
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function taskOf(caseId: string, itemCode: string): Promise<Json> {
  const task = ((await getCase(caseId)).stages as { tasks: Json[] }[]).flatMap((s) => s.tasks).find((t) => t.itemCode === itemCode);
  if (!task) throw new Error(`no task ${itemCode} in ${caseId}`);
  return task;
}

async function decide(caseId: string, itemCode: string, body: Record<string, unknown>): Promise<void> {
  const task = await taskOf(caseId, itemCode);
  const response = await call(stack.app, 'POST', `/v1/cases/${caseId}/tasks/${task.taskId as string}/decision`, await reviewer(task.department as string), body);
  expect(response.statusCode, response.body).toBe(200);
}

const approve = { decision: 'approve', opinion: '同意' };
const reject = { decision: 'reject', opinion: '不符合要求' };
const askForMore = { decision: 'request_supplement', opinion: '材料不全', missingMaterials: ['补充说明'] };

async function escalate(caseId: string, body: Record<string, unknown>): Promise<void> {
  const response = await call(stack.app, 'POST', `/v1/cases/${caseId}/escalations`, coordinator, { reason: '督办', ...body });
  expect(response.statusCode, response.body).toBe(201);
}

async function bulletin(month: string, token = coordinator): Promise<Json> {
  const response = await call(stack.app, 'GET', `/v1/stats/bulletin?month=${month}`, token);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

interface Tally {
  decided: number;
  onTime: number;
  used: number;
  committed: number;
  overdue: number;
  /** escalations opened, levels 1, 2, 3 */
  escalations: [number, number, number];
}
const NOTHING: Tally = { decided: 0, onTime: 0, used: 0, committed: 0, overdue: 0, escalations: [0, 0, 0] };

/** SPEC §6.5 figures from hand-summed totals. */
function figures({ decided, onTime, used, committed, overdue, escalations }: Tally) {
  return {
    tasksDecided: decided,
    onTime,
    onTimeRate: decided === 0 ? null : onTime / decided,
    overdueAtMonthEnd: overdue,
    escalationsOpened: { 1: escalations[0], 2: escalations[1], 3: escalations[2] },
    avgUsedWorkingDays: decided === 0 ? null : used / decided,
    avgCommittedWorkingDays: decided === 0 ? null : committed / decided,
  };
}

function expectBulletin(answer: Json, month: string, byDepartment: Record<string, Tally>, ranking: string[], city: Tally): void {
  expect(answer.month).toBe(month);
  expect(answer.from).toBe(`${month}-01`);
  expect(answer.to).toBe(lastDayOf(month));
  expect(answer.departments.map((d: Json) => d.department)).toEqual(ranking);
  expect(answer.departments.map((d: Json) => d.rank)).toEqual(ranking.map((_, i) => i + 1));
  for (const row of answer.departments as Json[]) {
    const { department, rank: _rank, ...rest } = row;
    expect(rest, department).toEqual(figures(byDepartment[department] ?? NOTHING));
  }
  expect(answer.city).toEqual(figures(city));
}

// This month (U = working days counted before today; every late task is escalated by the ladder
// when its back-dated case opens: level 1 once its deadline has passed (c <= U), level 2 three
// working days later (c + 3 <= U); they count in the month they were opened, this one):
//  S1 social-general, U = 21: project-approval (drc 5) approved: late, used 21 [L1 L2]
//                             land-use-permit (nrp 5) approved: late, used 21 [L1 L2]
//                             eia (eco 20) left pending: overdue [L1]
//                             and a level-3 escalation of the whole case by a coordinator (city only)
//  S2 social-general, U = 22: eia (eco 20) rejected: late, used 22 [L1]; the case is rejected and
//                             project-approval [L1 L2] and land-use-permit [L1 L2] are cancelled
//  S3 social-general, U = 6:  project-approval (drc 5) approved: late, used 6 [L1]
//                             land-use-permit (nrp 5) [L1], extended by 5, approved: on time, used 6, committed 10
//                             eia (eco 20) approved: on time, used 6
//  S4 social-general, U = 24: project-approval [L1 L2] and land-use-permit [L1 L2] paused for
//                             supplementary materials; eia (eco 20) left pending: overdue [L1 L2]
//  G  gov-building, accepted today: heritage-survey (heritage 10) approved: on time, used 0;
//                             land-site-review (nrp) escalated to level 3 by a coordinator
// The past month (cases accepted on its first day; their ladder escalations open today, this month):
//  H  gov-building: heritage-survey (heritage 10, deemed consent) consented as its 10th day ended,
//                   in the past month: late, used 10; project-approval (drc 5) [L1 L2],
//                   land-site-review (nrp 10) [L1 L2] and eia (eco 20) [L1 L2] still pending at the
//                   month's end; land-use-permit blocked (never started); withdrawn today
//  K  social-small: project-approval (drc 5) [L1 L2] paused today (overdue at the past month's end all
//                   the same); land-use-permit (nrp 5) [L1 L2] left pending: overdue then and now
const U = { S1: 21, S2: 22, S3: 6, S4: 24 };
const caseIds: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  admin = await stack.token({ role: 'admin', sub: 'admin-bulletin' });
  window = await stack.token({ role: 'window', sub: 'window-bulletin' });
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-bulletin' });

  caseIds.S1 = await openBackDated('social-general', '通报-S1', acceptedWithUsed(U.S1));
  await decide(caseIds.S1, 'project-approval', approve);
  await decide(caseIds.S1, 'land-use-permit', approve);
  await escalate(caseIds.S1, { level: 3 });

  caseIds.S2 = await openBackDated('social-general', '通报-S2', acceptedWithUsed(U.S2));
  await decide(caseIds.S2, 'eia', reject);

  caseIds.S3 = await openBackDated('social-general', '通报-S3', acceptedWithUsed(U.S3));
  await decide(caseIds.S3, 'project-approval', approve);
  const landUse = await taskOf(caseIds.S3, 'land-use-permit');
  const extended = await call(stack.app, 'POST', `/v1/cases/${caseIds.S3}/tasks/${landUse.taskId as string}/extension`, coordinator, {
    workingDays: 5,
    reason: '需现场踏勘',
  });
  expect(extended.statusCode, extended.body).toBe(200);
  await decide(caseIds.S3, 'land-use-permit', approve);
  await decide(caseIds.S3, 'eia', approve);

  caseIds.S4 = await openBackDated('social-general', '通报-S4', acceptedWithUsed(U.S4));
  await decide(caseIds.S4, 'project-approval', askForMore);
  await decide(caseIds.S4, 'land-use-permit', askForMore);

  caseIds.G = await openCase({ projectType: 'gov-building', projectName: '通报-G' });
  await decide(caseIds.G, 'heritage-survey', approve);
  await escalate(caseIds.G, { taskId: (await taskOf(caseIds.G, 'land-site-review')).taskId, level: 3 });

  caseIds.H = await openBackDated('gov-building', '通报-H', `${pastMonth}-01`);
  const withdrawn = await call(stack.app, 'POST', `/v1/cases/${caseIds.H}/withdraw`, window, { reason: '建设单位撤回申请' });
  expect(withdrawn.statusCode, withdrawn.body).toBe(200);

  caseIds.K = await openBackDated('social-small', '通报-K', `${pastMonth}-01`);
  await decide(caseIds.K, 'project-approval', askForMore);
}, 300_000);
afterAll(async () => stack?.close());

describe('the scenario, as played', () => {
  it('left each task where the hand arithmetic assumes', async () => {
    const tasks = async (caseId: string) =>
      Object.fromEntries(((await getCase(caseId)).stages[0].tasks as Json[]).map((t) => [t.itemCode, t]));
    const s1 = await tasks(caseIds.S1!);
    expect(s1['project-approval']).toMatchObject({ status: 'approved', usedWorkingDays: U.S1 });
    expect(s1.eia).toMatchObject({ status: 'pending', light: 'red' });
    expect((await getCase(caseIds.S2!)).status).toBe('rejected');
    const s3 = await tasks(caseIds.S3!);
    expect(s3['land-use-permit']).toMatchObject({ status: 'approved', usedWorkingDays: U.S3, extension: { workingDays: 5 } });
    const s4 = await tasks(caseIds.S4!);
    expect([s4['project-approval'].status, s4['land-use-permit'].status, s4.eia.light]).toEqual(['awaiting_supplement', 'awaiting_supplement', 'red']);

    const h = await getCase(caseIds.H!);
    expect(h.status).toBe('withdrawn');
    const hTasks = Object.fromEntries((h.stages[0].tasks as Json[]).map((t) => [t.itemCode, t]));
    expect(hTasks['heritage-survey']).toMatchObject({ status: 'approved', usedWorkingDays: 10, decision: { decision: 'deemed_consent' } });
    expect(cal.localDate(Date.parse(hTasks['heritage-survey'].decision.at as string)).slice(0, 7)).toBe(pastMonth);
    // both due inside the past month: overdue at its last instant
    for (const code of ['project-approval', 'land-site-review']) expect(hTasks[code].dueDate < lastDayOf(pastMonth), code).toBe(true);
    expect(hTasks['land-use-permit'].startDate).toBeNull();
    const k = await tasks(caseIds.K!);
    expect(k['project-approval'].status).toBe('awaiting_supplement');
    expect(k['land-use-permit']).toMatchObject({ status: 'pending', light: 'red' });
    expect(k['land-use-permit'].dueDate < lastDayOf(pastMonth)).toBe(true);
  });
});

describe('GET /v1/stats/bulletin', () => {
  it('ranks this month’s departments by on-time rate, then fewer overdue, then code; nothing decided last', async () => {
    const answer = await bulletin(thisMonth);
    // decided, on time, Σused, Σcommitted, overdue now, escalations opened (levels 1, 2, 3):
    //  heritage: G heritage-survey (0, 10, on time)                                     → 1, 1,  0, 10, 0, —
    //  nrp:      S1 land-use-permit (21, 5, late), S3 land-use-permit (6, 10, on time);
    //            overdue: K land-use-permit;
    //            L1: S1, S2, S3, S4, H land-site-review, K = 6; L2: S1, S2, S4, H, K = 5; L3: G  → 2, 1, 27, 15, 1, 6/5/1
    //  eco:      S2 eia (22, 20, late), S3 eia (6, 20, on time); overdue: S1 eia, S4 eia;
    //            L1: S1, S2, S4, H = 4; L2: S4, H = 2                                 → 2, 1, 28, 40, 2, 4/2/0
    //  drc:      S1 project-approval (21, 5, late), S3 project-approval (6, 5, late);
    //            nothing overdue (S4's and K's paused, S2's cancelled);
    //            L1: S1, S2, S3, S4, H, K = 6; L2: S1, S2, S4, H, K = 5               → 2, 0, 27, 10, 0, 6/5/0
    const byDepartment: Record<string, Tally> = {
      heritage: { decided: 1, onTime: 1, used: 0, committed: 10, overdue: 0, escalations: [0, 0, 0] },
      nrp: { decided: 2, onTime: 1, used: 27, committed: 15, overdue: 1, escalations: [6, 5, 1] },
      eco: { decided: 2, onTime: 1, used: 28, committed: 40, overdue: 2, escalations: [4, 2, 0] },
      drc: { decided: 2, onTime: 0, used: 27, committed: 10, overdue: 0, escalations: [6, 5, 0] },
    };
    // heritage 1.0; nrp and eco 0.5 each, nrp first with fewer overdue (though eco's code comes
    // first); drc 0 ranks above the departments that decided nothing (null), which follow by code
    const ranking = ['heritage', 'nrp', 'eco', 'drc', 'archives', 'cad', 'housing', 'water'];
    // city: 7 decided, 3 on time (3/7); used 82, committed 75; overdue 3;
    // escalations L1 6 + 6 + 4 = 16, L2 5 + 5 + 2 = 12, L3 G's + S1's whole case = 2
    const city: Tally = { decided: 7, onTime: 3, used: 82, committed: 75, overdue: 3, escalations: [16, 12, 2] };
    expectBulletin(answer, thisMonth, byDepartment, ranking, city);
    expect(answer.departments[0]).toMatchObject({ department: 'heritage', onTimeRate: 1, avgUsedWorkingDays: 0, avgCommittedWorkingDays: 10 });
    expect(answer.departments[1]).toMatchObject({ department: 'nrp', onTimeRate: 0.5, avgUsedWorkingDays: 13.5, avgCommittedWorkingDays: 7.5 });
    expect(answer.city.onTimeRate).toBeCloseTo(0.428571, 6);
    // for the current month, overdue is counted now
    expect(Math.abs(Date.parse(answer.overdueAt as string) - Date.now())).toBeLessThan(60_000);
  });

  it('reports a past month as it stood at its last instant: the deemed consent, and what was overdue then', async () => {
    const answer = await bulletin(pastMonth);
    const hEia = await taskOf(caseIds.H!, 'eia');
    // H's eia (20 working days from the 1st) is due in the month or just after it, by the calendar
    const eiaOverdue = hEia.dueDate < lastDayOf(pastMonth) ? 1 : 0;
    // heritage: H heritage-survey consented by silence (10, 10, late) → rate 0
    // drc: H project-approval and K project-approval (paused only today) were overdue at the end
    // nrp: H land-site-review and K land-use-permit; H land-use-permit never started
    // nothing was escalated in the month: the ladder's escalations of H and K opened today
    const byDepartment: Record<string, Tally> = {
      heritage: { decided: 1, onTime: 0, used: 10, committed: 10, overdue: 0, escalations: [0, 0, 0] },
      drc: { ...NOTHING, overdue: 2 },
      nrp: { ...NOTHING, overdue: 2 },
      eco: { ...NOTHING, overdue: eiaOverdue },
    };
    // heritage's 0 ranks above every null; the nulls by fewer overdue, then code
    const ranking = eiaOverdue
      ? ['heritage', 'archives', 'cad', 'housing', 'water', 'eco', 'drc', 'nrp']
      : ['heritage', 'archives', 'cad', 'eco', 'housing', 'water', 'drc', 'nrp'];
    const city: Tally = { decided: 1, onTime: 0, used: 10, committed: 10, overdue: 4 + eiaOverdue, escalations: [0, 0, 0] };
    expectBulletin(answer, pastMonth, byDepartment, ranking, city);
    expect(answer.overdueAt).toBe(cal.formatInstant(cal.endOfDay(lastDayOf(pastMonth))));
  });

  it('equals /v1/stats byDepartment over the month’s first and last day', async () => {
    for (const month of [thisMonth, pastMonth]) {
      const answer = await bulletin(month);
      const stats = (await call(stack.app, 'GET', `/v1/stats?from=${answer.from as string}&to=${answer.to as string}`, coordinator)).json();
      for (const row of answer.departments as Json[]) {
        const figuresOfStats = stats.byDepartment[row.department];
        expect(
          [row.tasksDecided, row.onTime, row.onTimeRate, row.avgUsedWorkingDays, row.avgCommittedWorkingDays],
          `${month} ${row.department as string}`,
        ).toEqual(
          figuresOfStats
            ? [figuresOfStats.decided, figuresOfStats.onTime, figuresOfStats.onTimeRate, figuresOfStats.avgUsedWorkingDays, figuresOfStats.avgCommittedWorkingDays]
            : [0, 0, null, null, null],
        );
        if (month === thisMonth) expect(row.overdueAtMonthEnd).toBe(figuresOfStats?.overdueOpen ?? 0);
      }
      expect([answer.city.tasksDecided, answer.city.onTime, answer.city.onTimeRate]).toEqual([stats.tasks.decided, stats.tasks.onTime, stats.tasks.onTimeRate]);
    }
  });

  it('lists every department of the current catalog', async () => {
    const catalog = (await call(stack.app, 'GET', '/v1/catalog', coordinator)).json();
    const codes = (catalog.departments as { code: string }[]).map((d) => d.code).sort();
    expect(codes).toEqual(DEPARTMENTS);
    for (const month of [thisMonth, pastMonth, shiftMonth(thisMonth, -12)]) {
      expect((await bulletin(month)).departments.map((d: Json) => d.department).sort(), month).toEqual(codes);
    }
    // a month with nothing in it: every rate null, ranked by code
    const empty = await bulletin(shiftMonth(thisMonth, -12));
    expect(empty.departments.map((d: Json) => [d.department, d.onTimeRate, d.rank])).toEqual(DEPARTMENTS.map((code, i) => [code, null, i + 1]));
  });

  it('answers format=csv with the same numbers, a row per department by rank and one for the city', async () => {
    const answer = await bulletin(thisMonth);
    const response = await call(stack.app, 'GET', `/v1/stats/bulletin?month=${thisMonth}&format=csv`, coordinator);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = response.body.split('\r\n');
    expect(lines.pop()).toBe('');
    const [header, ...rows] = lines.map((line) => line.split(','));
    expect(header).toEqual([
      'department',
      'tasksDecided',
      'onTime',
      'onTimeRate',
      'overdueAtMonthEnd',
      'escalations1',
      'escalations2',
      'escalations3',
      'avgUsedWorkingDays',
      'avgCommittedWorkingDays',
      'rank',
    ]);
    const number = (cell: string | undefined) => (cell === '' ? null : Number(cell));
    const parsed = rows.map(([department, ...cells]) => ({ department, numbers: cells.map(number) }));
    const expected = [...(answer.departments as Json[]), { ...answer.city, department: 'city', rank: null }].map((row) => ({
      department: row.department,
      numbers: [
        row.tasksDecided,
        row.onTime,
        row.onTimeRate,
        row.overdueAtMonthEnd,
        row.escalationsOpened['1'],
        row.escalationsOpened['2'],
        row.escalationsOpened['3'],
        row.avgUsedWorkingDays,
        row.avgCommittedWorkingDays,
        row.rank,
      ],
    }));
    expect(parsed).toEqual(expected);
    // numbers are plain decimals: 3/7 and 82/7 as JavaScript writes them, null as an empty cell
    expect(rows.at(-1)).toEqual(['city', '7', '3', String(3 / 7), '3', '16', '12', '2', String(82 / 7), String(75 / 7), '']);
    expect(rows.find((row) => row[0] === 'water')).toEqual(['water', '0', '0', '', '0', '0', '0', '0', '', '', '8']);
  });

  it('documents both answers in OpenAPI, for coordinators and administrators', async () => {
    const document = (await call(stack.app, 'GET', '/docs/json', null)).json();
    const operation = document.paths['/v1/stats/bulletin'].get;
    expect(operation['x-roles']).toEqual(['coordinator', 'admin']);
    expect(Object.keys(operation.responses['200'].content).sort()).toEqual(['application/json', 'text/csv']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
  });

  it('refuses a month after the current one and a malformed month (400), and callers other than coordinators (401, 403)', async () => {
    const next = await call(stack.app, 'GET', `/v1/stats/bulletin?month=${shiftMonth(thisMonth, 1)}`, coordinator);
    expect(next.statusCode).toBe(400);
    expect(next.json().error.code).toBe('VALIDATION_FAILED');
    for (const query of ['', '?month=2026-13', '?month=2026-1', '?month=202605', '?month=0999-12', `?month=${thisMonth}-01`, `?month=${thisMonth}&format=xml`, `?month=${thisMonth}&department=drc`]) {
      const response = await call(stack.app, 'GET', `/v1/stats/bulletin${query}`, coordinator);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code, query).toBe('VALIDATION_FAILED');
    }
    expect((await call(stack.app, 'GET', `/v1/stats/bulletin?month=${thisMonth}`, null)).statusCode).toBe(401);
    for (const token of [window, await reviewer('drc')]) {
      const response = await call(stack.app, 'GET', `/v1/stats/bulletin?month=${thisMonth}`, token);
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('FORBIDDEN');
    }
    expect((await bulletin(thisMonth, admin)).month).toBe(thisMonth);
  });
});
