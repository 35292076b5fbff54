/**
 * A case's state inside its workflow and the primitives every transition uses. Runs in the
 * workflow sandbox: deterministic, no I/O.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { budgetOf, checkBudget, describeExcess, type BudgetName } from '../domain/budget.js';
import { WorkingCalendar, type YearSchedule } from '../domain/calendar.js';
import type {
  Actor,
  AgencyActivityRecord,
  AgencyState,
  CaseEvent,
  CaseFault,
  CaseStartInput,
  CaseStatus,
  CertificateRecord,
  EscalationRecord,
  NotificationRecord,
  PendingMaterialState,
  StageState,
  TaskState,
} from '../domain/case-types.js';
import type { ErrorCode } from '../domain/errors.js';

export interface CaseState {
  input: CaseStartInput;
  calendar: YearSchedule[];
  status: CaseStatus;
  stageIndex: number;
  stages: StageState[];
  tasks: TaskState[];
  certificates: CertificateRecord[];
  closedAtMs: number | null;
  /** last event seq assigned */
  seq: number;
  /** last event seq written to the read model */
  persistedSeq: number;
  unflushed: CaseEvent[];
  /** 督办 records (absent in states carried over from before the ladder) */
  escalations?: EscalationRecord[];
  /** notifications raised since the last write: the outbox rows the next write inserts */
  outbox?: NotificationRecord[];
  notificationSeq?: number;
  /** whether this run follows the escalation ladder; cases started before it existed do not */
  ladder?: boolean;
  /**
   * Results of the latest updates by Update ID, carried through continue-as-new (Temporal's own
   * Update-ID dedup is per run): a retried request gets its first answer without acting again.
   */
  updateResults?: Record<string, { version: number; escalationId?: string; activityId?: string }>;
  /** materials received over the case's life (its budget); absent: counted from here on */
  materialsCount?: number;
  /** set when the read model refused a write for good: the case takes no requests until recovered */
  fault?: CaseFault | null;
  /** the hash of the last audit event written, so a write need not read it back (absent: it does) */
  lastHash?: string;
  /** 容缺: deferred materials still owed (workflows/counter.ts) */
  pendingMaterials?: PendingMaterialState[];
  /** supplement notices issued so far (their numbers) */
  noticeSeq?: number;
  /** 代办: the key project's designation and activities (workflows/agency.ts; absent: none) */
  agency?: AgencyState | null;
  agencyActivities?: AgencyActivityRecord[];
}

/** A moment at which the engine must act by itself, without anyone asking. */
export interface DueTimer {
  at: number;
  kind: 'reminder' | 'level1' | 'level2' | 'applicant_silent' | 'deemed_consent' | 'supplement_timeout';
  taskId: string;
}

/** At one moment: reminders, then escalations, then deemed consent (SPEC §4 back-dated cases). */
export const TIMER_ORDER: Record<DueTimer['kind'], number> = {
  reminder: 0,
  level1: 1,
  level2: 2,
  applicant_silent: 3,
  deemed_consent: 4,
  supplement_timeout: 5,
};

/** A domain refusal; its type is the API error code. Thrown from update validators. */
export function refuse(code: ErrorCode, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true, ...(details !== undefined ? { details: [details] } : {}) });
}

const OPEN_TASK: ReadonlySet<string> = new Set(['blocked', 'pending', 'awaiting_supplement']);

export function isTaskOpen(task: TaskState): boolean {
  return OPEN_TASK.has(task.status);
}

/** One calendar per published-schedules array (replaced, never mutated, when a year is published). */
const calendars = new WeakMap<YearSchedule[], WorkingCalendar>();

export function calendarOf(state: CaseState): WorkingCalendar {
  let calendar = calendars.get(state.calendar);
  if (!calendar) {
    calendar = new WorkingCalendar(state.calendar, state.input.timeZone);
    calendars.set(state.calendar, calendar);
  }
  return calendar;
}

export function emit(state: CaseState, now: number, actor: Actor, type: string, data: Record<string, unknown>): void {
  state.seq += 1;
  state.unflushed.push({ seq: state.seq, type, at: now, actor, data });
}

export function findTask(state: CaseState, taskId: string): TaskState {
  const task = state.tasks.find((t) => t.taskId === taskId);
  if (!task) refuse('NOT_FOUND', `task ${taskId} not found in case ${state.input.caseId}`);
  return task;
}

export function assertOpen(state: CaseState): void {
  if (state.status !== 'open') refuse('CASE_CLOSED', `case ${state.input.caseId} is ${state.status}`);
}

/** A faulted case waits for an administrator (SPEC §6.0); nothing else may pile up behind it. */
export function assertNotFaulted(state: CaseState): void {
  if (state.fault) {
    refuse('CASE_FAULTED', `case ${state.input.caseId} is stopped by a fault (${state.fault.message}); an administrator must recover it`);
  }
}

/** Refuses (422 CASE_BUDGET_EXCEEDED) a request that would take the case past its budget. */
export function assertWithinBudget(state: CaseState, name: BudgetName, used: number, requested: number): void {
  const excess = checkBudget(budgetOf(state.input.rules), name, used, requested);
  if (excess) refuse('CASE_BUDGET_EXCEEDED', describeExcess(excess), excess);
}
