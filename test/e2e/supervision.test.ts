/**
 * 电子监察 end to end: a real listening server, a real worker, the Temporal dev server and a
 * PostgreSQL database of this file's own (so the board and the notification lists hold only
 * the cases opened here).
 *
 * The dev server runs in real time, so overdue work comes from cases an administrator opens
 * with a back-dated `acceptedAt`: the workflow then fires every timer whose moment has passed
 * (reminders, level 1, level 2, deemed consent) before the POST answers. Every expected date
 * and count is derived here from the same published calendar (WorkingCalendar + SEED_SCHEDULES)
 * and today's local date, so the figures hold whichever day the suite runs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, createReviewerTokens, listen, type HttpCall, workingDayBefore } from '../support/http-client.js';
import {
  addDays,
  computeDeadline,
  computeWorkingDaysOverdue,
  computeYellowFrom,
  extendDueDate,
  WorkingCalendar,
} from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { notifications } from '../../db/schema.js';
import { caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';
import { todayClearOfMidnight } from '../support/midnight.js';

/** JSON answers, checked field by field. */
type Json = any;

interface TaskJson {
  taskId: string;
  itemCode: string;
  department: string;
  status: string;
  startDate: string | null;
  dueDate: string | null;
  deadline: string | null;
  derivation: Json;
  usedWorkingDays: number;
  committedWorkingDays: number;
  light: string;
  extension: Json;
  decision: { decision: string; at: string; by: { sub: string } } | null;
}

const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
const today = await todayClearOfMidnight(cal);

let stack: Stack;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let admin: string;
let window: string;
let coordinator: string;




const acceptedAtOn = (date: string) => `${date}T10:00:00+08:00`;
const acceptedMsOn = (date: string) => Date.parse(acceptedAtOn(date));
/** SPEC §3 Start + Deadline for a task accepted at 10:00 on `date` with `days` committed. */
const dueDateOf = (date: string, days: number) => computeDeadline(cal, acceptedMsOn(date), days).dueDate;
const overdueBy = (dueDate: string) => computeWorkingDaysOverdue(cal, dueDate, today);
/** The ladder's moments: level 1 as the due day ends, level 2 once 3 more working days have ended. */
const level1At = (dueDate: string) => cal.endOfDay(dueDate) + 1;
const level2At = (dueDate: string) => computeDeadline(cal, cal.endOfDay(dueDate), 3).deadlineMs + 1;

async function openCase(overrides: Record<string, unknown> = {}, token = window): Promise<Json> {
  const response = await http('POST', '/v1/cases', token, caseBody(overrides));
  expect(response.status).toBe(201);
  return response.json;
}

/** An administrator opens a case accepted at 10:00 on `date` (counter acceptance during an outage). */
async function openBackdated(date: string, overrides: Record<string, unknown> = {}): Promise<Json> {
  return openCase({ acceptedAt: acceptedAtOn(date), ...overrides }, admin);
}

async function getCase(caseId: string): Promise<Json> {
  const response = await http('GET', `/v1/cases/${caseId}`, coordinator);
  expect(response.status).toBe(200);
  return response.json;
}

function tasksOf(view: Json): Record<string, TaskJson> {
  return Object.fromEntries((view.stages as { tasks: TaskJson[] }[]).flatMap((s) => s.tasks).map((t) => [t.itemCode, t]));
}

async function taskOf(caseId: string, itemCode: string): Promise<TaskJson> {
  const task = tasksOf(await getCase(caseId))[itemCode];
  if (!task) throw new Error(`no task ${itemCode} in ${caseId}`);
  return task;
}

async function decide(caseId: string, task: TaskJson, body: Record<string, unknown>) {
  return http('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, await reviewer(task.department), body);
}

async function board(): Promise<Json[]> {
  const response = await http('GET', '/v1/supervision/board', coordinator);
  expect(response.status).toBe(200);
  return response.json.items as Json[];
}

async function boardEntry(caseId: string): Promise<Json> {
  return (await board()).find((e) => e.caseId === caseId);
}

async function escalationsOf(caseId: string, query = ''): Promise<Json[]> {
  const response = await http('GET', `/v1/escalations?limit=200${query}`, coordinator);
  expect(response.status).toBe(200);
  expect(response.json.nextCursor).toBeNull();
  return (response.json.items as Json[]).filter((e) => e.caseId === caseId);
}

async function listAll(path: string, token: string, limit: number): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page += 1) {
    const separator = path.includes('?') ? '&' : '?';
    const response = await http(
      'GET',
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    );
    expect(response.status).toBe(200);
    expect(response.json.items.length).toBeLessThanOrEqual(limit);
    items.push(...(response.json.items as Json[]));
    cursor = response.json.nextCursor as string | null;
    if (cursor === null) return items;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  http = createHttpClient(await listen(stack));
  reviewer = createReviewerTokens(stack);
  admin = await stack.token({ role: 'admin', sub: 'admin-e2e' });
  window = await stack.token({ role: 'window', sub: 'window-e2e' });
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-e2e', name: '督办专员' });
});
afterAll(async () => stack?.close());

describe('a gov-building case accepted 25 working days ago', () => {
  // Its clocks have run 25 working days before today: counting started on the 25th working day
  // before today, the working day after the acceptance (10:00 the working day before that).
  const started = workingDayBefore(cal, today, 25);
  const accepted = workingDayBefore(cal, started, 1);
  const due = {
    'project-approval': dueDateOf(accepted, 5),
    'land-site-review': dueDateOf(accepted, 10),
    eia: dueDateOf(accepted, 20),
    'heritage-survey': dueDateOf(accepted, 10),
  };
  const overdueItems = ['project-approval', 'land-site-review', 'eia'] as const;
  let caseId: string;

  beforeAll(async () => {
    caseId = (await openBackdated(accepted, { projectName: '补录受理的市政府办公楼' })).caseId as string;
  });

  it('fires every passed timer at once: heritage-survey is approved by deemed consent, the others are red', async () => {
    const view = await getCase(caseId);
    expect(view.acceptedAt).toBe(cal.formatInstant(acceptedMsOn(accepted)));
    expect(view.status).toBe('open');
    expect(view.light).toBe('red');
    const tasks = tasksOf(view);

    // heritage-survey (deemedConsent, committed 10): silence past the end of its 10th working
    // day counts as consent, recorded at the deadline (the instant its due day ends), by the system.
    expect(tasks['heritage-survey']).toMatchObject({ status: 'approved', light: 'done', dueDate: due['heritage-survey'] });
    expect(tasks['heritage-survey']?.decision).toMatchObject({
      decision: 'deemed_consent',
      at: cal.formatInstant(cal.endOfDay(due['heritage-survey'])),
      by: { sub: 'system' },
    });

    for (const item of overdueItems) {
      expect(tasks[item]).toMatchObject({ status: 'pending', light: 'red', dueDate: due[item], decision: null });
      expect(tasks[item]?.deadline).toBe(cal.formatInstant(cal.endOfDay(due[item])));
    }
    // land-use-permit waits for land-site-review: no clock, no deadline.
    expect(tasks['land-use-permit']).toMatchObject({ status: 'blocked', dueDate: null, startDate: null });
  });

  it('opens automatic level-1 and level-2 escalations for each overdue task, none for the others', async () => {
    const view = await getCase(caseId);
    const opened = view.escalations as Json[];
    const tasks = tasksOf(view);
    // eia, the latest, is due on the 20th counted day, the 6th working day before today, so even
    // its level-2 moment (the end of the 3rd working day after its due day) has passed.
    expect(opened).toHaveLength(overdueItems.length * 2);
    for (const item of overdueItems) {
      expect(level2At(due[item])).toBeLessThan(Date.now());
      const ofTask = opened.filter((e) => e.taskId === tasks[item]?.taskId);
      expect(ofTask.map((e) => e.level).sort()).toEqual([1, 2]);
      for (const escalation of ofTask) {
        expect(escalation).toMatchObject({ caseId, origin: 'auto', status: 'open', resolvedAt: null, resolution: null });
        expect(escalation.dueAt).toBe(
          cal.formatInstant(escalation.level === 1 ? level1At(due[item]) : level2At(due[item])),
        );
      }
    }
    const listed = await escalationsOf(caseId, '&status=open');
    expect(listed.map((e) => e.escalationId).sort()).toEqual(opened.map((e) => e.escalationId).sort());
  });

  it('is on the board: red, overdue by its worst task, escalation level 2', async () => {
    const entry = await boardEntry(caseId);
    const tasks = tasksOf(await getCase(caseId));
    // project-approval (5 committed days) is the worst. Its due day is the 5th counted day, the
    // 21st working day before today: 20 working days late, 21 when today is itself a working day.
    expect(entry).toMatchObject({
      caseId,
      projectName: '补录受理的市政府办公楼',
      light: 'red',
      workingDaysOverdue: overdueBy(due['project-approval']),
      escalationLevel: 2,
    });
    expect(overdueBy(due['project-approval'])).toBe(20 + (cal.isWorkingDay(today) ? 1 : 0));
    expect(entry.reasons).toEqual(expect.arrayContaining(['overdue', 'escalated']));
    // the three red tasks, each with its own count; not the approved or the blocked one
    expect(
      (entry.tasks as Json[]).map((t) => [t.itemCode, t.light, t.workingDaysOverdue]).sort(),
    ).toEqual(overdueItems.map((item) => [item, 'red', overdueBy(due[item])]).sort());
    expect((entry.tasks as Json[]).find((t) => t.itemCode === 'eia')?.taskId).toBe(tasks.eia?.taskId);
  });

  it('resolves the automatic escalations of project-approval when drc decides, late', async () => {
    const task = await taskOf(caseId, 'project-approval');
    const decided = await decide(caseId, task, { decision: 'approve', opinion: '同意（逾期办结）' });
    expect(decided.status).toBe(200);
    // used = working days from its start day up to but excluding today: the 25 the clock ran
    expect(cal.nextWorkingDayAfter(accepted)).toBe(started);
    expect(cal.countWorkingDays(started, today)).toBe(25);
    expect(decided.json).toMatchObject({
      status: 'approved',
      light: 'done',
      usedWorkingDays: 25,
      decision: { decision: 'approve', by: { sub: 'reviewer-drc' } },
    });

    const ofTask = (await getCase(caseId)).escalations.filter((e: Json) => e.taskId === task.taskId) as Json[];
    expect(ofTask).toHaveLength(2);
    for (const escalation of ofTask) {
      expect(escalation).toMatchObject({ status: 'resolved', resolvedBy: { sub: 'reviewer-drc' } });
      expect(escalation.resolution).toContain('approve');
      expect(escalation.resolvedAt).not.toBeNull();
    }

    const open = await escalationsOf(caseId, '&status=open');
    expect(open).toHaveLength(4);
    expect(open.some((e) => e.taskId === task.taskId)).toBe(false);
    const resolved = await escalationsOf(caseId, '&status=resolved');
    expect(resolved.map((e) => e.escalationId).sort()).toEqual(ofTask.map((e) => e.escalationId).sort());
    const openLevel2 = await escalationsOf(caseId, '&status=open&level=2');
    expect(openLevel2.map((e) => e.taskId).sort()).toEqual(
      [`${caseId}-eia`, `${caseId}-land-site-review`].sort(),
    );

    // the board now measures the case by land-site-review, its worst remaining task
    const entry = await boardEntry(caseId);
    expect(entry).toMatchObject({ workingDaysOverdue: overdueBy(due['land-site-review']), escalationLevel: 2 });
    expect((entry.tasks as Json[]).map((t) => t.itemCode).sort()).toEqual(['eia', 'land-site-review']);
  });
});

describe('the supervision board', () => {
  it('orders red by working days overdue, then escalation level, puts red before yellow and leaves green cases out', async () => {
    // social-small stage 1: project-approval (drc) and land-use-permit (nrp), 5 committed days each.
    // Accepted on the 12th working day before today: counting starts on the 11th, the 5th counted
    // day (the due day) is the 7th before today: 6 working days late (7 on a working day), level 2.
    const far = workingDayBefore(cal, today, 12);
    // Accepted on the 7th: due on the 2nd working day before today, 1–2 days late; level 2 would
    // come only once the 3rd working day after the due day has ended, so level 1 only.
    const near = workingDayBefore(cal, today, 7);
    const redFar = await openBackdated(far, { projectType: 'social-small', projectName: '红灯-逾期较多' });
    const redNearA = await openBackdated(near, { projectType: 'social-small', projectName: '红灯-逾期较少A' });
    const redNearB = await openBackdated(near, { projectType: 'social-small', projectName: '红灯-逾期较少B' });
    // social-general adds eia (20 days, warning window ceil(20/5) = 4 working days): accepted so
    // that eia is due on the next working day after today, it is yellow; its 5-day siblings are
    // red until decided.
    const eiaDue = cal.nextWorkingDayAfter(today);
    const eiaStart = workingDayBefore(cal, addDays(eiaDue, 1), 20); // the 20th working day counting back from eiaDue
    const yellowAccepted = workingDayBefore(cal, eiaStart, 1);
    expect(dueDateOf(yellowAccepted, 20)).toBe(eiaDue);
    expect(computeYellowFrom(cal, eiaDue, 4)).toBeLessThanOrEqual(Date.now());
    const yellow = await openBackdated(yellowAccepted, { projectType: 'social-general', projectName: '黄灯-临期' });
    for (const item of ['project-approval', 'land-use-permit']) {
      expect((await decide(yellow.caseId, await taskOf(yellow.caseId, item), { decision: 'approve' })).status).toBe(200);
    }
    const green = await openCase({ projectType: 'social-small', projectName: '绿灯-今日受理' });

    // a coordinator raises one of the two equally late cases to level 3: it now goes first
    const raised = await http('POST', `/v1/cases/${redNearB.caseId}/escalations`, coordinator, { reason: '群众来电反映办理缓慢' });
    expect(raised.status).toBe(201);

    const items = await board();
    const mine = [redFar, redNearA, redNearB, yellow, green].map((c) => c.caseId as string);
    expect(items.map((e) => e.caseId).filter((id) => mine.includes(id))).toEqual([
      redFar.caseId,
      redNearB.caseId,
      redNearA.caseId,
      yellow.caseId,
    ]);

    const entryOf = (caseId: string) => items.find((e) => e.caseId === caseId);
    const farDue = dueDateOf(far, 5);
    const nearDue = dueDateOf(near, 5);
    expect(level2At(farDue)).toBeLessThan(Date.now());
    expect(level2At(nearDue)).toBeGreaterThan(Date.now());
    expect(entryOf(redFar.caseId)).toMatchObject({ light: 'red', workingDaysOverdue: overdueBy(farDue), escalationLevel: 2 });
    expect(entryOf(redNearA.caseId)).toMatchObject({ light: 'red', workingDaysOverdue: overdueBy(nearDue), escalationLevel: 1 });
    expect(entryOf(redNearB.caseId)).toMatchObject({ light: 'red', workingDaysOverdue: overdueBy(nearDue), escalationLevel: 3 });
    // the decisions resolved the yellow case's automatic escalations
    expect(entryOf(yellow.caseId)).toMatchObject({ light: 'yellow', workingDaysOverdue: 0, escalationLevel: 0 });
    expect(entryOf(yellow.caseId).reasons).toContain('due_soon');
    expect(entryOf(yellow.caseId).tasks.map((t: Json) => [t.itemCode, t.light])).toEqual([['eia', 'yellow']]);

    // SPEC's board-entry shape, on every entry
    for (const entry of items) {
      expect(Object.keys(entry).sort()).toEqual(
        ['caseId', 'escalationLevel', 'light', 'projectCode', 'projectName', 'reasons', 'tasks', 'workingDaysOverdue'].sort(),
      );
      expect(entry.projectCode).toMatch(/^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$/);
      for (const task of entry.tasks as Json[]) {
        expect(task).toEqual({
          taskId: expect.any(String),
          itemCode: expect.any(String),
          department: expect.any(String),
          light: expect.any(String),
          workingDaysOverdue: expect.any(Number),
          reasons: expect.any(Array),
        });
      }
    }
    // worst first over the whole board
    const rank: Record<string, number> = { red: 0, yellow: 1, green: 2, paused: 3, done: 4 };
    for (let i = 1; i < items.length; i += 1) {
      const [a, b] = [items[i - 1], items[i]];
      const key = (e: Json) => [rank[e.light as string] ?? 9, -e.workingDaysOverdue, -e.escalationLevel] as number[];
      const [ka, kb] = [key(a), key(b)];
      const order = ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
      expect(order).toBeLessThanOrEqual(0);
    }
  });

  it('is for coordinators and administrators only', async () => {
    for (const token of [window, await reviewer('drc')]) {
      const refused = await http('GET', '/v1/supervision/board', token);
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('FORBIDDEN');
    }
    expect((await http('GET', '/v1/supervision/board', null)).status).toBe(401);
    expect((await http('GET', '/v1/supervision/board', admin)).status).toBe(200);
  });
});

describe("a coordinator's journey through the API", () => {
  it('finds the worst case, sees why, escalates, extends, and watches the escalations resolve', async () => {
    // Accepted 60 working days ago: both 5-day tasks are some 55 working days late, far worse
    // than anything else in this database.
    const accepted = workingDayBefore(cal, today, 60);
    const { caseId } = await openBackdated(accepted, { projectType: 'social-small', projectName: '久拖未决的厂房项目' });
    const dueDate = dueDateOf(accepted, 5);

    // 1. the worst case on the board, and why
    const worst = (await board())[0];
    expect(worst).toMatchObject({ caseId, light: 'red', workingDaysOverdue: overdueBy(dueDate), escalationLevel: 2 });
    expect(worst.reasons).toEqual(expect.arrayContaining(['overdue', 'no_activity', 'escalated']));
    expect((worst.tasks as Json[]).map((t) => `${t.itemCode}/${t.department}/${t.light}`).sort()).toEqual([
      'land-use-permit/nrp/red',
      'project-approval/drc/red',
    ]);

    // 2. the offending tasks' deadlines, with their derivation
    const view = await getCase(caseId);
    const expected = computeDeadline(cal, acceptedMsOn(accepted), 5);
    for (const item of ['project-approval', 'land-use-permit']) {
      const task = tasksOf(view)[item]!;
      expect(task).toMatchObject({ startDate: expected.startDate, dueDate: expected.dueDate, light: 'red' });
      expect(task.derivation).toEqual(expected.derivation);
      expect(task.derivation.countedDays).toHaveLength(5);
      expect(task.derivation.from).toBe(cal.formatInstant(acceptedMsOn(accepted)));
    }
    const projectApproval = tasksOf(view)['project-approval']!;
    const landUsePermit = tasksOf(view)['land-use-permit']!;

    // 3. escalate the case's worst task to level 3 (the default)
    const escalated = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, {
      reason: '逾期严重，请发改委主要负责人督办',
      taskId: projectApproval.taskId,
    });
    expect(escalated.status).toBe(201);
    expect(escalated.json).toMatchObject({
      caseId,
      taskId: projectApproval.taskId,
      level: 3,
      origin: 'coordinator',
      reason: '逾期严重，请发改委主要负责人督办',
      status: 'open',
      resolvedAt: null,
      resolution: null,
      openedBy: { sub: 'coordinator-e2e', role: 'coordinator' },
    });
    expect(escalated.json.escalationId).toEqual(expect.any(String));
    expect(escalated.json.openedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/);
    const levelThree = escalated.json.escalationId as string;
    expect(await boardEntry(caseId)).toMatchObject({ escalationLevel: 3 });

    // 4. an extension of 10 working days for land-use-permit: its due day moves, still late
    const extended = await http('POST', `/v1/cases/${caseId}/tasks/${landUsePermit.taskId}/extension`, coordinator, {
      workingDays: 10,
      reason: '需补充征求相关部门意见（行政许可法第四十二条）',
    });
    expect(extended.status).toBe(200);
    const newDue = extendDueDate(cal, dueDate, 10);
    expect(extended.json).toMatchObject({
      dueDate: newDue,
      committedWorkingDays: 15,
      light: 'red',
      extension: { workingDays: 10, by: { sub: 'coordinator-e2e' } },
    });
    const again = await http('POST', `/v1/cases/${caseId}/tasks/${landUsePermit.taskId}/extension`, coordinator, {
      workingDays: 1,
      reason: '再次延长',
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('EXTENSION_ALREADY_GRANTED');
    const afterExtension = await boardEntry(caseId);
    expect(afterExtension.tasks.find((t: Json) => t.itemCode === 'land-use-permit').workingDaysOverdue).toBe(overdueBy(newDue));
    expect(afterExtension.workingDaysOverdue).toBe(overdueBy(dueDate)); // project-approval is still the worst
    // the moved deadline opened no second automatic escalation
    expect((await escalationsOf(caseId, '&status=open')).filter((e) => e.taskId === landUsePermit.taskId)).toHaveLength(2);

    // 5. drc decides: project-approval's automatic escalations resolve, the coordinator's stays open
    expect((await decide(caseId, projectApproval, { decision: 'approve', opinion: '同意' })).status).toBe(200);
    const ofProjectApproval = (await escalationsOf(caseId)).filter((e) => e.taskId === projectApproval.taskId);
    expect(ofProjectApproval.map((e) => `${e.origin}/${e.level}/${e.status}`).sort()).toEqual([
      'auto/1/resolved',
      'auto/2/resolved',
      'coordinator/3/open',
    ]);
    expect(await boardEntry(caseId)).toMatchObject({
      escalationLevel: 3,
      workingDaysOverdue: overdueBy(newDue),
    });

    // 6. the coordinator closes the level-3 escalation; a second resolve is refused
    const resolved = await http('POST', `/v1/cases/${caseId}/escalations/${levelThree}/resolve`, coordinator, {
      resolution: '发改委已办结，约谈记录已归档',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({
      escalationId: levelThree,
      status: 'resolved',
      resolution: '发改委已办结，约谈记录已归档',
      resolvedBy: { sub: 'coordinator-e2e' },
    });
    expect(resolved.json.resolvedAt).not.toBeNull();
    const twice = await http('POST', `/v1/cases/${caseId}/escalations/${levelThree}/resolve`, coordinator, {
      resolution: '再次办结',
    });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('ESCALATION_ALREADY_RESOLVED');
    expect(await boardEntry(caseId)).toMatchObject({ escalationLevel: 2 }); // land-use-permit's level 2

    // 7. nrp decides the last task: the stage is approved, nothing is open, the case leaves the board
    expect((await decide(caseId, landUsePermit, { decision: 'approve' })).status).toBe(200);
    expect(await escalationsOf(caseId, '&status=open')).toEqual([]);
    expect(await boardEntry(caseId)).toBeUndefined();
    expect((await getCase(caseId)).awaiting).toBe('applicant');

    // 8. a case waiting for the applicant, escalated by hand, is on the board as paused
    const chase = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, {
      reason: '申请人久未提交工程建设许可阶段申请',
      level: 1,
    });
    expect(chase.status).toBe(201);
    expect(chase.json).toMatchObject({ taskId: null, level: 1, origin: 'coordinator' });
    expect(await boardEntry(caseId)).toEqual({
      caseId,
      projectCode: view.projectCode,
      projectName: '久拖未决的厂房项目',
      light: 'paused',
      workingDaysOverdue: 0,
      escalationLevel: 1,
      reasons: ['escalated'],
      tasks: [],
    });
    const closed = await http('POST', `/v1/cases/${caseId}/escalations/${chase.json.escalationId as string}/resolve`, admin, {
      resolution: '申请人已承诺下周提交',
    });
    expect(closed.status).toBe(200);
    expect(await boardEntry(caseId)).toBeUndefined();
  });
});

describe('notifications', () => {
  let windowNotice: string;

  beforeAll(async () => {
    // The window's only notice, applicant_silent, comes 10 working days after a supplement request,
    // and a request can only be made now: that row is written here as the workflow's outbox
    // writes it, for a real case, so the window's view of the list can be checked.
    const { caseId } = await openCase({ projectType: 'social-small', projectName: '补正材料逾期项目' });
    windowNotice = `${caseId}-N-test-${randomUUID()}`;
    await stack.database.db.insert(notifications).values({
      notificationId: windowNotice,
      kind: 'applicant_silent',
      caseId,
      taskId: `${caseId}-project-approval`,
      audience: 'window',
      department: 'drc',
      message: '申请人逾期未补正：项目审批（核准、备案），请督促申请人补正材料',
      data: { missingMaterials: ['资金来源证明'] },
      createdAt: new Date(),
      deliveredAt: new Date(),
    });
  });

  it('shows reviewers only their own department’s reminders and escalation notices', async () => {
    for (const department of ['drc', 'nrp', 'eco', 'heritage']) {
      const items = await listAll('/v1/notifications', await reviewer(department), 200);
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item).toMatchObject({ department, audience: 'department' });
        expect(['reminder', 'escalation']).toContain(item.kind);
      }
    }
    // heritage-survey was consented by silence: a reminder, never an escalation
    const heritage = await listAll('/v1/notifications', await reviewer('heritage'), 200);
    expect(heritage.every((n) => n.kind === 'reminder')).toBe(true);
    expect((await listAll('/v1/notifications', await reviewer('water'), 200))).toEqual([]);
  });

  it('shows the window the applicant_silent notices and coordinators every escalation notice', async () => {
    const forWindow = await listAll('/v1/notifications', window, 200);
    expect(forWindow.map((n) => [n.notificationId, n.kind, n.audience])).toEqual([[windowNotice, 'applicant_silent', 'window']]);

    const forCoordinators = await listAll('/v1/notifications', coordinator, 200);
    expect(forCoordinators.every((n) => n.audience === 'coordinator' && n.kind === 'escalation')).toBe(true);
    const noticed = new Set(forCoordinators.map((n) => n.data.escalationId as string));
    const all = await listAll('/v1/escalations', coordinator, 200);
    expect(all.length).toBeGreaterThan(0);
    for (const escalation of all) expect(noticed.has(escalation.escalationId as string)).toBe(true);
    for (const notice of forCoordinators) {
      expect(notice).toMatchObject({ notificationId: expect.any(String), caseId: expect.any(String), message: expect.stringContaining('级督办') });
      expect(notice.createdAt).toMatch(/\+08:00$/);
    }

    // an administrator sees every audience
    const everything = await listAll('/v1/notifications', admin, 200);
    expect(new Set(everything.map((n) => n.audience))).toEqual(new Set(['department', 'coordinator', 'window']));
  });

  it('lists newest first and pages with a cursor', async () => {
    const whole = await listAll('/v1/notifications', coordinator, 200);
    expect(whole.length).toBeGreaterThan(7);
    const times = whole.map((n) => Date.parse(n.createdAt as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const paged = await listAll('/v1/notifications', coordinator, 3);
    expect(paged.map((n) => n.notificationId)).toEqual(whole.map((n) => n.notificationId));
    const firstPage = await http('GET', '/v1/notifications?limit=3', coordinator);
    expect(firstPage.json.items).toHaveLength(3);
    expect(firstPage.json.nextCursor).toEqual(expect.any(String));

    const pagedEscalations = await listAll('/v1/escalations', coordinator, 2);
    const allEscalations = await listAll('/v1/escalations', coordinator, 200);
    expect(pagedEscalations.map((e) => e.escalationId)).toEqual(allEscalations.map((e) => e.escalationId));

    const badCursor = await http('GET', '/v1/notifications?cursor=not-a-cursor', coordinator);
    expect(badCursor.status).toBe(400);
    expect(badCursor.json.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('request rules on the supervision routes', () => {
  let caseId: string;
  let taskId: string;
  let escalationId: string;

  beforeAll(async () => {
    const opened = await openCase({ projectType: 'social-small', projectName: '请求规则测试项目' });
    caseId = opened.caseId as string;
    taskId = `${caseId}-project-approval`;
    const escalated = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, { reason: '测试督办', level: 2 });
    expect(escalated.status).toBe(201);
    escalationId = escalated.json.escalationId as string;
  });

  it('answers 401 without a token on every supervision route', async () => {
    const routes: [string, string, unknown?][] = [
      ['POST', `/v1/cases/${caseId}/escalations`, { reason: 'x' }],
      ['POST', `/v1/cases/${caseId}/escalations/${escalationId}/resolve`, { resolution: 'x' }],
      ['GET', '/v1/escalations'],
      ['GET', '/v1/notifications'],
      ['GET', '/v1/supervision/board'],
      ['GET', '/v1/stats'],
    ];
    for (const [method, path, body] of routes) {
      const response = await http(method, path, null, body);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.json.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers 403 for a role not allowed on the route before looking at the body', async () => {
    const drc = await reviewer('drc');
    const attempts: [string, string, string, unknown?][] = [
      [window, 'POST', `/v1/cases/${caseId}/escalations`, { level: 9, bogus: true }],
      [drc, 'POST', `/v1/cases/${caseId}/escalations`, {}],
      [drc, 'POST', `/v1/cases/${caseId}/escalations/${escalationId}/resolve`, { resolution: '' }],
      [window, 'POST', `/v1/cases/NO-SUCH-CASE/escalations/${escalationId}/resolve`, 'not even an object'],
      [drc, 'GET', '/v1/escalations?level=9'],
      [window, 'GET', '/v1/escalations'],
    ];
    for (const [token, method, path, body] of attempts) {
      const response = await http(method, path, token, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.json.error.code).toBe('FORBIDDEN');
    }
  });

  it('validates bodies strictly: unknown fields, level outside 1–3, wrong types, missing or empty text', async () => {
    const path = `/v1/cases/${caseId}/escalations`;
    const bad: unknown[] = [
      { reason: '督办', level: 4 },
      { reason: '督办', level: 0 },
      { reason: '督办', level: '3' },
      { reason: '督办', level: 2.5 },
      { reason: '督办', urgent: true },
      { reason: '' },
      { reason: 'x'.repeat(2001) },
      { reason: '含控制字符\u0007' },
      { reason: 12345 },
      {},
      { reason: '督办', taskId: '' },
    ];
    for (const body of bad) {
      const response = await http('POST', path, coordinator, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error.code).toBe('VALIDATION_FAILED');
    }
    const resolve = `/v1/cases/${caseId}/escalations/${escalationId}/resolve`;
    for (const body of [{}, { resolution: '' }, { resolution: '已办结', note: 'x' }, { resolution: 1 }]) {
      const response = await http('POST', resolve, coordinator, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    for (const query of ['level=4', 'level=x', 'status=closed', 'page=2']) {
      expect((await http('GET', `/v1/escalations?${query}`, coordinator)).status, query).toBe(400);
    }
    // nothing was opened by the refused requests
    expect(await escalationsOf(caseId)).toHaveLength(1);
  });

  it('answers 404 for an unknown case, task or escalation, and 409 on a closed case', async () => {
    const unknownCase = await http('POST', '/v1/cases/C20260101-ZZZZZZZZ/escalations', coordinator, { reason: '督办' });
    expect(unknownCase.status).toBe(404);
    expect(unknownCase.json.error.code).toBe('NOT_FOUND');
    const unknownTask = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, { reason: '督办', taskId: 'T-NONE' });
    expect(unknownTask.status).toBe(404);
    const otherCase = await openCase({ projectType: 'social-small' });
    const foreignTask = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, {
      reason: '督办',
      taskId: `${otherCase.caseId as string}-project-approval`,
    });
    expect(foreignTask.status).toBe(404);
    const unknownEscalation = await http('POST', `/v1/cases/${caseId}/escalations/${caseId}-E99/resolve`, coordinator, {
      resolution: '已办结',
    });
    expect(unknownEscalation.status).toBe(404);
    const resolveInUnknownCase = await http('POST', `/v1/cases/C20260101-ZZZZZZZZ/escalations/${escalationId}/resolve`, coordinator, {
      resolution: '已办结',
    });
    expect(resolveInUnknownCase.status).toBe(404);
    expect(resolveInUnknownCase.json.error.code).toBe('NOT_FOUND');
    const wrongCase = await http('POST', `/v1/cases/${otherCase.caseId as string}/escalations/${escalationId}/resolve`, coordinator, {
      resolution: '已办结',
    });
    expect(wrongCase.status).toBe(404);

    const withdrawn = await http('POST', `/v1/cases/${otherCase.caseId as string}/withdraw`, window, { reason: '申请人撤回' });
    expect(withdrawn.status).toBe(200);
    const onClosed = await http('POST', `/v1/cases/${otherCase.caseId as string}/escalations`, coordinator, { reason: '督办' });
    expect(onClosed.status).toBe(409);
    expect(onClosed.json.error.code).toBe('CASE_CLOSED');
  });

  it('replays an escalation for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': `escalate-${randomUUID()}` };
    const body = { reason: '重复提交测试', taskId, level: 3 };
    const first = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, body, headers);
    const again = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect((await escalationsOf(caseId)).filter((e) => e.reason === '重复提交测试')).toHaveLength(1);

    const reused = await http('POST', `/v1/cases/${caseId}/escalations`, coordinator, { ...body, level: 2 }, headers);
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const resolveHeaders = { 'idempotency-key': `resolve-${randomUUID()}` };
    const path = `/v1/cases/${caseId}/escalations/${first.json.escalationId as string}/resolve`;
    const resolved = await http('POST', path, coordinator, { resolution: '已办结' }, resolveHeaders);
    const replayed = await http('POST', path, coordinator, { resolution: '已办结' }, resolveHeaders);
    expect(resolved.status).toBe(200);
    expect(replayed.status).toBe(200);
    expect(replayed.json).toEqual(resolved.json);
  });
});
