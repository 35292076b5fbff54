/** The bare yardstick's one side effect: write one row to PostgreSQL (one statement, one commit). */
import type postgres from 'postgres';

export function createBareActivities(sql: postgres.Sql) {
  return {
    async writeRow(id: string, count: number): Promise<void> {
      await sql`insert into bench_rows (id, count) values (${id}, ${count})
        on conflict (id) do update set count = excluded.count, at = now()`;
    },
  };
}
