/**
 * The read model's write (approval_write_case, migration 0017) under concurrent decisions, on real
 * PostgreSQL: every decision row's trigger upserts its statistics row (task_stats_daily), and
 * writes that took the same statistics rows in opposite orders deadlocked. A decision then
 * waited out PostgreSQL's deadlock_timeout (1 s) and its write's retry. The write now takes them
 * in one order, so no set of concurrent writes deadlocks, and every decision is counted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { insertCaseRow } from '../../db/queries.js';
import { createFreshDatabase, startInputOf } from '../support/stack.js';

const WRITERS = 8;
const ROUNDS = 6;
const KEYS = 12;
const actor = { sub: 'window-counted', name: 'window', role: 'window' as const };

let database: DatabaseHandle;

beforeAll(async () => {
  database = connectDatabase(await createFreshDatabase(), { max: WRITERS + 1 });
  for (let w = 0; w < WRITERS; w += 1) {
    const caseId = `COUNTED-${w}`;
    await insertCaseRow(database.db, startInputOf(caseId, { projectName: `计数 ${w}`, acceptedAtMs: Date.now(), openedBy: actor }), actor);
  }
});
afterAll(async () => database?.close());

/** A Fisher–Yates shuffle driven by a small seeded generator, so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('approval_write_case with concurrent decisions', () => {
  it('takes the statistics rows in one order: no deadlock, every decision counted once', async () => {
    const keys = Array.from({ length: KEYS }, (_, k) => ({ department: `dept-${k % 4}`, item_code: `item-${k}` }));
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const caseId = `COUNTED-${w}`;
        for (let round = 0; round < ROUNDS; round += 1) {
          // each write decides every key once, in an order of its own
          const decided = shuffled(keys, w * 1000 + round + 1).map((key, k) => ({
            case_id: caseId,
            seq: round * KEYS + k + 1,
            task_id: `${caseId}-${key.item_code}-${round}`,
            day: '2026-12-01',
            department: key.department,
            item_code: key.item_code,
            on_time: true,
            used_working_days: 1,
            committed_working_days: 5,
            statutory_working_days: 20,
          }));
          const payload = { case_id: caseId, version: round + 1, by_workflow: false, full: false, events: [], decided, closed: [], notices: [], notifications: [], rows: null };
          try {
            await database.sql`select approval_write_case(${JSON.stringify(payload)}::jsonb)`;
          } catch (error) {
            failures.push(`${caseId} round ${round}: ${(error as Error).message}`);
          }
        }
      }),
    );
    expect(failures).toEqual([]);
    const stats = await database.sql<{ item_code: string; decided: number }[]>`
      select item_code, decided from task_stats_daily where day = '2026-12-01' order by item_code`;
    expect(stats).toHaveLength(KEYS);
    for (const row of stats) expect(row.decided).toBe(WRITERS * ROUNDS);
  });
});
