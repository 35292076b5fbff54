/**
 * The escalation ladder (督办, SPEC §3) against Temporal's time-skipping test server, a real
 * Worker and the real read-model activity writing escalations and the notification outbox to
 * PostgreSQL. Every case here is started now, so its run has the ladder (`patched('escalation-ladder')`).
 *
 * gov-building's first stage is the cast: project-approval (drc, 5 committed days, yellow for the
 * last 1), land-site-review (nrp, 10, yellow for 2), eia (eco, 20, yellow for 4), heritage-survey
 * (heritage, 10, deemed consent) and land-use-permit (blocked behind land-site-review). Each test
 * opens its own case at 09:30 on a working day and computes the moments it expects from the
 * seed calendar: working day n of a clock is `dayOf(n)`.
 *
 * Time only moves forward and is shared by every test of this file.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEscalationsOfCase } from '../../db/queries.js';
import { notifications } from '../../db/schema.js';
import { addDays, computeDeadline, computeYellowFrom, type IsoDate } from '../../domain/calendar.js';
import { SYSTEM_ACTOR, type EscalationRecord } from '../../domain/case-types.js';
import { computeTaskLight } from '../../domain/light.js';
import {
  decideUpdate,
  escalateUpdate,
  grantExtensionUpdate,
  resolveEscalationUpdate,
  submitSupplementUpdate,
  syncedUpdate,
  withdrawUpdate,
} from '../../workflows/case-workflow.js';
import { validateEscalate } from '../../workflows/escalations.js';
import {
  approve,
  COORDINATOR,
  createWorkflowTestEnv,
  expectIntactHashChain,
  getState,
  readAuditEvents,
  refusalOf,
  reviewer,
  skipToLocal,
  skipToNextWorkingMorning,
  sleepUntil,
  taskIdOf,
  taskOf,
  WINDOW,
  type OpenedCase,
  type WorkflowTestEnv,
} from '../support/workflow-env.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SYSTEM_VIEW = { sub: 'system', name: 'system', role: 'system' };

let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await createWorkflowTestEnv();
});
afterAll(async () => t?.close());

/** Opens a gov-building case at 09:30 on the next working day; its opening is in the read model. */
async function openCaseOnNextWorkingMorning(): Promise<OpenedCase> {
  await skipToNextWorkingMorning(t);
  const opened = await t.openCase({ projectType: 'gov-building' });
  await synced(opened);
  return opened;
}

async function synced(opened: OpenedCase): Promise<void> {
  await opened.handle.executeUpdate(syncedUpdate, { args: [] });
}

/** Lets time pass until `instantMs`, then waits until the case's read model has caught up. */
async function passUntil(opened: OpenedCase, instantMs: number): Promise<void> {
  await sleepUntil(t.env, instantMs);
  await synced(opened);
}

/** Working day `n` (1-based) of a clock started at `fromMs`. */
function workingDayOf(fromMs: number, n: number): IsoDate {
  return computeDeadline(t.calendar, fromMs, n).dueDate;
}

const startOf = (date: IsoDate): number => t.calendar.startOfDay(date);
const endOf = (date: IsoDate): number => t.calendar.endOfDay(date);
const iso = (ms: number): string => t.calendar.formatInstant(ms);

interface AuditView {
  seq: number;
  type: string;
  at: string;
  atMs: number;
  actor: Record<string, unknown>;
  data: Record<string, unknown>;
}

async function auditOf(opened: OpenedCase): Promise<AuditView[]> {
  return (await readAuditEvents(t, opened.caseId)).map((e) => ({
    ...(JSON.parse(e.canonical) as Omit<AuditView, 'atMs'>),
    atMs: e.at.getTime(),
  }));
}

async function auditOfType(opened: OpenedCase, type: string, taskId?: string): Promise<AuditView[]> {
  return (await auditOf(opened)).filter((e) => e.type === type && (taskId === undefined || e.data.taskId === taskId));
}

/** The trailing number of `<caseId>-N12` / `<caseId>-E3`: ids sort by it, not as text. */
const numberOf = (id: string): number => Number(/(\d+)$/.exec(id)?.[1] ?? Number.NaN);

async function notificationsOf(opened: OpenedCase, filter: { kind?: string; taskId?: string } = {}) {
  const rows = await t.database.db.select().from(notifications).where(eq(notifications.caseId, opened.caseId));
  return rows
    .filter((n) => (filter.kind === undefined || n.kind === filter.kind) && (filter.taskId === undefined || n.taskId === filter.taskId))
    .sort((a, b) => numberOf(a.notificationId) - numberOf(b.notificationId));
}

async function escalationRowsOf(opened: OpenedCase, taskId?: string) {
  const rows = await findEscalationsOfCase(t.database.db, opened.caseId);
  return rows
    .filter((e) => taskId === undefined || e.taskId === taskId)
    .sort((a, b) => numberOf(a.escalationId) - numberOf(b.escalationId));
}

/** The workflow's escalations with their texts from the read model (text never stays in workflow state). */
async function escalationsOf(opened: OpenedCase, taskId?: string): Promise<EscalationRecord[]> {
  const all = (await getState(opened)).escalations ?? [];
  const rows = new Map((await findEscalationsOfCase(t.database.db, opened.caseId)).map((row) => [row.escalationId, row]));
  return all
    .filter((e) => taskId === undefined || e.taskId === taskId)
    .map((e) => {
      expect(e).not.toHaveProperty('reason');
      expect(e).not.toHaveProperty('resolution');
      const row = rows.get(e.escalationId);
      return { ...e, reason: row?.reason ?? '', resolution: row?.resolution ?? null };
    });
}

async function lightOf(opened: OpenedCase, itemCode: string): Promise<string> {
  const task = taskOf(await getState(opened), itemCode);
  const now = await t.env.currentTimeMs();
  return computeTaskLight({ status: task.status, deadlineMs: task.run?.deadlineMs ?? null, yellowFromMs: task.run?.yellowFromMs ?? null }, now);
}

async function requestSupplement(opened: OpenedCase, itemCode: string, department: string) {
  return opened.handle.executeUpdate(decideUpdate, {
    args: [
      {
        taskId: taskIdOf(opened, itemCode),
        decision: 'request_supplement',
        opinion: '请补正材料',
        missingMaterials: ['可行性研究报告'],
        actor: reviewer(department),
      },
    ],
  });
}

async function extend(opened: OpenedCase, itemCode: string, workingDays: number) {
  return opened.handle.executeUpdate(grantExtensionUpdate, {
    args: [{ taskId: taskIdOf(opened, itemCode), workingDays, reason: '需组织专家论证', actor: COORDINATOR }],
  });
}

async function escalate(opened: OpenedCase, fields: { taskId?: string; level?: number; reason?: string } = {}) {
  return opened.handle.executeUpdate(escalateUpdate, {
    args: [{ level: fields.level ?? 3, reason: fields.reason ?? '项目推进缓慢，请协调', actor: COORDINATOR, ...(fields.taskId ? { taskId: fields.taskId } : {}) }],
  });
}

async function resolveEscalation(opened: OpenedCase, escalationId: string, resolution = '已协调办结') {
  return opened.handle.executeUpdate(resolveEscalationUpdate, { args: [{ escalationId, resolution, actor: COORDINATOR }] });
}

describe('the ladder of a task nobody decides (project-approval, 5 working days)', () => {
  let opened: OpenedCase;
  let taskId: string;
  /** the due day, and its end: the deadline */
  let dueDate: IsoDate;
  let deadlineMs: number;

  beforeAll(async () => {
    opened = await openCaseOnNextWorkingMorning();
    taskId = taskIdOf(opened, 'project-approval');
    dueDate = workingDayOf(opened.input.acceptedAtMs, 5);
    deadlineMs = endOf(dueDate);
  });

  it('is on for a case started now', async () => {
    const state = await getState(opened);
    expect(state.ladder).toBe(true);
    expect(taskOf(state, 'project-approval').run).toMatchObject({ dueDate, deadlineMs, yellowFromMs: startOf(dueDate) });
    expect(await notificationsOf(opened)).toEqual([]);
    expect(state.escalations).toEqual([]);
  });

  it('sends the department a reminder at 00:00 of the due day, the moment the task turns yellow', async () => {
    const yellowFromMs = startOf(dueDate);
    await passUntil(opened, yellowFromMs - MINUTE);
    expect(await lightOf(opened, 'project-approval')).toBe('green');
    expect(taskOf(await getState(opened), 'project-approval').alerts?.reminderFor ?? null).toBeNull();
    expect(await notificationsOf(opened, { kind: 'reminder', taskId })).toEqual([]);
    expect(await auditOfType(opened, 'reminder_sent', taskId)).toEqual([]);

    await passUntil(opened, yellowFromMs + MINUTE);
    expect(await lightOf(opened, 'project-approval')).toBe('yellow');
    expect(taskOf(await getState(opened), 'project-approval').alerts?.reminderFor).toBe(yellowFromMs);

    const [event, ...moreEvents] = await auditOfType(opened, 'reminder_sent', taskId);
    expect(moreEvents).toEqual([]);
    expect(event).toMatchObject({ actor: SYSTEM_VIEW, data: { taskId, dueDate, dueAt: iso(yellowFromMs) } });
    expect(event?.atMs).toBeGreaterThanOrEqual(yellowFromMs);
    expect(event?.atMs).toBeLessThan(yellowFromMs + MINUTE);

    const reminders = await notificationsOf(opened, { kind: 'reminder', taskId });
    expect(reminders).toEqual([
      expect.objectContaining({
        caseId: opened.caseId,
        taskId,
        audience: 'department',
        department: 'drc',
        data: { dueDate },
        createdAt: new Date(event?.atMs ?? 0),
        deliveredAt: null,
        attempts: 0,
      }),
    ]);
    expect(reminders[0]?.message).toContain(dueDate);
    expect(await escalationsOf(opened, taskId)).toEqual([]);
  });

  it('opens an automatic level-1 escalation just after the deadline, telling the department and the coordinators', async () => {
    await passUntil(opened, deadlineMs - MINUTE);
    expect(await escalationsOf(opened, taskId)).toEqual([]);

    await passUntil(opened, deadlineMs + HOUR);
    expect(await lightOf(opened, 'project-approval')).toBe('red');
    const escalations = await escalationsOf(opened, taskId);
    expect(escalations).toEqual([
      expect.objectContaining({
        taskId,
        level: 1,
        origin: 'auto',
        status: 'open',
        dueAtMs: deadlineMs + 1,
        openedBy: SYSTEM_ACTOR,
        resolvedAtMs: null,
        resolution: null,
      }),
    ]);
    const [l1] = escalations;
    if (!l1) throw new Error('no level-1 escalation');
    expect(l1.openedAtMs).toBeGreaterThanOrEqual(deadlineMs + 1);
    expect(l1.openedAtMs).toBeLessThan(deadlineMs + MINUTE);
    expect(l1.reason).toContain(dueDate);

    expect(await escalationRowsOf(opened, taskId)).toEqual([
      expect.objectContaining({
        escalationId: l1.escalationId,
        caseId: opened.caseId,
        level: 1,
        origin: 'auto',
        status: 'open',
        dueAt: new Date(deadlineMs + 1),
        openedAt: new Date(l1.openedAtMs),
        resolvedAt: null,
      }),
    ]);
    expect(await auditOfType(opened, 'escalation_opened', taskId)).toEqual([
      expect.objectContaining({
        actor: SYSTEM_VIEW,
        data: { escalationId: l1.escalationId, taskId, level: 1, origin: 'auto', reason: l1.reason, dueAt: iso(deadlineMs + 1) },
      }),
    ]);
    const told = await notificationsOf(opened, { kind: 'escalation', taskId });
    expect(told.map((n) => [n.audience, n.department])).toEqual([
      ['department', 'drc'],
      ['coordinator', 'drc'],
    ]);
    for (const n of told) {
      expect(n).toMatchObject({ data: { escalationId: l1.escalationId, level: 1, origin: 'auto' }, createdAt: new Date(l1.openedAtMs) });
    }
  });

  it('raises level 2 once the task is 3 full working days late, level 1 staying open', async () => {
    // Late days 1..3 are the three working days after the due day; level 2 comes as the third ends.
    const thirdLateDay = t.calendar.addWorkingDays(t.calendar.nextWorkingDayAfter(dueDate), 3);
    const level2At = endOf(thirdLateDay) + 1;
    await passUntil(opened, level2At - MINUTE);
    expect((await escalationsOf(opened, taskId)).map((e) => e.level)).toEqual([1]);

    await passUntil(opened, level2At + HOUR);
    const escalations = await escalationsOf(opened, taskId);
    expect(escalations.map((e) => [e.level, e.origin, e.status, e.dueAtMs])).toEqual([
      [1, 'auto', 'open', deadlineMs + 1],
      [2, 'auto', 'open', level2At],
    ]);
    expect((await escalationRowsOf(opened, taskId)).map((e) => [e.level, e.status, e.dueAt])).toEqual([
      [1, 'open', new Date(deadlineMs + 1)],
      [2, 'open', new Date(level2At)],
    ]);
    expect((await notificationsOf(opened, { kind: 'escalation', taskId })).map((n) => [n.audience, n.data.level])).toEqual([
      ['department', 1],
      ['coordinator', 1],
      ['department', 2],
      ['coordinator', 2],
    ]);
    // Each rung fires once for its deadline: nothing more after another week.
    await passUntil(opened, level2At + 7 * 24 * HOUR);
    expect(await escalationsOf(opened, taskId)).toHaveLength(2);
    expect(await auditOfType(opened, 'reminder_sent', taskId)).toHaveLength(1);
  });

  it('resolves the task’s automatic escalations when the department decides, but not a coordinator’s', async () => {
    const { escalationId: byCoordinator } = await escalate(opened, { taskId, reason: '请发改委尽快办结' });
    if (!byCoordinator) throw new Error('escalate answered no escalationId');

    await approve(opened, 'project-approval', '同意立项');

    const decidedAt = taskOf(await getState(opened), 'project-approval').decision?.at;
    const escalations = await escalationsOf(opened, taskId);
    expect(escalations.map((e) => [e.level, e.origin, e.status, e.resolution])).toEqual([
      [1, 'auto', 'resolved', 'department decided: approve'],
      [2, 'auto', 'resolved', 'department decided: approve'],
      [3, 'coordinator', 'open', null],
    ]);
    for (const e of escalations.slice(0, 2)) expect(e).toMatchObject({ resolvedAtMs: decidedAt, resolvedBy: reviewer('drc') });
    expect((await escalationRowsOf(opened, taskId)).map((e) => [e.escalationId, e.status, e.resolution, e.resolvedAt])).toEqual(
      escalations.map((e) => [e.escalationId, e.status, e.resolution, e.resolvedAtMs === null ? null : new Date(e.resolvedAtMs)]),
    );
    const resolved = await auditOfType(opened, 'escalation_resolved');
    expect(resolved.map((e) => e.data)).toEqual(
      escalations.slice(0, 2).map((e) => ({ escalationId: e.escalationId, resolution: 'department decided: approve' })),
    );
    expect(resolved[0]?.actor).toMatchObject({ sub: reviewer('drc').sub, role: 'reviewer', department: 'drc' });
    expect((await auditOf(opened)).map((e) => e.type)).toContain('task_decided');
    expectIntactHashChain(await readAuditEvents(t, opened.caseId));
  });
});

describe('re-arming when the deadline moves', () => {
  it('moves the reminder and level 1 with an extension granted before the task turned yellow', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const taskId = taskIdOf(opened, 'project-approval');
    const from = opened.input.acceptedAtMs;
    await skipToLocal(t, workingDayOf(from, 2), 10, 0);
    await extend(opened, 'project-approval', 3);
    const newDue = workingDayOf(from, 8);
    expect(taskOf(await getState(opened), 'project-approval').run).toMatchObject({ dueDate: newDue, yellowFromMs: startOf(newDue) });

    // The old moments pass without a word.
    await passUntil(opened, endOf(workingDayOf(from, 5)) + HOUR);
    expect(await auditOfType(opened, 'reminder_sent', taskId)).toEqual([]);
    expect(await escalationsOf(opened, taskId)).toEqual([]);

    await passUntil(opened, startOf(newDue) + MINUTE);
    expect((await auditOfType(opened, 'reminder_sent', taskId)).map((e) => e.data)).toEqual([
      { taskId, dueDate: newDue, dueAt: iso(startOf(newDue)) },
    ]);
    expect(await escalationsOf(opened, taskId)).toEqual([]);

    await passUntil(opened, endOf(newDue) + HOUR);
    expect((await escalationsOf(opened, taskId)).map((e) => [e.level, e.dueAtMs])).toEqual([[1, endOf(newDue) + 1]]);
    expect((await auditOfType(opened, 'escalation_opened', taskId)).map((e) => e.data.dueAt)).toEqual([iso(endOf(newDue) + 1)]);
  });

  it('reminds again at the new yellow moment after an extension granted while yellow, and opens level 1 only at the new deadline', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const taskId = taskIdOf(opened, 'land-site-review');
    const from = opened.input.acceptedAtMs;
    const oldDue = workingDayOf(from, 10);
    // Yellow for the last 2 working days: the reminder came at 00:00 of day 9.
    await skipToLocal(t, workingDayOf(from, 9), 10, 0);
    await synced(opened);
    expect((await auditOfType(opened, 'reminder_sent', taskId)).map((e) => e.data.dueAt)).toEqual([iso(startOf(workingDayOf(from, 9)))]);

    await extend(opened, 'land-site-review', 2);
    const newDue = workingDayOf(from, 12);
    const newYellow = startOf(workingDayOf(from, 11));

    await passUntil(opened, endOf(oldDue) - MINUTE);
    expect(await auditOfType(opened, 'reminder_sent', taskId)).toHaveLength(1);
    await passUntil(opened, endOf(oldDue) + 1 + MINUTE);
    expect(await escalationsOf(opened, taskId)).toEqual([]);

    await passUntil(opened, newYellow + MINUTE);
    const reminders = await auditOfType(opened, 'reminder_sent', taskId);
    expect(reminders.map((e) => e.data)).toEqual([
      { taskId, dueDate: oldDue, dueAt: iso(startOf(workingDayOf(from, 9))) },
      { taskId, dueDate: newDue, dueAt: iso(newYellow) },
    ]);
    expect(reminders[1]?.atMs).toBeGreaterThanOrEqual(newYellow);
    expect(await notificationsOf(opened, { kind: 'reminder', taskId })).toHaveLength(2);

    await passUntil(opened, endOf(newDue) + HOUR);
    expect((await escalationsOf(opened, taskId)).map((e) => [e.level, e.dueAtMs])).toEqual([[1, endOf(newDue) + 1]]);
  });

  it('stops the ladder while awaiting supplement, tells the window when the applicant is silent, and re-arms on resubmission', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const taskId = taskIdOf(opened, 'project-approval');
    const from = opened.input.acceptedAtMs;
    await skipToLocal(t, workingDayOf(from, 3), 10, 0);
    await requestSupplement(opened, 'project-approval', 'drc');
    const requestedAt = taskOf(await getState(opened), 'project-approval').supplement?.requestedAt ?? 0;
    expect(taskOf(await getState(opened), 'project-approval')).toMatchObject({ status: 'awaiting_supplement', usedBeforeRun: 2 });

    // Paused: the old yellow moment and deadline pass without a reminder or an escalation.
    await passUntil(opened, endOf(workingDayOf(from, 5)) + 4 * HOUR);
    expect(await auditOfType(opened, 'reminder_sent', taskId)).toEqual([]);
    expect(await escalationsOf(opened, taskId)).toEqual([]);

    // 10 working days of silence (half the 20-day withdrawal limit): the window is told, once.
    const silentAt = endOf(workingDayOf(requestedAt, 10)) + 1;
    await passUntil(opened, silentAt - MINUTE);
    expect(await auditOfType(opened, 'applicant_silent', taskId)).toEqual([]);
    expect(await notificationsOf(opened, { kind: 'applicant_silent' })).toEqual([]);

    await passUntil(opened, silentAt + MINUTE);
    const [silent, ...more] = await auditOfType(opened, 'applicant_silent', taskId);
    expect(more).toEqual([]);
    expect(silent).toMatchObject({ actor: SYSTEM_VIEW, data: { taskId, dueAt: iso(silentAt) } });
    expect(silent?.atMs).toBeLessThan(silentAt + MINUTE);
    expect(await notificationsOf(opened, { kind: 'applicant_silent' })).toEqual([
      expect.objectContaining({
        taskId,
        audience: 'window',
        department: 'drc',
        data: { requestedAt: iso(requestedAt) },
        createdAt: new Date(silent?.atMs ?? 0),
      }),
    ]);
    expect((await getState(opened)).status).toBe('open');

    // The applicant answers the next working morning: 3 days are left, on a new clock.
    const resubmitDay = t.calendar.nextWorkingDayAfter(t.calendar.localDate(silentAt));
    await skipToLocal(t, resubmitDay, 9, 30);
    await opened.handle.executeUpdate(submitSupplementUpdate, {
      args: [{ taskId, materials: [{ name: '可行性研究报告' }], actor: WINDOW }],
    });
    const run = taskOf(await getState(opened), 'project-approval').run;
    const newDue = workingDayOf(run?.fromMs ?? 0, 3);
    expect(run).toMatchObject({ workingDays: 3, dueDate: newDue, yellowFromMs: startOf(newDue), deadlineMs: endOf(newDue) });

    await passUntil(opened, startOf(newDue) + MINUTE);
    expect((await auditOfType(opened, 'reminder_sent', taskId)).map((e) => e.data)).toEqual([
      { taskId, dueDate: newDue, dueAt: iso(startOf(newDue)) },
    ]);
    expect(await escalationsOf(opened, taskId)).toEqual([]);

    await passUntil(opened, endOf(newDue) + HOUR);
    expect((await escalationsOf(opened, taskId)).map((e) => [e.level, e.origin, e.dueAtMs])).toEqual([[1, 'auto', endOf(newDue) + 1]]);
    // The silence was told once, for that one request.
    expect(await auditOfType(opened, 'applicant_silent', taskId)).toHaveLength(1);
  });

  it('resolves an open level 1 when the department asks for supplementary materials', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const taskId = taskIdOf(opened, 'project-approval');
    await passUntil(opened, endOf(workingDayOf(opened.input.acceptedAtMs, 5)) + 10 * HOUR);
    expect((await escalationsOf(opened, taskId)).map((e) => [e.level, e.status])).toEqual([[1, 'open']]);

    await requestSupplement(opened, 'project-approval', 'drc');

    expect((await escalationsOf(opened, taskId)).map((e) => [e.level, e.status, e.resolution])).toEqual([
      [1, 'resolved', 'department decided: request_supplement'],
    ]);
    expect((await escalationRowsOf(opened, taskId)).map((e) => e.status)).toEqual(['resolved']);
  });
});

describe('deemed consent (超时默许) instead of escalation', () => {
  it('approves heritage-survey at its deadline without a level 1, while land-site-review, due the same day, is escalated', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const heritage = taskIdOf(opened, 'heritage-survey');
    const siteReview = taskIdOf(opened, 'land-site-review');
    const due = workingDayOf(opened.input.acceptedAtMs, 10);
    const level2At = endOf(workingDayOf(opened.input.acceptedAtMs, 13)) + 1;

    await passUntil(opened, level2At + HOUR);

    expect(taskOf(await getState(opened), 'heritage-survey')).toMatchObject({
      status: 'approved',
      decision: { decision: 'deemed_consent', at: endOf(due), by: SYSTEM_ACTOR },
    });
    // Yellow still reminded the department; the deadline brought consent, not escalation.
    expect(await auditOfType(opened, 'reminder_sent', heritage)).toHaveLength(1);
    expect(await escalationsOf(opened, heritage)).toEqual([]);
    expect(await notificationsOf(opened, { kind: 'escalation', taskId: heritage })).toEqual([]);
    expect((await escalationsOf(opened, siteReview)).map((e) => [e.level, e.dueAtMs])).toEqual([
      [1, endOf(due) + 1],
      [2, level2At],
    ]);
    // Same moment: land-site-review's level 1 is recorded before heritage-survey's consent.
    const types = (await auditOf(opened))
      .filter((e) => e.data.dueAt === iso(endOf(due) + 1))
      .map((e) => [e.type, e.data.taskId]);
    expect(types).toEqual([
      ['escalation_opened', siteReview],
      ['task_decided', heritage],
    ]);
  });
});

describe('coordinators’ escalations', () => {
  it('raises a task to level 3 by hand, telling its department and the coordinators', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const taskId = taskIdOf(opened, 'eia');

    const result = await escalate(opened, { taskId, reason: '环评进度滞后' });

    const [escalation] = await escalationsOf(opened);
    expect(result.escalationId).toBe(escalation?.escalationId);
    expect(escalation).toMatchObject({
      taskId,
      level: 3,
      origin: 'coordinator',
      reason: '环评进度滞后',
      status: 'open',
      dueAtMs: null,
      openedBy: COORDINATOR,
    });
    expect(await escalationRowsOf(opened)).toEqual([
      expect.objectContaining({ escalationId: result.escalationId, taskId, level: 3, origin: 'coordinator', status: 'open', dueAt: null }),
    ]);
    expect((await notificationsOf(opened, { kind: 'escalation' })).map((n) => [n.audience, n.taskId, n.department])).toEqual([
      ['department', taskId, 'eco'],
      ['coordinator', taskId, 'eco'],
    ]);
    expect(await auditOfType(opened, 'escalation_opened')).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ sub: COORDINATOR.sub, role: 'coordinator' }) as unknown,
        data: { escalationId: result.escalationId, taskId, level: 3, origin: 'coordinator', reason: '环评进度滞后' },
      }),
    ]);
  });

  it('raises a whole case (no task), telling the coordinators only; resolves it once, then refuses ESCALATION_ALREADY_RESOLVED', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    const { escalationId } = await escalate(opened, { level: 3, reason: '多部门协调' });
    if (!escalationId) throw new Error('escalate answered no escalationId');
    expect(await escalationsOf(opened)).toEqual([expect.objectContaining({ escalationId, taskId: null, level: 3, status: 'open' })]);
    expect((await notificationsOf(opened, { kind: 'escalation' })).map((n) => [n.audience, n.taskId, n.department])).toEqual([
      ['coordinator', null, null],
    ]);

    await t.env.sleep('2 hours');
    await resolveEscalation(opened, escalationId, '已召开协调会');

    const [escalation] = await escalationsOf(opened);
    expect(escalation).toMatchObject({ status: 'resolved', resolution: '已召开协调会', resolvedBy: COORDINATOR });
    expect(escalation?.resolvedAtMs).toBeGreaterThanOrEqual(opened.input.acceptedAtMs + 2 * HOUR);
    expect(await escalationRowsOf(opened)).toEqual([
      expect.objectContaining({ escalationId, status: 'resolved', resolution: '已召开协调会', resolvedAt: new Date(escalation?.resolvedAtMs ?? 0) }),
    ]);
    expect((await auditOfType(opened, 'escalation_resolved')).map((e) => e.data)).toEqual([{ escalationId, resolution: '已召开协调会' }]);

    const eventsBefore = (await auditOf(opened)).length;
    expect(await refusalOf(resolveEscalation(opened, escalationId, '再次'))).toBe('ESCALATION_ALREADY_RESOLVED');
    expect(await refusalOf(resolveEscalation(opened, `${opened.caseId}-E99`))).toBe('NOT_FOUND');
    expect(await refusalOf(escalate(opened, { taskId: `${opened.caseId}-no-such-item` }))).toBe('NOT_FOUND');
    expect(await auditOf(opened)).toHaveLength(eventsBefore);
    expect((await escalationsOf(opened))[0]?.resolution).toBe('已召开协调会');
  });

  it('resolves every open escalation when the case closes, and refuses to escalate a closed case', async () => {
    const opened = await openCaseOnNextWorkingMorning();
    await escalate(opened, { level: 3, reason: '多部门协调' });
    await escalate(opened, { taskId: taskIdOf(opened, 'eia'), level: 2, reason: '环评滞后' });

    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目终止', actor: WINDOW }] });
    const final = await opened.handle.result();

    expect(final.status).toBe('withdrawn');
    expect(final.escalations?.map((e) => [e.level, e.status, e.resolvedBy])).toEqual([
      [3, 'resolved', SYSTEM_ACTOR],
      [2, 'resolved', SYSTEM_ACTOR],
    ]);
    expect((await escalationRowsOf(opened)).map((e) => [e.status, e.resolution])).toEqual([
      ['resolved', 'case withdrawn'],
      ['resolved', 'case withdrawn'],
    ]);
    // The workflow has finished: Temporal refuses (the API answers CASE_CLOSED) …
    const eventsBefore = (await auditOf(opened)).length;
    await expect(escalate(opened)).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await auditOf(opened)).toHaveLength(eventsBefore);
    // … and a request that raced the closing is refused by the validator.
    const refusal = (() => {
      try {
        validateEscalate(final, { level: 3, reason: '迟到的督办', actor: COORDINATOR });
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ApplicationFailure);
    expect((refusal as ApplicationFailure).type).toBe('CASE_CLOSED');
  });
});

describe('a back-dated case (accepted 25 working days ago)', () => {
  it('fires every passed timer at once, in order of its moment, reminders before escalations before deemed consent at one moment', async () => {
    const openedAt = await skipToNextWorkingMorning(t);
    // A working day with at least 25 working days between it and today (the clock counts from
    // the day after), chosen so that working days 8 and 9 of its clocks are consecutive dates:
    // project-approval's level 2 (24:00 after day 8) then falls at the very moment land-site-review
    // and heritage-survey turn yellow (00:00 of day 9).
    const previousWorkingDay = (date: IsoDate): IsoDate => {
      let d = addDays(date, -1);
      while (!t.calendar.isWorkingDay(d)) d = addDays(d, -1);
      return d;
    };
    let accepted = t.calendar.localDate(openedAt);
    for (let counted = 0; counted <= 25; counted++) accepted = previousWorkingDay(accepted);
    const dayAfter = (date: IsoDate, n: number): IsoDate => computeDeadline(t.calendar, startOf(date) + 10 * HOUR, n).dueDate;
    while (addDays(dayAfter(accepted, 8), 1) !== dayAfter(accepted, 9)) accepted = previousWorkingDay(accepted);
    const acceptedAtMs = startOf(accepted) + 10 * HOUR;
    const opened = await t.openCase({ projectType: 'gov-building', acceptedAtMs });
    await synced(opened);
    const day = (n: number): IsoDate => workingDayOf(acceptedAtMs, n);
    expect(t.calendar.countWorkingDays(day(1), t.calendar.localDate(openedAt))).toBeGreaterThanOrEqual(25);

    // What SPEC §3 calls for, computed from the calendar.
    const id = (itemCode: string): string => taskIdOf(opened, itemCode);
    const expected: { kind: 'reminder' | 'level1' | 'level2' | 'deemed_consent'; taskId: string; at: number }[] = [];
    for (const [itemCode, days, warningDays] of [
      ['project-approval', 5, 1],
      ['land-site-review', 10, 2],
      ['eia', 20, 4],
    ] as const) {
      expected.push({ kind: 'reminder', taskId: id(itemCode), at: computeYellowFrom(t.calendar, day(days), warningDays) });
      expected.push({ kind: 'level1', taskId: id(itemCode), at: endOf(day(days)) + 1 });
      expected.push({ kind: 'level2', taskId: id(itemCode), at: endOf(day(days + 3)) + 1 });
    }
    expected.push({ kind: 'reminder', taskId: id('heritage-survey'), at: startOf(day(9)) });
    expected.push({ kind: 'deemed_consent', taskId: id('heritage-survey'), at: endOf(day(10)) + 1 });
    // In order of their moments; at one moment reminders, then level 1, level 2, deemed consent
    // (tasks in id order among themselves).
    const rank = { reminder: 0, level1: 1, level2: 2, deemed_consent: 3 } as const;
    expected.sort((a, b) => a.at - b.at || rank[a.kind] - rank[b.kind] || a.taskId.localeCompare(b.taskId));
    const atOnce = (kinds: string[]): boolean =>
      expected.some((x) => expected.some((y) => x.at === y.at && x.kind === kinds[0] && y.kind === kinds[1]));
    expect(atOnce(['reminder', 'level2'])).toBe(true);
    expect(atOnce(['level1', 'deemed_consent'])).toBe(true);

    const events = await auditOf(opened);
    const fired = events
      .filter((e) => ['reminder_sent', 'escalation_opened', 'task_decided'].includes(e.type))
      .map((e) => ({
        kind: (e.type === 'reminder_sent'
          ? 'reminder'
          : e.type === 'task_decided'
            ? e.data.decision
            : `level${String(e.data.level)}`) as string,
        taskId: e.data.taskId,
        at: e.data.dueAt,
      }));
    expect(fired).toEqual(expected.map((x) => ({ kind: x.kind, taskId: x.taskId, at: iso(x.at) })));
    // All at once, when the case was opened, not at their moments.
    for (const e of events.filter((x) => x.type !== 'case_opened' && x.type !== 'stage_opened' && x.type !== 'task_started')) {
      expect(e.atMs).toBeGreaterThanOrEqual(openedAt);
      expect(e.atMs).toBeLessThan(openedAt + MINUTE);
    }
    expectIntactHashChain(await readAuditEvents(t, opened.caseId));

    const state = await getState(opened);
    expect(taskOf(state, 'heritage-survey')).toMatchObject({
      status: 'approved',
      usedBeforeRun: 10,
      decision: { decision: 'deemed_consent', at: endOf(day(10)) },
    });
    expect(taskOf(state, 'land-use-permit').status).toBe('blocked');
    const open = expected.filter((x) => x.kind === 'level1' || x.kind === 'level2');
    const escalations = (state.escalations ?? []).map((e) => ({ taskId: e.taskId, level: e.level, origin: e.origin, status: e.status, dueAtMs: e.dueAtMs }));
    expect(escalations).toEqual(
      open.map((x) => ({ taskId: x.taskId, level: x.kind === 'level1' ? 1 : 2, origin: 'auto', status: 'open', dueAtMs: x.at })),
    );
    expect((await escalationRowsOf(opened)).map((e) => [e.taskId, e.level, e.status, e.dueAt])).toEqual(
      open.map((x) => [x.taskId, x.kind === 'level1' ? 1 : 2, 'open', new Date(x.at)]),
    );
    const sent = await notificationsOf(opened);
    expect(sent.filter((n) => n.kind === 'reminder').map((n) => n.taskId)).toEqual(
      expected.filter((x) => x.kind === 'reminder').map((x) => x.taskId),
    );
    expect(sent.filter((n) => n.kind === 'escalation')).toHaveLength(2 * open.length);
  });
});
