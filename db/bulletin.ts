/**
 * The monthly bulletin (月通报, SPEC §6.5 and §6.0 *Bulletin*): per department and for the city,
 * the month's decisions and on-time rate, the tasks overdue at the month's end, the escalations
 * opened in it, and the departments ranked by on-time work.
 *
 * Decisions, the on-time rate and the averages are `/v1/stats` for the month's first and last day
 * (computeStats, from the daily rollup): the bulletin reads them from there and recomputes
 * nothing, so the two can never disagree.
 *
 * - `escalationsOpened` counts escalations by the local date of their `openedAt`: the moment the
 *   督办 was raised. A back-dated case's automatic escalations count in the month they were
 *   actually opened, not the earlier month their ladder moment (`dueAt`) fell in, so a month
 *   already published never gains escalations afterwards. Each counts for the department of the
 *   task it names; an escalation of a whole case (no task) counts for the city only.
 * - `overdueAtMonthEnd` is taken at the month's last instant (now, for the current month). For
 *   the current month it is `/v1/stats`' `overdueOpen` (the read model is the state now). For a
 *   past month the read model shows only each task's latest clock, so the clock in force at that
 *   instant is read from the case's audit trail: a task counts when it had started (pending)
 *   before that instant, was neither decided (its `decidedAt`, as the statistics date it) nor
 *   cancelled (its case closed) by then, was not paused for supplementary materials, and the
 *   deadline of its clock run then had passed. A later pause, extension, resubmission or
 *   calendar publication does not change the answer.
 * - Every department of the current catalog is listed, and any other department with a figure
 *   in the month (one dropped from the catalog), so the rows add up to the city (escalations of
 *   whole cases aside).
 */
import { sql } from 'drizzle-orm';
import { addDays, WorkingCalendar, type IsoDate } from '../domain/calendar.js';
import { AppError } from '../domain/errors.js';
import type { Database } from './client.js';
import { computeStats, type TaskFigures } from './stats.js';

/** escalations by level (1–3) */
export type EscalationCounts = Record<'1' | '2' | '3', number>;

export interface BulletinFigures {
  tasksDecided: number;
  onTime: number;
  onTimeRate: number | null;
  overdueAtMonthEnd: number;
  escalationsOpened: EscalationCounts;
  avgUsedWorkingDays: number | null;
  avgCommittedWorkingDays: number | null;
}

export interface BulletinDepartment extends BulletinFigures {
  department: string;
  rank: number;
}

export interface Bulletin {
  /** YYYY-MM */
  month: string;
  /** the month's first and last day */
  from: IsoDate;
  to: IsoDate;
  /** the instant `overdueAtMonthEnd` is counted at: the month's last instant, or now for the current month */
  overdueAt: string;
  /** ranked: rank 1 first */
  departments: BulletinDepartment[];
  city: BulletinFigures;
}

export interface BulletinRequest {
  /** YYYY-MM, not after the current month */
  month: string;
  now: Date;
  timeZone: string;
  /** the codes of every department of the current catalog */
  departments: readonly string[];
}

/** '2026-12' → '2027-01' */
function nextMonthOf(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}

const noEscalations = (): EscalationCounts => ({ 1: 0, 2: 0, 3: 0 });

/**
 * Rank order (SPEC §6.0): on-time rate highest first, nothing decided (null) last, then fewer
 * overdue at the month's end, then the department code; ranks 1..n without gaps.
 */
function rankDepartments<T extends { department: string; onTimeRate: number | null; overdueAtMonthEnd: number }>(
  rows: readonly T[],
): (T & { rank: number })[] {
  const byRate = (a: number | null, b: number | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : b - a);
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows]
    .sort((a, b) => byRate(a.onTimeRate, b.onTimeRate) || a.overdueAtMonthEnd - b.overdueAtMonthEnd || byCode(a.department, b.department))
    .map((row, index) => ({ ...row, rank: index + 1 }));
}

export async function computeBulletin(db: Database, request: BulletinRequest): Promise<Bulletin> {
  const { month, now } = request;
  const clock = new WorkingCalendar([], request.timeZone);
  const currentMonth = clock.localDate(now.getTime()).slice(0, 7);
  if (month > currentMonth) {
    throw new AppError('VALIDATION_FAILED', `month ${month} is after the current month ${currentMonth}`, { field: 'month' });
  }
  const from = `${month}-01`;
  const to = addDays(`${nextMonthOf(month)}-01`, -1);
  const isCurrent = month === currentMonth;
  const overdueAt = isCurrent ? now.getTime() : clock.endOfDay(to);

  const [stats, escalations, overduePast] = await Promise.all([
    computeStats(db, from, to, now),
    countEscalationsOpened(db, new Date(clock.startOfDay(from)), new Date(clock.startOfDay(addDays(to, 1)))),
    isCurrent ? null : countOverdueAt(db, overdueAt, clock),
  ]);
  const overdue =
    overduePast ??
    new Map(Object.entries(stats.byDepartment).filter(([, f]) => f.overdueOpen > 0).map(([department, f]) => [department, f.overdueOpen]));

  const figuresOf = (tasks: TaskFigures | undefined, overdueCount: number, opened: EscalationCounts | undefined): BulletinFigures => ({
    tasksDecided: tasks?.decided ?? 0,
    onTime: tasks?.onTime ?? 0,
    onTimeRate: tasks?.onTimeRate ?? null,
    overdueAtMonthEnd: overdueCount,
    escalationsOpened: opened ?? noEscalations(),
    avgUsedWorkingDays: tasks?.avgUsedWorkingDays ?? null,
    avgCommittedWorkingDays: tasks?.avgCommittedWorkingDays ?? null,
  });

  const listed = new Set<string>(request.departments);
  const decidedIn = Object.entries(stats.byDepartment).filter(([, f]) => f.decided > 0).map(([department]) => department);
  for (const department of [...decidedIn, ...overdue.keys(), ...escalations.byDepartment.keys()]) listed.add(department);
  const departments = rankDepartments(
    [...listed].map((department) => ({
      department,
      ...figuresOf(stats.byDepartment[department], overdue.get(department) ?? 0, escalations.byDepartment.get(department)),
    })),
  );
  const overdueInCity = [...overdue.values()].reduce((sum, n) => sum + n, 0);
  return {
    month,
    from,
    to,
    overdueAt: clock.formatInstant(overdueAt),
    departments,
    city: figuresOf(stats.tasks, overdueInCity, escalations.city),
  };
}

/** Escalations opened in [start, end), per level: per department of the escalated task, and in all. */
async function countEscalationsOpened(
  db: Database,
  start: Date,
  end: Date,
): Promise<{ byDepartment: Map<string, EscalationCounts>; city: EscalationCounts }> {
  const rows = await db.execute<{ department: string | null; level: number; opened: number }>(sql`
    select t.department, e.level, count(*)::int as opened
    from escalations e left join tasks t on t.task_id = e.task_id
    where e.opened_at >= ${start.toISOString()}::timestamptz and e.opened_at < ${end.toISOString()}::timestamptz
    group by t.department, e.level`);
  const byDepartment = new Map<string, EscalationCounts>();
  const city = noEscalations();
  for (const { department, level, opened } of rows) {
    const key = String(level) as keyof EscalationCounts;
    if (!(key in city)) continue;
    city[key] += opened;
    // a case-level escalation (no task) belongs to no department
    if (department === null) continue;
    const counts = byDepartment.get(department) ?? byDepartment.set(department, noEscalations()).get(department)!;
    counts[key] += opened;
  }
  return { byDepartment, city };
}

/** The audit events that set or stop a task's clock (workflows/case-machine.ts). */
const CLOCK_EVENTS = ['task_started', 'supplement_requested', 'supplement_submitted', 'extension_granted', 'calendar_applied'];

/**
 * Tasks overdue at the past instant `atMs`, per department: of the tasks open then (started,
 * not decided, not cancelled), the clock run in force is the last clock event at or before it.
 * `supplement_requested` (or an extension granted while paused: no due date) means paused;
 * otherwise the run's due date says the deadline (the end of that day), or, for a clock resumed
 * with no days left, the resumption itself (SPEC §3 Pause). One corner stays approximate: such a
 * resumed clock later moved by a calendar publication counts as due at the end of its day.
 */
async function countOverdueAt(db: Database, atMs: number, clock: WorkingCalendar): Promise<Map<string, number>> {
  const at = sql`${new Date(atMs).toISOString()}::timestamptz`;
  const rows = await db.execute<{ department: string; type: string; dueDate: string | null; remaining: number | null; eventAtMs: number }>(sql`
    with open_then as (
      select t.task_id, t.case_id, t.department
      from tasks t join cases c on c.case_id = t.case_id
      where t.pending_since <= ${at}
        and (t.decided_at is null or t.decided_at > ${at})
        and (t.status <> 'cancelled' or c.closed_at > ${at})
    ),
    clock_events as (
      select e.seq, e.at, e.type, (e.canonical::jsonb) -> 'data' as data
      from audit_events e
      where e.case_id in (select case_id from open_then)
        and e.at <= ${at}
        and e.type in (${sql.join(CLOCK_EVENTS.map((type) => sql`${type}`), sql`, `)})
    ),
    runs as (
      select data ->> 'taskId' as task_id, seq, at, type, data ->> 'dueDate' as due_date, (data ->> 'remainingWorkingDays')::int as remaining
      from clock_events where type <> 'calendar_applied'
      union all
      select moved ->> 'taskId', seq, at, type, moved ->> 'after', null
      from clock_events, jsonb_array_elements(data -> 'tasks') as moved
      where type = 'calendar_applied'
    )
    select distinct on (o.task_id) o.department, r.type, r.due_date as "dueDate", r.remaining,
      (extract(epoch from r.at) * 1000)::float8 as "eventAtMs"
    from open_then o join runs r on r.task_id = o.task_id
    order by o.task_id, r.at desc, r.seq desc`);
  const overdue = new Map<string, number>();
  for (const row of rows) {
    if (row.type === 'supplement_requested' || row.dueDate === null) continue;
    const deadline = row.type === 'supplement_submitted' && row.remaining === 0 ? row.eventAtMs : clock.endOfDay(row.dueDate);
    if (deadline < atMs) overdue.set(row.department, (overdue.get(row.department) ?? 0) + 1);
  }
  return overdue;
}
