/** GET /v1/stats (SPEC §3 Statistics), from the statistics the read model keeps per day. */
import { sql } from 'drizzle-orm';
import type { Database } from './client.js';

export interface TaskFigures {
  decided: number;
  onTime: number;
  onTimeRate: number | null;
  avgUsedWorkingDays: number | null;
  avgCommittedWorkingDays: number | null;
  avgStatutoryWorkingDays: number | null;
  committedCompression: number | null;
  actualCompression: number | null;
  overdueOpen: number;
}

export interface Stats {
  cases: { opened: number; completed: number; rejected: number; withdrawn: number };
  tasks: TaskFigures;
  byDepartment: Record<string, TaskFigures>;
  byItem: Record<string, TaskFigures>;
}

type Sums = {
  decided: number;
  onTime: number;
  used: number;
  committed: number;
  statutory: number;
  overdueOpen: number;
};

const emptySums = (): Sums => ({ decided: 0, onTime: 0, used: 0, committed: 0, statutory: 0, overdueOpen: 0 });

function toFigures(s: Sums): TaskFigures {
  const average = (total: number) => (s.decided === 0 ? null : total / s.decided);
  const compression = (total: number) => (s.statutory === 0 ? null : 1 - total / s.statutory);
  return {
    decided: s.decided,
    onTime: s.onTime,
    onTimeRate: s.decided === 0 ? null : s.onTime / s.decided,
    avgUsedWorkingDays: average(s.used),
    avgCommittedWorkingDays: average(s.committed),
    avgStatutoryWorkingDays: average(s.statutory),
    committedCompression: compression(s.committed),
    actualCompression: compression(s.used),
    overdueOpen: s.overdueOpen,
  };
}

function add(target: Sums, row: Sums): void {
  target.decided += row.decided;
  target.onTime += row.onTime;
  target.used += row.used;
  target.committed += row.committed;
  target.statutory += row.statutory;
  target.overdueOpen += row.overdueOpen;
}

/**
 * The figures for the local dates `from`..`to` (inclusive), from the daily statistics the
 * read model keeps (task_stats_daily, case_stats_daily: one row per day, department and item),
 * plus the tasks overdue now, counted on the index of running deadlines.
 */
export async function computeStats(db: Database, from: string, to: string, nowInstant: Date): Promise<Stats> {
  const now = sql`${nowInstant.toISOString()}::timestamptz`;
  const [[caseCounts], rows] = await Promise.all([
    db.execute<{ opened: number; completed: number; rejected: number; withdrawn: number }>(sql`
    select coalesce(sum(opened), 0)::int as opened, coalesce(sum(completed), 0)::int as completed,
      coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(withdrawn), 0)::int as withdrawn
    from case_stats_daily where day between ${from}::date and ${to}::date`),
    // A task is decided when it becomes approved or rejected (deemed consent included); a deemed
    // consent is never on time: the department did not act (db/case-sync.ts counts them so).
    db.execute<Sums & { department: string; itemCode: string }>(sql`
    select department, item_code as "itemCode",
      sum(decided)::int as decided, sum("onTime")::int as "onTime", sum(used)::int as used,
      sum(committed)::int as committed, sum(statutory)::int as statutory, sum("overdueOpen")::int as "overdueOpen"
    from (
      select department, item_code, decided, on_time as "onTime", used_working_days as used,
        committed_working_days as committed, statutory_working_days as statutory, 0 as "overdueOpen"
      from task_stats_daily where day between ${from}::date and ${to}::date
      union all
      -- counted per pair before the union: in index order (tasks_running_by_item_idx), not row by row
      select department, item_code, 0, 0, 0, 0, 0, count(*)::int
      from tasks where status = 'pending' and deadline < ${now}
      group by department, item_code
    ) t
    group by department, item_code`),
  ]);

  const total = emptySums();
  const byDepartment = new Map<string, Sums>();
  const byItem = new Map<string, Sums>();
  for (const row of rows) {
    if (row.decided === 0 && row.overdueOpen === 0) continue;
    add(total, row);
    add(byDepartment.get(row.department) ?? byDepartment.set(row.department, emptySums()).get(row.department)!, row);
    add(byItem.get(row.itemCode) ?? byItem.set(row.itemCode, emptySums()).get(row.itemCode)!, row);
  }
  const figures = (groups: Map<string, Sums>) =>
    Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, toFigures(v)]));

  return {
    cases: caseCounts ?? { opened: 0, completed: 0, rejected: 0, withdrawn: 0 },
    tasks: toFigures(total),
    byDepartment: figures(byDepartment),
    byItem: figures(byItem),
  };
}

export interface TripStats {
  /** stages approved or rejected in the period */
  stagesEnded: number;
  /** Σ their trips ÷ stagesEnded (null when none ended) */
  avgPerStage: number | null;
  /** the share of them with at most one trip (最多跑一次; null when none ended) */
  withinOneShare: number | null;
}

/** SPEC §6.2 trips over the stages that ended between two instants (the period's first and last local day). */
export async function computeTripStats(db: Database, from: Date, to: Date): Promise<TripStats> {
  const [row] = await db.execute<{ ended: number; trips: number; within_one: number }>(sql`
    select count(*)::int as ended, coalesce(sum(trips), 0)::int as trips, count(*) filter (where trips <= 1)::int as within_one
    from stages
    where status in ('approved', 'rejected') and closed_at between ${from.toISOString()}::timestamptz and ${to.toISOString()}::timestamptz`);
  const ended = Number(row?.ended ?? 0);
  return {
    stagesEnded: ended,
    avgPerStage: ended === 0 ? null : Number(row?.trips ?? 0) / ended,
    withinOneShare: ended === 0 ? null : Number(row?.within_one ?? 0) / ended,
  };
}
