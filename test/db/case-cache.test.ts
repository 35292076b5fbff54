/**
 * The case-row cache (db/case-cache.ts) on real PostgreSQL: an unchanged case is served from the
 * process's copy, and a write of any kind to the case or any of its rows, made by hand here and
 * not through the workflow's sync, is seen on the next read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseRowCache } from '../../db/case-cache.js';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { findCasesWithRows, insertCaseRow } from '../../db/queries.js';
import { createFreshDatabase, startInputOf } from '../support/stack.js';

let database: DatabaseHandle;
const actor = { sub: 'window-cache', name: 'window', role: 'window' as const };
const NOW = Date.parse('2026-06-10T10:00:00+08:00');

beforeAll(async () => {
  database = connectDatabase(await createFreshDatabase(), { max: 2 });
});
afterAll(async () => database?.close());

const startInput = (caseId: string) => startInputOf(caseId, { projectName: `缓存 ${caseId}`, acceptedAtMs: NOW, openedBy: actor });

/** A case with a stage and two tasks, written straight into the read model. */
async function writeCase(caseId: string): Promise<void> {
  await insertCaseRow(database.db, startInput(caseId), actor);
  await database.sql`insert into stages (case_id, code, "order", status, committed_days) values (${caseId}, 'land-use-planning', 1, 'in_review', 20)`;
  for (const n of [1, 2]) {
    await database.sql`insert into tasks (task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
        committed_working_days, statutory_working_days, warning_days, deemed_consent, remaining_working_days, last_event_at)
      values (${`${caseId}-t${n}`}, ${caseId}, 'land-use-planning', ${`item-${n}`}, ${`事项 ${n}`}, ${`item ${n}`}, 'drc', 'pending', 5, 20, 1, false, 5, now())`;
  }
}

describe('the case-row cache', () => {
  it('serves unchanged cases from its copies, in the order asked, leaving out cases that are gone', async () => {
    for (const id of ['KEEP-1', 'KEEP-2']) await writeCase(id);
    const cache = createCaseRowCache(database.db, { limit: 100 });

    const first = await cache.load(['KEEP-2', 'NOT-THERE', 'KEEP-1']);
    expect(first.map((c) => c.caseId)).toEqual(['KEEP-2', 'KEEP-1']);
    expect(cache.stats()).toMatchObject({ size: 2, hits: 0, misses: 2 });

    const second = await cache.load(['KEEP-1', 'KEEP-2']);
    expect(second.map((c) => c.caseId)).toEqual(['KEEP-1', 'KEEP-2']);
    expect(second[0]).toBe(first[1]);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2 });
    const fresh = await findCasesWithRows(database.db, ['KEEP-1', 'KEEP-2']);
    expect(second).toEqual(['KEEP-1', 'KEEP-2'].map((id) => fresh.find((c) => c.caseId === id)));
  });

  const writes: [string, (caseId: string) => Promise<unknown>][] = [
    ['a task updated', (id) => database.sql`update tasks set status = 'approved' where task_id = ${`${id}-t1`}`],
    ['a task deleted', (id) => database.sql`delete from tasks where task_id = ${`${id}-t2`}`],
    ['a task inserted', (id) => database.sql`insert into tasks (task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
        committed_working_days, statutory_working_days, warning_days, deemed_consent, remaining_working_days, last_event_at)
      values (${`${id}-t3`}, ${id}, 'land-use-planning', 'item-3', '事项 3', 'item 3', 'eco', 'blocked', 5, 20, 1, false, 5, now())`],
    ['a stage updated', (id) => database.sql`update stages set trips = trips + 1 where case_id = ${id}`],
    ['an escalation opened', (id) => database.sql`insert into escalations (escalation_id, case_id, task_id, level, origin, reason, status, opened_at, opened_by)
      values (${`${id}-e1`}, ${id}, ${`${id}-t1`}, 1, 'coordinator', '催办', 'open', now(), ${JSON.stringify(actor)})`],
    ['a certificate issued', (id) => database.sql`insert into certificates (number, name, item_code, case_id, task_id, project_code, holder, issued_at, verification_code)
      values (${`${id}-cert`}, '证书', 'item-1', ${id}, ${`${id}-t1`}, 'P', '建设单位', now(), 'V')`],
    ['the case row updated', (id) => database.sql`update cases set awaiting = 'applicant' where case_id = ${id}`],
  ];

  it.each(writes)('reads a case again after %s by hand', async (_what, write) => {
    const caseId = `WRITE-${Math.random().toString(36).slice(2, 10)}`;
    await writeCase(caseId);
    const cache = createCaseRowCache(database.db, { limit: 100 });
    const before = (await cache.load([caseId]))[0]!;
    await cache.load([caseId]);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });

    await write(caseId);

    const after = (await cache.load([caseId]))[0]!;
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
    expect(after).not.toEqual(before);
    expect(after).toEqual((await findCasesWithRows(database.db, [caseId]))[0]);
  });

  it('keeps at most its limit, dropping the least recently read first; with limit 0 it keeps nothing', async () => {
    for (const id of ['LRU-1', 'LRU-2', 'LRU-3']) await writeCase(id);
    const cache = createCaseRowCache(database.db, { limit: 2 });
    await cache.load(['LRU-1', 'LRU-2']);
    await cache.load(['LRU-1']);
    await cache.load(['LRU-3']); // LRU-2 was read least recently
    expect(cache.stats()).toMatchObject({ size: 2, hits: 1, misses: 3 });
    await cache.load(['LRU-1', 'LRU-3', 'LRU-2']);
    expect(cache.stats()).toMatchObject({ size: 2, hits: 3, misses: 4 });

    const none = createCaseRowCache(database.db, { limit: 0 });
    expect((await none.load(['LRU-2', 'LRU-1', 'LRU-3'])).map((c) => c.caseId)).toEqual(['LRU-2', 'LRU-1', 'LRU-3']);
    await none.load(['LRU-1']);
    expect(none.stats()).toMatchObject({ size: 0, hits: 0 });
  });
});
