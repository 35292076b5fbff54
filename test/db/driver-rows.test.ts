/**
 * postgres.js, as we install it (patches/postgres+3.4.9.patch), on real PostgreSQL: a query that
 * fails while its rows stream in leaves nothing behind for the next query on the same connection.
 *
 * Unpatched, the connection kept its count of rows received, and the next query's rows were put
 * after it: `[ , , , {x: 1}]`, so `rows[0]` was undefined (porsager/postgres#1119, #1181). The
 * postgres-restart drill met it as a 404 for a task that existed: PostgreSQL stopped while a
 * connection's query streamed, and the first read of a task on that connection afterwards found
 * "no row".
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/processes.js';
import { requireInfrastructure } from '../support/stack.js';

/** One connection, so the next query surely runs on the connection the failure happened on. */
function oneConnection(): postgres.Sql {
  return postgres(requireInfrastructure().databaseUrl, { max: 1, onnotice: () => {} });
}

let admin: postgres.Sql;
beforeAll(() => {
  admin = oneConnection();
});
afterAll(async () => admin?.end());

/** The next query's answer once the connection works again (the first may still carry the old connection's error). */
async function nextAnswer(sql: postgres.Sql): Promise<unknown[]> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return [...(await sql`select 1 as x`)];
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

describe('a connection whose query failed mid-stream', () => {
  it('answers the next query from its first row (an error after three rows)', async () => {
    const sql = oneConnection();
    try {
      // rows 1–3 arrive, then row 4 divides by zero
      const failure = await sql`select i, 1 / (4 - i) as boom from generate_series(1, 10) i`.catch((error: unknown) => error);
      expect((failure as { code?: string }).code).toBe('22012');
      expect(await nextAnswer(sql)).toEqual([{ x: 1 }]);
    } finally {
      await sql.end();
    }
  });

  it('answers the next query from its first row (the server ended the connection mid-stream, as at a restart)', async () => {
    const sql = oneConnection();
    try {
      const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      if (!backend) throw new Error('no backend pid');
      const { pid } = backend;
      // row 2 (20 kB) pushes row 1 out whole; row 3 then waits, so the client holds rows when the server ends it
      const streaming = sql`select i, repeat('x', 20000) as pad, case when i = 3 then pg_sleep(60) end as wait
        from generate_series(1, 3) i`.catch((error: unknown) => error);
      await waitFor(
        'the streaming query reaching its wait',
        async () => (await admin`select 1 from pg_stat_activity where pid = ${pid} and wait_event = 'PgSleep'`).length === 1,
        10_000,
      );
      await admin`select pg_terminate_backend(${pid})`;
      expect(await streaming).toBeInstanceOf(Error);
      expect(await nextAnswer(sql)).toEqual([{ x: 1 }]);
    } finally {
      await sql.end();
    }
  });
});
