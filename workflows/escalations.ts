/**
 * 电子监察 inside the workflow: the escalation ladder's timers (yellow → reminder, red → level 1,
 * N working days late → level 2, a silent applicant → the window is told), coordinators'
 * escalations and resolutions, and the notification outbox. Runs in the workflow sandbox.
 */
import { budgetOf } from '../domain/budget.js';
import { computeDeadline } from '../domain/calendar.js';
import {
  DEFAULT_LADDER,
  DEFAULT_STALL_RULES,
  SYSTEM_ACTOR,
  type Actor,
  type EscalationLadder,
  type EscalationRecord,
  type NotificationRecord,
  type StallRules,
  type TaskAlerts,
  type TaskState,
} from '../domain/case-types.js';
import {
  assertNotFaulted,
  assertOpen,
  assertWithinBudget,
  calendarOf,
  emit,
  findTask,
  refuse,
  type CaseState,
  type DueTimer,
} from './case-state.js';

export interface EscalateInput {
  taskId?: string;
  level: number;
  reason: string;
  actor: Actor;
}

export interface ResolveEscalationInput {
  escalationId: string;
  resolution: string;
  actor: Actor;
}

function ladderOf(state: CaseState): EscalationLadder | null {
  return state.ladder ? { ...DEFAULT_LADDER, ...state.input.rules.ladder } : null;
}

function stallRulesOf(state: CaseState): StallRules {
  return { ...DEFAULT_STALL_RULES, ...state.input.rules.stalled };
}

function alertsOf(task: TaskState): TaskAlerts {
  task.alerts ??= { reminderFor: null, level1For: null, level2For: null, silentFor: null };
  return task.alerts;
}

function escalationsOf(state: CaseState): EscalationRecord[] {
  state.escalations ??= [];
  return state.escalations;
}

export function notify(
  state: CaseState,
  now: number,
  notification: Omit<NotificationRecord, 'notificationId' | 'createdAtMs'>,
): void {
  state.notificationSeq = (state.notificationSeq ?? 0) + 1;
  state.outbox ??= [];
  // zero-padded so that ids sort as they were raised
  const id = `${state.input.caseId}-N${String(state.notificationSeq).padStart(6, '0')}`;
  state.outbox.push({ ...notification, notificationId: id, createdAtMs: now });
}

function openEscalation(
  state: CaseState,
  now: number,
  fields: { taskId: string | null; level: number; origin: 'auto' | 'coordinator'; reason: string; actor: Actor; dueAtMs: number | null },
): EscalationRecord {
  const list = escalationsOf(state);
  const escalation: EscalationRecord = {
    escalationId: `${state.input.caseId}-E${list.length + 1}`,
    taskId: fields.taskId,
    level: fields.level,
    origin: fields.origin,
    status: 'open',
    openedAtMs: now,
    dueAtMs: fields.dueAtMs,
    openedBy: fields.actor,
    resolvedAtMs: null,
    resolvedBy: null,
  };
  list.push(escalation);
  const cal = calendarOf(state);
  emit(state, now, fields.actor, 'escalation_opened', {
    escalationId: escalation.escalationId,
    taskId: escalation.taskId,
    level: escalation.level,
    origin: escalation.origin,
    reason: fields.reason,
    ...(fields.dueAtMs !== null ? { dueAt: cal.formatInstant(fields.dueAtMs) } : {}),
  });
  const task = fields.taskId ? findTask(state, fields.taskId) : null;
  const subject = task ? `${task.itemName}（${task.taskId}）` : `案件 ${state.input.caseId}`;
  const message = `${fields.level}级督办：${subject}。${fields.reason}`;
  const data = { escalationId: escalation.escalationId, level: escalation.level, origin: escalation.origin };
  if (task) {
    notify(state, now, { kind: 'escalation', taskId: task.taskId, audience: 'department', department: task.department, message, data });
  }
  notify(state, now, { kind: 'escalation', taskId: task?.taskId ?? null, audience: 'coordinator', department: task?.department ?? null, message, data });
  return escalation;
}

function resolve(state: CaseState, escalation: EscalationRecord, now: number, actor: Actor, resolution: string): void {
  escalation.status = 'resolved';
  escalation.resolvedAtMs = now;
  escalation.resolvedBy = actor;
  // the resolution's text is in escalation_resolved only (a legacy record may carry one)
  if (escalation.resolution !== undefined) delete escalation.resolution;
  emit(state, now, actor, 'escalation_resolved', { escalationId: escalation.escalationId, resolution });
}

/** A decision resolves the automatic escalations of its task (SPEC §3). */
export function resolveAutoEscalations(state: CaseState, taskId: string, now: number, actor: Actor, resolution: string): void {
  for (const escalation of escalationsOf(state)) {
    if (escalation.taskId === taskId && escalation.origin === 'auto' && escalation.status === 'open') {
      resolve(state, escalation, now, actor, resolution);
    }
  }
}

/** A closed case has nothing left to chase. */
export function resolveAllEscalations(state: CaseState, now: number, resolution: string): void {
  for (const escalation of escalationsOf(state)) {
    if (escalation.status === 'open') resolve(state, escalation, now, SYSTEM_ACTOR, resolution);
  }
}

export function validateEscalate(state: CaseState, input: EscalateInput): void {
  if (!Number.isInteger(input.level) || input.level < 1 || input.level > 3) {
    refuse('VALIDATION_FAILED', `escalation level must be 1, 2 or 3, not ${input.level}`);
  }
  if (input.taskId !== undefined) findTask(state, input.taskId);
  assertNotFaulted(state);
  assertOpen(state);
  const all = escalationsOf(state);
  assertWithinBudget(state, 'openEscalations', all.filter((e) => e.status === 'open').length, 1);
  assertWithinBudget(state, 'totalEscalations', all.length, 1);
}

/** A coordinator raises a case or one of its tasks (level 3 by default). */
export function applyEscalate(state: CaseState, input: EscalateInput, now: number): EscalationRecord {
  validateEscalate(state, input);
  return openEscalation(state, now, {
    taskId: input.taskId ?? null,
    level: input.level,
    origin: 'coordinator',
    reason: input.reason,
    actor: input.actor,
    dueAtMs: null,
  });
}

export function validateResolveEscalation(state: CaseState, input: ResolveEscalationInput): void {
  const escalation = escalationsOf(state).find((e) => e.escalationId === input.escalationId);
  if (!escalation) refuse('NOT_FOUND', `escalation ${input.escalationId} not found`);
  assertNotFaulted(state);
  if (escalation.status !== 'open') refuse('ESCALATION_ALREADY_RESOLVED', `escalation ${input.escalationId} is resolved`);
}

export function applyResolveEscalation(state: CaseState, input: ResolveEscalationInput, now: number): void {
  validateResolveEscalation(state, input);
  const escalation = escalationsOf(state).find((e) => e.escalationId === input.escalationId)!;
  resolve(state, escalation, now, input.actor, input.resolution);
}

/** The moment a task has been late for `days` full working days. */
function lateBy(state: CaseState, deadlineMs: number, days: number): number {
  return computeDeadline(calendarOf(state), deadlineMs, days).deadlineMs + 1;
}

/** The ladder's next moments for every task; each fires once per deadline (or request) it belongs to. */
export function listLadderTimers(state: CaseState): DueTimer[] {
  const ladder = ladderOf(state);
  if (!ladder) return [];
  const stalled = stallRulesOf(state);
  const timers: DueTimer[] = [];
  for (const task of state.tasks) {
    const alerts = task.alerts;
    const { run } = task;
    if (task.status === 'pending' && run) {
      if (ladder.reminderOnYellow && alerts?.reminderFor !== run.yellowFromMs) {
        timers.push({ at: run.yellowFromMs, kind: 'reminder', taskId: task.taskId });
      }
      if (!task.deemedConsent && ladder.level1OnRed && alerts?.level1For !== run.deadlineMs) {
        timers.push({ at: run.deadlineMs + 1, kind: 'level1', taskId: task.taskId });
      }
      if (!task.deemedConsent && ladder.level2AfterWorkingDays > 0 && alerts?.level2For !== run.deadlineMs) {
        timers.push({ at: lateBy(state, run.deadlineMs, ladder.level2AfterWorkingDays), kind: 'level2', taskId: task.taskId });
      }
    }
    if (task.status === 'awaiting_supplement' && task.supplement && alerts?.silentFor !== task.supplement.requestedAt) {
      const at = computeDeadline(calendarOf(state), task.supplement.requestedAt, stalled.applicantSilentWorkingDays).deadlineMs + 1;
      timers.push({ at, kind: 'applicant_silent', taskId: task.taskId });
    }
  }
  return timers;
}

function hasEscalationRoom(state: CaseState): boolean {
  const budget = budgetOf(state.input.rules);
  const all = escalationsOf(state);
  return all.length < budget.totalEscalations && all.filter((e) => e.status === 'open').length < budget.openEscalations;
}

function hasOpenAuto(state: CaseState, taskId: string, level: number): boolean {
  return escalationsOf(state).some((e) => e.taskId === taskId && e.origin === 'auto' && e.level === level && e.status === 'open');
}

export function fireLadderTimer(state: CaseState, timer: DueTimer, now: number): void {
  const task = findTask(state, timer.taskId);
  const alerts = alertsOf(task);
  const cal = calendarOf(state);
  switch (timer.kind) {
    case 'reminder': {
      alerts.reminderFor = task.run?.yellowFromMs ?? null;
      const dueDate = task.run?.dueDate ?? '';
      emit(state, now, SYSTEM_ACTOR, 'reminder_sent', { taskId: task.taskId, dueDate, dueAt: cal.formatInstant(timer.at) });
      notify(state, now, {
        kind: 'reminder',
        taskId: task.taskId,
        audience: 'department',
        department: task.department,
        message: `临期提醒：${task.itemName}（${task.taskId}）承诺时限至 ${dueDate}`,
        data: { dueDate },
      });
      return;
    }
    case 'level1':
    case 'level2': {
      const level = timer.kind === 'level1' ? 1 : 2;
      if (level === 1) alerts.level1For = task.run?.deadlineMs ?? null;
      else alerts.level2For = task.run?.deadlineMs ?? null;
      if (hasOpenAuto(state, task.taskId, level)) return;
      // A timer cannot be refused: past the case's escalation budget the ladder opens no more.
      if (!hasEscalationRoom(state)) return;
      const reason =
        level === 1
          ? `超过承诺时限（${task.run?.dueDate ?? ''}）未办结`
          : `超过承诺时限 ${ladderOf(state)?.level2AfterWorkingDays ?? 0} 个工作日仍未办结`;
      openEscalation(state, now, { taskId: task.taskId, level, origin: 'auto', reason, actor: SYSTEM_ACTOR, dueAtMs: timer.at });
      return;
    }
    case 'applicant_silent': {
      alerts.silentFor = task.supplement?.requestedAt ?? null;
      emit(state, now, SYSTEM_ACTOR, 'applicant_silent', { taskId: task.taskId, dueAt: cal.formatInstant(timer.at) });
      notify(state, now, {
        kind: 'applicant_silent',
        taskId: task.taskId,
        audience: 'window',
        department: task.department,
        message: `申请人逾期未补正：${task.itemName}（${task.taskId}），请督促申请人补正材料`,
        data: { requestedAt: cal.formatInstant(task.supplement?.requestedAt ?? timer.at) },
      });
      return;
    }
    default:
      throw new Error(`not a ladder timer: ${timer.kind}`);
  }
}
