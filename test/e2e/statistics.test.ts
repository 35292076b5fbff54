/**
 * GET /v1/stats end to end, on a database of this file's own: a small scenario is played
 * through the API (a real listening server, a real worker, the Temporal dev server and
 * PostgreSQL) and every figure is checked against arithmetic done by hand below.
 *
 * Back-dated cases are opened by an administrator so that clocks have already run; they are
 * placed by "working days counted before today" (U), which makes the figures the same whichever
 * day the suite runs: a task decided today has used exactly U working days (today itself is
 * not counted, SPEC §3 Pause), and a task with c committed days is late iff c <= U.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, createReviewerTokens, listen, type HttpCall, workingDayBefore } from '../support/http-client.js';
import { addDays, computeDeadline, WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';
import { todayClearOfMidnight } from '../support/midnight.js';
import { completeMaterials } from '../support/materials.js';
import type { StageCode } from '../../domain/catalog.js';

/** JSON answers, checked field by field. */
type Json = any;

interface Figures {
  decided: number;
  onTime: number;
  used: number;
  committed: number;
  statutory: number;
  overdueOpen: number;
}

const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
const today = await todayClearOfMidnight(cal);

let stack: Stack;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let admin: string;
let window: string;
let coordinator: string;




/**
 * The acceptance date of a case whose clocks have counted `used` working days before today:
 * counting starts on the `used`-th working day before today, the working day after acceptance.
 */
const acceptedWithUsed = (used: number) => workingDayBefore(cal, workingDayBefore(cal, today, used), 1);
const acceptedAtOn = (date: string) => `${date}T10:00:00+08:00`;

async function openCase(overrides: Record<string, unknown>, token = window): Promise<Json> {
  const response = await http('POST', '/v1/cases', token, caseBody(overrides));
  expect(response.status).toBe(201);
  return response.json;
}

async function getCase(caseId: string): Promise<Json> {
  const response = await http('GET', `/v1/cases/${caseId}`, coordinator);
  expect(response.status).toBe(200);
  return response.json;
}

async function taskOf(caseId: string, itemCode: string): Promise<Json> {
  const view = await getCase(caseId);
  const task = (view.stages as { tasks: Json[] }[]).flatMap((s) => s.tasks).find((t) => t.itemCode === itemCode);
  if (!task) throw new Error(`no task ${itemCode} in ${caseId}`);
  return task;
}

async function decide(caseId: string, itemCode: string, body: Record<string, unknown>): Promise<Json> {
  const task = await taskOf(caseId, itemCode);
  const response = await http('POST', `/v1/cases/${caseId}/tasks/${task.taskId as string}/decision`, await reviewer(task.department as string), body);
  expect(response.status).toBe(200);
  return response.json;
}

/** Approves the stage's pending tasks one at a time (prerequisites release the rest). */
async function approveStage(caseId: string, stageCode: string): Promise<void> {
  for (;;) {
    const stage = (await getCase(caseId)).stages.find((s: Json) => s.code === stageCode);
    if (stage.status === 'approved') return;
    const pending = (stage.tasks as Json[]).find((t) => t.status === 'pending');
    if (!pending) throw new Error(`stage ${stageCode} is ${stage.status as string} with nothing pending`);
    await decide(caseId, pending.itemCode as string, { decision: 'approve' });
  }
}

async function stats(query = ''): Promise<Json> {
  const response = await http('GET', `/v1/stats${query}`, coordinator);
  expect(response.status).toBe(200);
  return response.json;
}

/** SPEC §3 Statistics, from hand-summed totals: rates, averages and compressions. */
function figures({ decided, onTime, used, committed, statutory, overdueOpen }: Figures) {
  return {
    decided,
    onTime,
    onTimeRate: decided === 0 ? null : onTime / decided,
    avgUsedWorkingDays: decided === 0 ? null : used / decided,
    avgCommittedWorkingDays: decided === 0 ? null : committed / decided,
    avgStatutoryWorkingDays: decided === 0 ? null : statutory / decided,
    committedCompression: statutory === 0 ? null : 1 - committed / statutory,
    actualCompression: statutory === 0 ? null : 1 - used / statutory,
    overdueOpen,
  };
}

function expectFigures(actual: Json, expected: Figures, label: string): void {
  const want = figures(expected);
  expect(Object.keys(actual).sort(), label).toEqual(Object.keys(want).sort());
  for (const [key, value] of Object.entries(want)) {
    if (value === null || Number.isInteger(value)) expect(actual[key], `${label}.${key}`).toBe(value);
    else expect(actual[key], `${label}.${key}`).toBeCloseTo(value, 10);
  }
}

// The scenario (U = working days counted before today):
//  A  gov-building, U = 12
//     heritage-survey  (heritage 20/10, deemed consent)  consented by silence as its 10th day ended: used 10, late
//     project-approval (drc 20/5)    approved today: used 12, due on day 5 → late
//     eia              (eco 60/20)   approved today: used 12, due on day 20 → on time
//     land-site-review (nrp 20/10)   left pending, due on day 10 → open and overdue
//     land-use-permit  (nrp 20/5)    blocked behind land-site-review
//  B  social-small, U = 7
//     project-approval (drc 20/5)    extended by 5 after its due day (day 5 → day 10), approved today: used 7, committed 10, on time
//     land-use-permit  (nrp 20/5)    rejected today: used 7, due on day 5 → late; the case is rejected
//  C  social-small, opened today and withdrawn: its tasks are cancelled, never decided
//  D  social-small, opened today and taken through all four stages today: 10 tasks, used 0, all on time
//  F  social-small, U = 4
//     project-approval (drc 20/5)    approved today, day 5 being the first working day from today on
//                                    (today itself when it is a working day: decided on its due day): used 4, on time
//     land-use-permit  (nrp 20/5)    left pending, due the same day → open, not overdue
const U_A = 12;
const U_B = 7;
const U_F = 4;
const accepted = { A: acceptedWithUsed(U_A), B: acceptedWithUsed(U_B), F: acceptedWithUsed(U_F) };
const caseIds: Record<string, string> = {};
let heritageDecisionDate: string;

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  http = createHttpClient(await listen(stack));
  reviewer = createReviewerTokens(stack);
  admin = await stack.token({ role: 'admin', sub: 'admin-stats' });
  window = await stack.token({ role: 'window', sub: 'window-stats' });
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-stats' });

  // A
  const a = await openCase({ projectType: 'gov-building', projectName: '统计-A', acceptedAt: acceptedAtOn(accepted.A) }, admin);
  caseIds.A = a.caseId as string;
  await decide(caseIds.A, 'project-approval', { decision: 'approve', opinion: '同意' });
  await decide(caseIds.A, 'eia', { decision: 'approve', opinion: '同意' });

  // B
  const b = await openCase({ projectType: 'social-small', projectName: '统计-B', acceptedAt: acceptedAtOn(accepted.B) }, admin);
  caseIds.B = b.caseId as string;
  const bProjectApproval = await taskOf(caseIds.B, 'project-approval');
  const extended = await http('POST', `/v1/cases/${caseIds.B}/tasks/${bProjectApproval.taskId as string}/extension`, coordinator, {
    workingDays: 5,
    reason: '需征求规划部门意见',
  });
  expect(extended.status).toBe(200);
  await decide(caseIds.B, 'project-approval', { decision: 'approve' });
  await decide(caseIds.B, 'land-use-permit', { decision: 'reject', opinion: '用地性质与规划不符' });

  // C
  const c = await openCase({ projectType: 'social-small', projectName: '统计-C' });
  caseIds.C = c.caseId as string;
  expect((await http('POST', `/v1/cases/${caseIds.C}/withdraw`, window, { reason: '建设单位撤回申请' })).status).toBe(200);

  // D
  const d = await openCase({ projectType: 'social-small', projectName: '统计-D' });
  caseIds.D = d.caseId as string;
  for (const stage of ['land-use-planning', 'engineering-permit', 'construction-permit', 'completion-acceptance']) {
    if (stage !== 'land-use-planning') {
      const applied = await http('POST', `/v1/cases/${caseIds.D}/stages/${stage}/application`, window, {
        materials: completeMaterials('social-small', stage as StageCode),
      });
      expect(applied.status).toBe(200);
    }
    await approveStage(caseIds.D, stage);
  }

  // F
  const f = await openCase({ projectType: 'social-small', projectName: '统计-F', acceptedAt: acceptedAtOn(accepted.F) }, admin);
  caseIds.F = f.caseId as string;
  await decide(caseIds.F, 'project-approval', { decision: 'approve' });

  const heritage = await taskOf(caseIds.A, 'heritage-survey');
  heritageDecisionDate = cal.localDate(Date.parse(heritage.decision.at as string));
});
afterAll(async () => stack?.close());

describe('the scenario, as played', () => {
  it('left each task where the hand arithmetic assumes', async () => {
    const a = await getCase(caseIds.A!);
    const tasksOfA = Object.fromEntries(a.stages[0].tasks.map((t: Json) => [t.itemCode, t]));
    expect(tasksOfA['heritage-survey']).toMatchObject({ status: 'approved', usedWorkingDays: 10, decision: { decision: 'deemed_consent' } });
    expect(tasksOfA['project-approval']).toMatchObject({ status: 'approved', usedWorkingDays: U_A });
    expect(tasksOfA.eia).toMatchObject({ status: 'approved', usedWorkingDays: U_A });
    expect(tasksOfA['land-site-review']).toMatchObject({ status: 'pending', light: 'red' });
    expect(tasksOfA['land-use-permit']).toMatchObject({ status: 'blocked' });
    // on time or late, by due day against today
    expect(tasksOfA['project-approval'].dueDate < today).toBe(true);
    expect(tasksOfA.eia.dueDate >= today).toBe(true);

    const b = await getCase(caseIds.B!);
    expect(b.status).toBe('rejected');
    const tasksOfB = Object.fromEntries(b.stages[0].tasks.map((t: Json) => [t.itemCode, t]));
    expect(tasksOfB['project-approval']).toMatchObject({ status: 'approved', usedWorkingDays: U_B, committedWorkingDays: 10 });
    expect(tasksOfB['project-approval'].dueDate >= today).toBe(true);
    expect(tasksOfB['land-use-permit']).toMatchObject({ status: 'rejected', usedWorkingDays: U_B });
    expect(tasksOfB['land-use-permit'].dueDate < today).toBe(true);

    expect((await getCase(caseIds.C!)).status).toBe('withdrawn');
    const d = await getCase(caseIds.D!);
    expect(d.status).toBe('completed');
    expect(d.stages.flatMap((s: Json) => s.tasks).map((t: Json) => [t.status, t.usedWorkingDays])).toEqual(
      Array.from({ length: 10 }, () => ['approved', 0]),
    );

    const projectApprovalOfF = await taskOf(caseIds.F!, 'project-approval');
    expect(projectApprovalOfF).toMatchObject({ status: 'approved', usedWorkingDays: U_F });
    // day 5 is the first working day from today on: today itself when today is a working day
    expect(projectApprovalOfF.dueDate).toBe(cal.isWorkingDay(today) ? today : cal.nextWorkingDayAfter(today));
    expect(projectApprovalOfF.dueDate).toBe(computeDeadline(cal, Date.parse(acceptedAtOn(accepted.F)), 5).dueDate);
  });
});

describe('GET /v1/stats', () => {
  it('reports cases, tasks, per department and per item over a period holding the whole scenario', async () => {
    const answer = await stats(`?from=${accepted.A}&to=${today}`);
    expect(answer.from).toBe(accepted.A);
    expect(answer.to).toBe(today);
    // opened A, B, C, D, F; completed D; rejected B; withdrawn C
    expect(answer.cases).toEqual({ opened: 5, completed: 1, rejected: 1, withdrawn: 1 });

    // decided: A 3 (heritage-survey, project-approval, eia) + B 2 + D 10 + F 1 = 16
    // onTime:  A eia + B project-approval + D 10 + F project-approval = 13  → onTimeRate 13/16 = 0.8125
    // used:      A 10 + 12 + 12 = 34; B 7 + 7 = 14; D 0; F 4                          → Σ 52,  avg 52/16 = 3.25
    // committed: A 10 + 5 + 20 = 35; B 10 (5 + 5 extension) + 5 = 15;
    //            D 5+5+10+5+7+3+7+7+5+3 = 57; F 5                                       → Σ 112, avg 112/16 = 7
    // statutory: A 20 + 20 + 60 = 100; B 20 + 20 = 40;
    //            D 20+20+20+20+15+7+20+15+20+15 = 172; F 20                              → Σ 332, avg 332/16 = 20.75
    // committedCompression = 1 − 112/332 = 220/332 ≈ 0.6627; actualCompression = 1 − 52/332 = 280/332 ≈ 0.8434
    // overdueOpen: A land-site-review (F land-use-permit is not yet due; A land-use-permit is blocked) = 1
    expectFigures(answer.tasks, { decided: 16, onTime: 13, used: 52, committed: 112, statutory: 332, overdueOpen: 1 }, 'tasks');
    expect(answer.tasks.onTimeRate).toBe(0.8125);
    expect(answer.tasks.avgUsedWorkingDays).toBe(3.25);
    expect(answer.tasks.avgCommittedWorkingDays).toBe(7);
    expect(answer.tasks.avgStatutoryWorkingDays).toBe(20.75);
    expect(answer.tasks.committedCompression).toBeCloseTo(220 / 332, 10);
    expect(answer.tasks.actualCompression).toBeCloseTo(280 / 332, 10);

    // byDepartment (decided, onTime, Σused, Σcommitted, Σstatutory, overdueOpen):
    //  drc:      A pa (12, 5, 20, late), B pa (7, 10, 20), D pa (0, 5, 20), F pa (4, 5, 20)   → 4, 3, 23, 25, 80, 0
    //  nrp:      B land-use-permit (7, 5, 20, late), D land-use-permit (0, 5, 20),
    //            design-scheme-review (0, 10, 20), planning-permit (0, 5, 20),
    //            planning-verification (0, 7, 20); open and overdue: A land-site-review     → 5, 4, 7, 32, 100, 1
    //  eco:      A eia (12, 20, 60)                                                         → 1, 1, 12, 20, 60, 0
    //  heritage: A heritage-survey (10, 10, 20, deemed consent: late)                       → 1, 0, 10, 10, 20, 0
    //  housing:  D fire-design-review (0, 7, 15), construction-permit (0, 3, 7),
    //            fire-acceptance (0, 7, 15), completion-filing (0, 3, 15)                   → 4, 4, 0, 20, 52, 0
    //  archives: D archives-acceptance (0, 5, 20)                                           → 1, 1, 0, 5, 20, 0
    // (sums: 16 decided, 13 on time, 52 used, 112 committed, 332 statutory, 1 overdue: as above)
    expect(Object.keys(answer.byDepartment).sort()).toEqual(['archives', 'drc', 'eco', 'heritage', 'housing', 'nrp']);
    const byDepartment: Record<string, Figures> = {
      drc: { decided: 4, onTime: 3, used: 23, committed: 25, statutory: 80, overdueOpen: 0 },
      nrp: { decided: 5, onTime: 4, used: 7, committed: 32, statutory: 100, overdueOpen: 1 },
      eco: { decided: 1, onTime: 1, used: 12, committed: 20, statutory: 60, overdueOpen: 0 },
      heritage: { decided: 1, onTime: 0, used: 10, committed: 10, statutory: 20, overdueOpen: 0 },
      housing: { decided: 4, onTime: 4, used: 0, committed: 20, statutory: 52, overdueOpen: 0 },
      archives: { decided: 1, onTime: 1, used: 0, committed: 5, statutory: 20, overdueOpen: 0 },
    };
    for (const [department, expected] of Object.entries(byDepartment)) {
      expectFigures(answer.byDepartment[department], expected, `byDepartment.${department}`);
    }
    // e.g. drc: onTimeRate 3/4 = 0.75, avg used 23/4 = 5.75, committedCompression 1 − 25/80 = 0.6875
    expect(answer.byDepartment.drc).toMatchObject({ onTimeRate: 0.75, avgUsedWorkingDays: 5.75, committedCompression: 0.6875 });
    // heritage: nothing on time; 1 − 10/20 = 0.5 both ways
    expect(answer.byDepartment.heritage).toMatchObject({ onTimeRate: 0, committedCompression: 0.5, actualCompression: 0.5 });

    // byItem: project-approval is drc's four; land-use-permit B (7, 5, 20, late) + D (0, 5, 20);
    // land-site-review only open and overdue (nothing decided: rates and averages null); the rest one each.
    const byItem: Record<string, Figures> = {
      'project-approval': { decided: 4, onTime: 3, used: 23, committed: 25, statutory: 80, overdueOpen: 0 },
      'land-use-permit': { decided: 2, onTime: 1, used: 7, committed: 10, statutory: 40, overdueOpen: 0 },
      'land-site-review': { decided: 0, onTime: 0, used: 0, committed: 0, statutory: 0, overdueOpen: 1 },
      eia: { decided: 1, onTime: 1, used: 12, committed: 20, statutory: 60, overdueOpen: 0 },
      'heritage-survey': { decided: 1, onTime: 0, used: 10, committed: 10, statutory: 20, overdueOpen: 0 },
      'design-scheme-review': { decided: 1, onTime: 1, used: 0, committed: 10, statutory: 20, overdueOpen: 0 },
      'planning-permit': { decided: 1, onTime: 1, used: 0, committed: 5, statutory: 20, overdueOpen: 0 },
      'fire-design-review': { decided: 1, onTime: 1, used: 0, committed: 7, statutory: 15, overdueOpen: 0 },
      'construction-permit': { decided: 1, onTime: 1, used: 0, committed: 3, statutory: 7, overdueOpen: 0 },
      'planning-verification': { decided: 1, onTime: 1, used: 0, committed: 7, statutory: 20, overdueOpen: 0 },
      'fire-acceptance': { decided: 1, onTime: 1, used: 0, committed: 7, statutory: 15, overdueOpen: 0 },
      'archives-acceptance': { decided: 1, onTime: 1, used: 0, committed: 5, statutory: 20, overdueOpen: 0 },
      'completion-filing': { decided: 1, onTime: 1, used: 0, committed: 3, statutory: 15, overdueOpen: 0 },
    };
    expect(Object.keys(answer.byItem).sort()).toEqual(Object.keys(byItem).sort());
    for (const [item, expected] of Object.entries(byItem)) expectFigures(answer.byItem[item], expected, `byItem.${item}`);
    expect(answer.byItem['land-site-review']).toEqual({
      decided: 0,
      onTime: 0,
      onTimeRate: null,
      avgUsedWorkingDays: null,
      avgCommittedWorkingDays: null,
      avgStatutoryWorkingDays: null,
      committedCompression: null,
      actualCompression: null,
      overdueOpen: 1,
    });
  });

  it('counts a decision on the local date it was made: the deemed consent alone on its day', async () => {
    // heritage-survey was consented as its due day ended; that local date holds no other event of
    // the scenario (acceptances are on the 13th, 8th and 5th working days before today, every
    // other decision is today, and the consent came after the 10th counted day of A, the 3rd
    // working day before today).
    expect(heritageDecisionDate > accepted.F && heritageDecisionDate < today).toBe(true);
    const answer = await stats(`?from=${heritageDecisionDate}&to=${heritageDecisionDate}`);
    expect(answer.cases).toEqual({ opened: 0, completed: 0, rejected: 0, withdrawn: 0 });
    // 1 decided, 0 on time (deemed consent is late): rate 0; used 10, committed 10, statutory 20 →
    // both compressions 1 − 10/20 = 0.5; overdueOpen is "now", not the period's: still 1
    expectFigures(answer.tasks, { decided: 1, onTime: 0, used: 10, committed: 10, statutory: 20, overdueOpen: 1 }, 'tasks');
    expect(Object.keys(answer.byDepartment).sort()).toEqual(['heritage', 'nrp']);
    expectFigures(answer.byDepartment.nrp, { decided: 0, onTime: 0, used: 0, committed: 0, statutory: 0, overdueOpen: 1 }, 'nrp');

    // the period ending the day before leaves it out; the cases opened then are A, B and F, not decided yet
    const before = await stats(`?from=${accepted.A}&to=${addDays(heritageDecisionDate, -1)}`);
    expect(before.cases).toEqual({ opened: 3, completed: 0, rejected: 0, withdrawn: 0 });
    expect(before.tasks).toMatchObject({ decided: 0, onTimeRate: null, overdueOpen: 1 });
  });

  it('answers onTimeRate null and zero counts for a past period with nothing in it', async () => {
    const answer = await stats('?from=2025-03-01&to=2025-03-31');
    expect(answer.from).toBe('2025-03-01');
    expect(answer.to).toBe('2025-03-31');
    expect(answer.cases).toEqual({ opened: 0, completed: 0, rejected: 0, withdrawn: 0 });
    // only the task open and overdue now (A land-site-review) is counted
    expectFigures(answer.tasks, { decided: 0, onTime: 0, used: 0, committed: 0, statutory: 0, overdueOpen: 1 }, 'tasks');
    expect(answer.tasks.onTimeRate).toBeNull();
    expect(Object.keys(answer.byItem)).toEqual(['land-site-review']);
  });

  it('defaults to 1 January of this year through today', async () => {
    const year = today.slice(0, 4);
    const byDefault = await stats();
    expect(byDefault.from).toBe(`${year}-01-01`);
    expect(byDefault.to).toBe(today);
    expect(byDefault).toEqual(await stats(`?from=${year}-01-01&to=${today}`));
    const onlyFrom = await stats(`?from=${year}-01-01`);
    expect(onlyFrom.to).toBe(today);
    const onlyTo = await stats(`?to=${today}`);
    expect(onlyTo.from).toBe(`${year}-01-01`);
  });

  it('refuses a period that ends before it starts and dates that are not calendar dates', async () => {
    const refused = [
      `?from=${today}&to=${addDays(today, -1)}`,
      `?from=${addDays(today, 1)}`, // after the default `to`, today
      '?from=2026-02-30',
      '?to=2026-13-01',
      '?from=2026-00-10',
      '?to=2026-04-31',
      '?from=2026-1-1',
      '?from=yesterday',
      '?to=20261231',
      '?from=2026-01-01T00:00:00%2B08:00',
      '?department=drc',
      '?to=9999-12-31', // a calendar date, but its end (the next day) is past the four-digit years the calendar counts
    ];
    for (const query of refused) {
      const response = await http('GET', `/v1/stats${query}`, coordinator);
      expect(response.status, query).toBe(400);
      expect(response.json.error.code, query).toBe('VALIDATION_FAILED');
    }
  });

  it('is for coordinators and administrators: 401 without a token, 403 for the window and reviewers', async () => {
    expect((await http('GET', '/v1/stats', null)).status).toBe(401);
    for (const token of [window, await reviewer('drc')]) {
      const response = await http('GET', '/v1/stats?from=bad', token);
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe('FORBIDDEN');
    }
    expect((await http('GET', '/v1/stats', admin)).status).toBe(200);
  });
});
