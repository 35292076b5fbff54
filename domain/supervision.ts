/**
 * 电子监察 board (SPEC §4 *Board entry*): open cases at risk, worst first. Pure: the caller
 * loads the rows; lights and day counts are computed against `now`.
 */
import { addDays, computeWorkingDaysOverdue, type WorkingCalendar } from './calendar.js';
import type { StallRules } from './case-types.js';
import { computeTaskLight, worstLight, type Light } from './light.js';

export type BoardReason = 'overdue' | 'due_soon' | 'no_activity' | 'applicant_silent' | 'escalated' | 'fault';

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

const LIGHT_RANK: Record<Light, number> = { red: 0, yellow: 1, green: 2, paused: 3, done: 4 };

/**
 * Full working days that have passed since `sinceMs`: those strictly after its local date and
 * before today. The workflow's own timers (e.g. the silent-applicant notice) use the same count,
 * firing at the end of the N-th such day.
 */
function fullWorkingDaysSince(cal: WorkingCalendar, sinceMs: number, today: string): number {
  const from = addDays(cal.localDate(sinceMs), 1);
  return from < today ? cal.countWorkingDays(from, today) : 0;
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
  if (task.status === 'pending' && fullWorkingDaysSince(cal, task.lastEventAtMs, today) >= rules.noActivityWorkingDays) {
    reasons.push('no_activity');
  }
  if (
    task.status === 'awaiting_supplement' &&
    task.supplementRequestedAtMs !== null &&
    fullWorkingDaysSince(cal, task.supplementRequestedAtMs, today) >= rules.applicantSilentWorkingDays
  ) {
    reasons.push('applicant_silent');
  }
  return { taskId: task.taskId, itemCode: task.itemCode, department: task.department, light, workingDaysOverdue, reasons };
}

export function buildBoard(cases: BoardCaseInput[], cal: WorkingCalendar, rules: StallRules, now: number): BoardEntry[] {
  const entries: BoardEntry[] = [];
  for (const input of cases) {
    const assessed = input.tasks.map((t) => assessTask(t, cal, input.stalled ?? rules, now));
    const escalationLevel = Math.max(0, ...input.openEscalationLevels);
    const reasons = new Set<BoardReason>(assessed.flatMap((t) => t.reasons));
    if (escalationLevel > 0) reasons.add('escalated');
    if (input.faulted) reasons.add('fault');
    // An open case with no open task in its current stage waits for the applicant's next
    // application: paused (SPEC §3 Light), not done.
    const light = assessed.length === 0 ? 'paused' : worstLight(assessed.map((t) => t.light));
    const atRisk = light === 'red' || light === 'yellow' || reasons.size > 0;
    if (!atRisk) continue;
    entries.push({
      caseId: input.caseId,
      projectCode: input.projectCode,
      projectName: input.projectName,
      light,
      workingDaysOverdue: Math.max(0, ...assessed.map((t) => t.workingDaysOverdue)),
      escalationLevel,
      reasons: [...reasons],
      tasks: assessed.filter((t) => t.light === 'red' || t.light === 'yellow' || t.reasons.length > 0),
    });
  }
  return entries.sort(
    (a, b) =>
      LIGHT_RANK[a.light] - LIGHT_RANK[b.light] ||
      b.workingDaysOverdue - a.workingDaysOverdue ||
      b.escalationLevel - a.escalationLevel ||
      a.caseId.localeCompare(b.caseId),
  );
}
