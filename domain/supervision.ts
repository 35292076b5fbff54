/**
 * 电子监察 board (SPEC §4 *Board entry*): open cases at risk, worst first. Pure: the caller
 * loads the rows; lights and day counts are computed against `now`.
 */
import { addDays, computeDeadline, computeWorkingDaysOverdue, type WorkingCalendar } from './calendar.js';
import type { StallRules } from './case-types.js';
import { computeTaskLight, worstLight, type Light } from './light.js';

export const BOARD_REASONS = ['overdue', 'due_soon', 'no_activity', 'applicant_silent', 'materials_overdue', 'escalated', 'fault'] as const;
export type BoardReason = (typeof BOARD_REASONS)[number];

export interface BoardTaskInput {
  taskId: string;
  itemCode: string;
  department: string;
  status: string;
  dueDate: string | null;
  deadlineMs: number | null;
  yellowFromMs: number | null;
  lastEventAtMs: number;
  supplementRequestedAtMs: number | null;
}

export interface BoardCaseInput {
  caseId: string;
  projectCode: string;
  projectName: string;
  /** open tasks of the current stage */
  tasks: BoardTaskInput[];
  /** levels of the case's open escalations */
  openEscalationLevels: number[];
  /** the stall rules the case was opened under (absent: the rules in force) */
  stalled?: StallRules;
  /** stopped by a fault an administrator must recover */
  faulted?: boolean;
  /** when its first deferred material became (or becomes) overdue (容缺) */
  materialsOverdueAt?: number | null;
}

export interface BoardTask {
  taskId: string;
  itemCode: string;
  department: string;
  light: Light;
  workingDaysOverdue: number;
  reasons: BoardReason[];
}

export interface BoardEntry {
  caseId: string;
  projectCode: string;
  projectName: string;
  light: Light;
  workingDaysOverdue: number;
  escalationLevel: number;
  reasons: BoardReason[];
  tasks: BoardTask[];
}

export const LIGHT_RANK: Record<Light, number> = { red: 0, yellow: 1, green: 2, paused: 3, done: 4 };

/**
 * The moment `days` full working days have passed since `sinceMs`: the start of the day after
 * the `days`-th working day strictly after its local date. The workflow's own timers (e.g. the
 * silent-applicant notice) fire at the same moments.
 */
export function afterFullWorkingDays(cal: WorkingCalendar, sinceMs: number, days: number): number {
  return computeDeadline(cal, sinceMs, days).deadlineMs + 1;
}

/** When a task becomes stalled though no deadline has passed (SPEC §3), null if it cannot. */
export function computeStallMoments(
  task: Pick<BoardTaskInput, 'status' | 'lastEventAtMs' | 'supplementRequestedAtMs'>,
  cal: WorkingCalendar,
  rules: StallRules,
): { noActivityAt: number | null; applicantSilentAt: number | null } {
  return {
    noActivityAt: task.status === 'pending' ? afterFullWorkingDays(cal, task.lastEventAtMs, rules.noActivityWorkingDays) : null,
    applicantSilentAt:
      task.status === 'awaiting_supplement' && task.supplementRequestedAtMs !== null
        ? afterFullWorkingDays(cal, task.supplementRequestedAtMs, rules.applicantSilentWorkingDays)
        : null,
  };
}

export function assessTask(task: BoardTaskInput, cal: WorkingCalendar, rules: StallRules, now: number): BoardTask {
  const today = cal.localDate(now);
  const light = computeTaskLight({ status: task.status, deadlineMs: task.deadlineMs, yellowFromMs: task.yellowFromMs }, now);
  const reasons: BoardReason[] = [];
  let workingDaysOverdue = 0;
  if (light === 'red') {
    reasons.push('overdue');
    workingDaysOverdue = task.dueDate ? computeWorkingDaysOverdue(cal, task.dueDate, today) : 0;
  }
  if (light === 'yellow') reasons.push('due_soon');
  const stalls = computeStallMoments(task, cal, rules);
  if (stalls.noActivityAt !== null && now >= stalls.noActivityAt) reasons.push('no_activity');
  if (stalls.applicantSilentAt !== null && now >= stalls.applicantSilentAt) reasons.push('applicant_silent');
  return { taskId: task.taskId, itemCode: task.itemCode, department: task.department, light, workingDaysOverdue, reasons };
}

/**
 * What the read model keeps on a case row for the board (db/schema.ts `board_*`): moments, not
 * lights, so a query can tell at any `now` which cases are at risk and how, and sort them.
 */
export interface BoardMoments {
  /** the earliest deadline of a running task: the case is red after it */
  deadline: number | null;
  /**
   * The working-day index of the earliest running due date (working days from 2000-01-01 up to and
   * including it): the case's working days overdue are today's index minus this, so ordering by
   * it orders by days overdue exactly, whatever day of the week the due date fell on.
   */
  dueIndex: number | null;
  /** the earliest moment a running task turns yellow */
  yellowFrom: number | null;
  noActivityAt: number | null;
  applicantSilentAt: number | null;
  /** the earliest moment the case is at risk for any reason; 0 when it already is (escalated) */
  from: number | null;
  /** a clock runs (green, not paused, while nothing is due) */
  running: boolean;
  /** departments with an open task */
  departments: string[];
  escalationLevel: number;
}

const earliest = (values: (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.min(...present);
};

/** The board moments of a case from its current stage's open tasks and its open escalations. */
/** Working days from 2000-01-01 up to and including `date` (see BoardMoments.dueIndex). */
export function workingDayIndex(cal: WorkingCalendar, date: string): number {
  return cal.countWorkingDays('2000-01-01', addDays(date, 1));
}

export function computeBoardMoments(
  tasks: Omit<BoardTaskInput, 'taskId' | 'itemCode'>[],
  openEscalationLevels: number[],
  cal: WorkingCalendar,
  rules: StallRules,
): BoardMoments {
  const running = tasks.filter((t) => t.status === 'pending');
  const stalls = tasks.map((t) => computeStallMoments(t, cal, rules));
  const escalationLevel = Math.max(0, ...openEscalationLevels);
  const deadline = earliest(running.map((t) => t.deadlineMs));
  const dueIndex = earliest(running.map((t) => (t.dueDate ? workingDayIndex(cal, t.dueDate) : null)));
  const yellowFrom = earliest(running.map((t) => t.yellowFromMs));
  const noActivityAt = earliest(stalls.map((m) => m.noActivityAt));
  const applicantSilentAt = earliest(stalls.map((m) => m.applicantSilentAt));
  return {
    deadline,
    dueIndex,
    yellowFrom,
    noActivityAt,
    applicantSilentAt,
    from: escalationLevel > 0 ? 0 : earliest([yellowFrom, deadline === null ? null : deadline + 1, noActivityAt, applicantSilentAt]),
    running: running.length > 0,
    departments: [...new Set(tasks.map((t) => t.department))].sort(),
    escalationLevel,
  };
}

/** Board order: red before yellow (then green, paused), then working days overdue, then escalation level, then case. */
export function compareBoardEntries(a: BoardEntry, b: BoardEntry): number {
  return (
    LIGHT_RANK[a.light] - LIGHT_RANK[b.light] ||
    b.workingDaysOverdue - a.workingDaysOverdue ||
    b.escalationLevel - a.escalationLevel ||
    (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0)
  );
}

/** One case's board entry at `now`, or null when it is not at risk. */
export function buildBoardEntry(input: BoardCaseInput, cal: WorkingCalendar, rules: StallRules, now: number): BoardEntry | null {
  const assessed = input.tasks.map((t) => assessTask(t, cal, input.stalled ?? rules, now));
  const escalationLevel = Math.max(0, ...input.openEscalationLevels);
  const reasons = new Set<BoardReason>(assessed.flatMap((t) => t.reasons));
  if (escalationLevel > 0) reasons.add('escalated');
  if (input.faulted) reasons.add('fault');
  // a case reason: it keeps the case's light, and workingDaysOverdue counts tasks only (SPEC §6.0)
  if (input.materialsOverdueAt != null && now >= input.materialsOverdueAt) reasons.add('materials_overdue');
  // An open case with no open task in its current stage waits for the applicant's next
  // application: paused (SPEC §3 Light), not done.
  const light = assessed.length === 0 ? 'paused' : worstLight(assessed.map((t) => t.light));
  const atRisk = light === 'red' || light === 'yellow' || reasons.size > 0;
  if (!atRisk) return null;
  return {
    caseId: input.caseId,
    projectCode: input.projectCode,
    projectName: input.projectName,
    light,
    workingDaysOverdue: Math.max(0, ...assessed.map((t) => t.workingDaysOverdue)),
    escalationLevel,
    reasons: [...reasons],
    tasks: assessed.filter((t) => t.light === 'red' || t.light === 'yellow' || t.reasons.length > 0),
  };
}

/** The whole board from every open case, worst first (the reference the SQL selection is tested against). */
export function buildBoard(cases: BoardCaseInput[], cal: WorkingCalendar, rules: StallRules, now: number): BoardEntry[] {
  return cases
    .map((input) => buildBoardEntry(input, cal, rules, now))
    .filter((entry): entry is BoardEntry => entry !== null)
    .sort(compareBoardEntries);
}
