/**
 * GET /v1/stats (SPEC §3 Statistics), aggregated in SQL over the read model. The period is a
 * pair of instants (the start of `from` and the end of `to`, local time); open cases count too.
 */
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

export async function computeStats(db: Database, fromInstant: Date, toInstant: Date, nowInstant: Date): Promise<Stats> {
  // postgres-js does not serialize a Date bound into a raw sql`` fragment (drizzle maps Dates
  // only for column-typed parameters): bind ISO strings and cast them.
  const from = sql`${fromInstant.toISOString()}::timestamptz`;
  const to = sql`${toInstant.toISOString()}::timestamptz`;
  const now = sql`${nowInstant.toISOString()}::timestamptz`;
  const [caseCounts] = await db.execute<{ opened: number; completed: number; rejected: number; withdrawn: number }>(sql`
    select
      count(*) filter (where accepted_at between ${from} and ${to})::int as opened,
      count(*) filter (where status = 'completed' and closed_at between ${from} and ${to})::int as completed,
      count(*) filter (where status = 'rejected' and closed_at between ${from} and ${to})::int as rejected,
      count(*) filter (where status = 'withdrawn' and closed_at between ${from} and ${to})::int as withdrawn
    from cases`);

  // A task is decided when it becomes approved or rejected (deemed consent included); a deemed
  // consent is never on time: the department did not act.
  const rows = await db.execute<Sums & { department: string; itemCode: string }>(sql`
    select department, item_code as "itemCode",
      count(*) filter (where decided)::int as decided,
      count(*) filter (where decided and on_time)::int as "onTime",
      coalesce(sum(used_working_days) filter (where decided), 0)::int as used,
      coalesce(sum(committed) filter (where decided), 0)::int as committed,
      coalesce(sum(statutory_working_days) filter (where decided), 0)::int as statutory,
      count(*) filter (where status = 'pending' and deadline < ${now})::int as "overdueOpen"
    from (
      select *,
        status in ('approved', 'rejected') and decided_at between ${from} and ${to} as decided,
        coalesce(decision->>'decision', '') <> 'deemed_consent' and decided_at <= deadline as on_time,
        committed_working_days + coalesce((extension->>'workingDays')::int, 0) as committed
      from tasks
    ) t
    group by department, item_code`);

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
