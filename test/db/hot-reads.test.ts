/**
 * The hot reads (db/queries.ts) on real PostgreSQL: each is a named prepared statement of its
 * connection, so PostgreSQL parses and plans it once, not on every decision. drizzle's postgres.js
 * driver would send them unnamed (drizzle-orm#5502); db/client.ts `preparingDatabase` makes them
 * prepared, and this holds it to that whatever a later drizzle does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { findCalendarYears, findCaseWithRows, findTaskRow, findTaskWithCase, insertCaseRow } from '../../db/queries.js';
import { createFreshDatabase, startInputOf } from '../support/stack.js';

let database: DatabaseHandle;
const actor = { sub: 'window-hot', name: 'window', role: 'window' as const };

beforeAll(async () => {
  // one connection: the statements it prepared are the ones pg_prepared_statements lists
  database = connectDatabase(await createFreshDatabase(), { max: 1 });
});
afterAll(async () => database?.close());

async function preparedTexts(): Promise<string[]> {
  const rows = await database.sql<{ statement: string }[]>`select statement from pg_prepared_statements`;
  return rows.map((row) => row.statement);
}

describe('the hot reads', () => {
  it('are prepared once by their connection and answer from the rows as they are now', async () => {
    const caseId = 'HOT-1';
    await insertCaseRow(database.db, startInputOf(caseId, { projectName: '预备语句', acceptedAtMs: Date.now(), openedBy: actor }), actor);
    await database.sql`insert into tasks (task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
        committed_working_days, statutory_working_days, warning_days, deemed_consent, remaining_working_days, last_event_at)
      values ('HOT-1-t1', ${caseId}, 'land-use-planning', 'item-1', '事项', 'item', 'drc', 'pending', 5, 20, 1, false, 5, now())`;
    const before = await preparedTexts();

    for (let round = 0; round < 3; round += 1) {
      expect((await findTaskWithCase(database.db, 'HOT-1-t1'))?.case.caseId).toBe(caseId);
      expect((await findTaskRow(database.db, 'HOT-1-t1'))?.status).toBe('pending');
      expect((await findCaseWithRows(database.db, caseId))?.tasks.map((t) => t.taskId)).toEqual(['HOT-1-t1']);
      expect((await findCalendarYears(database.db)).length).toBeGreaterThan(0);
    }
    const added = (await preparedTexts()).filter((text) => !before.includes(text));
    // each read once, however often it ran
    expect(added.filter((text) => / where "tasks"."task_id" = \$\d/.test(text))).toHaveLength(2);
    expect(added.filter((text) => /from "calendar_years"/.test(text))).toHaveLength(1);
    expect(added.filter((text) => / where "cases"."case_id" = \$\d/.test(text))).toHaveLength(1);

    // prepared, not cached: a change is read at once
    await database.sql`update tasks set status = 'approved' where task_id = 'HOT-1-t1'`;
    expect((await findTaskRow(database.db, 'HOT-1-t1'))?.status).toBe('approved');
    expect((await findTaskWithCase(database.db, 'HOT-1-t1'))?.status).toBe('approved');
  });
});
