/**
 * The read model's own rules, on real PostgreSQL (a database of its own): the board's SQL
 * selection and the case lights in SQL held against the TypeScript rules they implement, the
 * audit trail refusing UPDATE and DELETE, and events of a discarded workflow task taken back
 * with their statistics.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBoardCases } from '../../db/board.js';
import { verifyChain } from '../../db/audit-chain.js';
import { createCaseSyncWriter } from '../../db/case-sync.js';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { caseLightSql, findAuditEvents, findCases, findOpenTasksOfCurrentStages, insertCaseRow } from '../../db/queries.js';
import { cases } from '../../db/schema.js';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { DEFAULT_STALL_RULES, type CaseSync, type TaskState } from '../../domain/case-types.js';
import { computeCaseLight, computeTaskLight, type Light } from '../../domain/light.js';
import { buildBoard, buildBoardEntry, computeBoardMoments, type BoardTaskInput } from '../../domain/supervision.js';
import { createFreshDatabase, startInputOf, TIME_ZONE } from '../support/stack.js';

let database: DatabaseHandle;
const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
const NOW = Date.parse('2026-06-10T10:00:00+08:00');
const DAY = 86_400_000;
const actor = { sub: 'window-rm', name: 'window', role: 'window' as const };

beforeAll(async () => {
  database = connectDatabase(await createFreshDatabase(), { max: 2 });
});
afterAll(async () => database?.close());

const startInput = (caseId: string) => startInputOf(caseId, { projectName: `读模型 ${caseId}`, acceptedAtMs: NOW - 30 * DAY, openedBy: actor });

/** A generated open task of a case's current stage, with its clock's moments around NOW. */
const generatedTask = fc.record({
  status: fc.constantFrom('blocked', 'pending', 'pending', 'pending', 'awaiting_supplement'),
  deadlineDays: fc.integer({ min: -20, max: 20 }),
  warningDays: fc.integer({ min: 1, max: 4 }),
  quietDays: fc.integer({ min: 0, max: 15 }),
  department: fc.constantFrom('drc', 'nrp', 'eco'),
});
const generatedCase = fc.record({
  tasks: fc.array(generatedTask, { minLength: 0, maxLength: 3 }),
  escalationLevel: fc.constantFrom(0, 0, 0, 1, 3),
  faulted: fc.boolean(),
});

type GeneratedCase = { tasks: { status: string; deadlineDays: number; warningDays: number; quietDays: number; department: string }[]; escalationLevel: number; faulted: boolean };

function boardTasksOf(caseId: string, generated: GeneratedCase): BoardTaskInput[] {
  return generated.tasks.map((t, i) => {
    const deadlineMs = cal.endOfDay(cal.localDate(NOW + t.deadlineDays * DAY));
    return {
      taskId: `${caseId}-t${i}`,
      itemCode: `item-${i}`,
      department: t.department,
      status: t.status,
      dueDate: t.status === 'pending' ? cal.localDate(deadlineMs) : null,
      deadlineMs: t.status === 'pending' ? deadlineMs : null,
      yellowFromMs: t.status === 'pending' ? deadlineMs - t.warningDays * DAY : null,
      lastEventAtMs: NOW - t.quietDays * DAY,
      supplementRequestedAtMs: t.status === 'awaiting_supplement' ? NOW - t.quietDays * DAY : null,
    };
  });
}

/** Writes generated cases as the workflow would leave them: task rows, and board moments on the case row. */
async function writeCases(prefix: string, generated: GeneratedCase[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [index, g] of generated.entries()) {
    const caseId = `${prefix}-${String(index).padStart(3, '0')}`;
    ids.push(caseId);
    await insertCaseRow(database.db, startInput(caseId), actor);
    const tasks = boardTasksOf(caseId, g);
    const moments = computeBoardMoments(tasks, [g.escalationLevel].filter((l) => l > 0), cal, DEFAULT_STALL_RULES);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    for (const t of tasks) {
      await database.sql`insert into tasks (task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
          committed_working_days, statutory_working_days, warning_days, deemed_consent, due_date, deadline, yellow_from,
          remaining_working_days, supplement, last_event_at)
        values (${t.taskId}, ${caseId}, 'land-use-planning', ${t.itemCode}, ${t.itemCode}, ${t.itemCode}, ${t.department}, ${t.status},
          5, 20, 1, false, ${t.dueDate}, ${iso(t.deadlineMs)}, ${iso(t.yellowFromMs)}, 5,
          ${t.supplementRequestedAtMs === null ? null : JSON.stringify({ requestedAt: t.supplementRequestedAtMs, resubmittedAt: null })},
          ${iso(t.lastEventAtMs)})`;
    }
    await database.sql`update cases set board_deadline = ${iso(moments.deadline)}, board_due_index = ${moments.dueIndex}, board_yellow_from = ${iso(moments.yellowFrom)},
        board_no_activity_at = ${iso(moments.noActivityAt)}, board_applicant_silent_at = ${iso(moments.applicantSilentAt)},
        board_from = ${iso(moments.from)}, board_running = ${moments.running}, board_departments = ${database.sql.array(moments.departments)},
        escalation_level = ${moments.escalationLevel},
        fault = ${g.faulted ? JSON.stringify({ kind: 'data_error', message: 'test', seq: null, atMs: NOW }) : null}
      where case_id = ${caseId}`;
  }
  return ids;
}

describe('the board in SQL', () => {
  it('selects and orders, page by page, exactly the entries the TypeScript board rule builds', async () => {
    const generated = fc.sample(generatedCase, { numRuns: 120, seed: 20261130 });
    const ids = await writeCases('BOARD', generated);
    const expected = buildBoard(
      ids.map((caseId, i) => ({
        caseId,
        projectCode: '',
        projectName: '',
        tasks: boardTasksOf(caseId, generated[i]!),
        openEscalationLevels: [generated[i]!.escalationLevel],
        faulted: generated[i]!.faulted,
      })),
      cal,
      DEFAULT_STALL_RULES,
      NOW,
    );
    expect(expected.length).toBeGreaterThan(20);

    const selected: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await findBoardCases(database.db, { limit: 7, now: new Date(NOW), ...(cursor ? { cursor } : {}) });
      const tasks = await findOpenTasksOfCurrentStages(database.db, page.rows.map((r) => ({ caseId: r.caseId, stage: r.currentStage })));
      for (const row of page.rows) {
        if (!row.caseId.startsWith('BOARD-')) continue;
        const entry = buildBoardEntry(
          { caseId: row.caseId, projectCode: '', projectName: '', tasks: tasks.get(row.caseId) ?? [], openEscalationLevels: [row.escalationLevel], faulted: row.faulted },
          cal,
          DEFAULT_STALL_RULES,
          NOW,
        );
        expect(entry, `${row.caseId} was selected but is not at risk`).not.toBeNull();
        selected.push(row.caseId);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(selected).toEqual(expected.map((e) => e.caseId));
  });

  it('narrows to a light, a reason and a department as the entries say', async () => {
    const rows = async (filter: Record<string, string>) =>
      (await findBoardCases(database.db, { limit: 200, now: new Date(NOW), ...filter })).rows.filter((r) => r.caseId.startsWith('BOARD-'));
    const all = await rows({});
    const red = await rows({ light: 'red' });
    expect(red.length).toBeGreaterThan(0);
    expect(red.every((r) => r.rank === 0)).toBe(true);
    expect(red.map((r) => r.caseId)).toEqual(all.filter((r) => r.rank === 0).map((r) => r.caseId));
    expect((await rows({ reason: 'escalated' })).every((r) => r.escalationLevel > 0)).toBe(true);
    expect((await rows({ reason: 'fault' })).every((r) => r.faulted)).toBe(true);
    const eco = await rows({ department: 'eco' });
    const ecoCases = await database.sql<{ case_id: string }[]>`select case_id from cases where 'eco' = any(board_departments)`;
    expect(eco.every((r) => ecoCases.some((c) => c.case_id === r.caseId))).toBe(true);
  });
});

describe('a case light in SQL', () => {
  it('is the worst of its current stage’s task lights, as computeCaseLight says', async () => {
    const generated = fc.sample(generatedCase, { numRuns: 80, seed: 7 });
    const ids = await writeCases('LIGHT', generated);
    const rows = await database.db
      .select({ caseId: cases.caseId, light: caseLightSql(new Date(NOW)) })
      .from(cases)
      .where(sql`${cases.caseId} like 'LIGHT-%'`);
    const lightOf = new Map(rows.map((r) => [r.caseId, r.light]));
    for (const [i, caseId] of ids.entries()) {
      const taskLights = boardTasksOf(caseId, generated[i]!).map((t) => computeTaskLight(t, NOW));
      expect(lightOf.get(caseId), caseId).toBe(computeCaseLight('open', taskLights));
    }
    // the list filter agrees with the expression
    for (const light of ['red', 'yellow', 'green', 'paused'] as Light[]) {
      const filtered = await findCases(database.db, { light, limit: 200, now: new Date(NOW) });
      const want = ids.filter((id) => lightOf.get(id) === light);
      expect(filtered.rows.map((r) => r.caseId).filter((id) => id.startsWith('LIGHT-')).sort()).toEqual(want.sort());
    }
  });
});

describe('the audit trail', () => {
  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    const caseId = 'AUDIT-LOCKED';
    await insertCaseRow(database.db, startInput(caseId), actor);
    await database.sql`insert into audit_events (case_id, seq, type, at, canonical, prev_hash, hash)
      values (${caseId}, 1, 'case_opened', now(), '{}', ${'0'.repeat(64)}, ${'a'.repeat(64)})`;
    for (const statement of [
      database.sql`update audit_events set type = 'forged' where case_id = ${caseId}`,
      database.sql`delete from audit_events where case_id = ${caseId}`,
      database.sql`truncate audit_events`,
    ]) {
      await expect(statement).rejects.toMatchObject({ code: '42501' });
    }
    expect(await database.sql`select type from audit_events where case_id = ${caseId}`).toEqual([{ type: 'case_opened' }]);
  });
});

describe('events of a discarded workflow task', () => {
  it('are taken back when the workflow writes other events at their places, with their statistics', async () => {
    const writer = createCaseSyncWriter({ sql: database.sql, timeZone: TIME_ZONE });
    const caseId = 'RETRACT-1';
    const input = startInput(caseId);
    await insertCaseRow(database.db, input, actor);
    const reviewer = { sub: 'reviewer-drc', name: 'drc', role: 'reviewer' as const, department: 'drc' };
    const task = (decidedAtMs: number): TaskState => ({
      taskId: `${caseId}-project-approval`,
      stage: 'land-use-planning',
      itemCode: 'project-approval',
      itemName: '项目审批',
      itemNameEn: 'Project approval',
      department: 'drc',
      after: [],
      status: 'approved',
      committedDays: 5,
      statutoryDays: 20,
      warningDays: 1,
      deemedConsent: false,
      certificate: null,
      usedBeforeRun: 1,
      run: null,
      extension: null,
      supplement: null,
      decision: { decision: 'approve', by: reviewer, at: decidedAtMs },
      pendingSinceMs: NOW - DAY,
      decidedAtMs,
      lastEventAtMs: decidedAtMs,
    });
    const sync = (version: number, events: CaseSync['events'], tasks: TaskState[]): CaseSync => ({
      caseId,
      version,
      events,
      rows: { case: { status: 'open', currentStage: 'land-use-planning', awaiting: 'departments', closedAtMs: null }, stages: [], tasks, certificates: [], escalations: [] },
      notifications: [],
    });
    const opened = await writer.write(sync(1, [{ seq: 1, type: 'case_opened', at: NOW - DAY, actor, data: {} }], []));
    // a workflow task writes a decision, then Temporal discards the task …
    const discarded = task(NOW);
    await writer.write({ ...sync(2, [{ seq: 2, type: 'task_decided', at: NOW, actor: reviewer, data: { taskId: discarded.taskId, decision: 'approve', opinion: '甲' } }], [discarded]), prevHash: opened.lastHash });
    const dayTotal = async () =>
      (await database.sql<{ decided: number }[]>`select coalesce(sum(decided), 0)::int as decided from task_stats_daily where department = 'drc' and item_code = 'project-approval'`)[0]!.decided;
    const before = await dayTotal();
    // … and its retry decides otherwise at the same place in the chain
    const retried = task(NOW + 1000);
    const result = await writer.write({
      ...sync(2, [{ seq: 2, type: 'task_decided', at: NOW + 1000, actor: reviewer, data: { taskId: retried.taskId, decision: 'approve', opinion: '乙' } }], [retried]),
      prevHash: opened.lastHash,
    });
    expect(result.resync).toBe(true);
    const events = await findAuditEvents(database.db, caseId);
    expect(events.map((e) => JSON.parse(e.canonical).data.opinion ?? null)).toEqual([null, '乙']);
    expect(verifyChain(events)).toEqual({ verified: true, brokenAtSeq: null });
    const retracted = await database.sql`select seq, canonical from audit_retractions where case_id = ${caseId}`;
    expect(retracted.map((r) => [r.seq, JSON.parse(r.canonical as string).data.opinion])).toEqual([[2, '甲']]);
    // counted once: the retracted decision's row went with it
    expect(await dayTotal()).toBe(before);
    expect((await database.sql`select count(*)::int as n from decided_tasks where case_id = ${caseId}`)[0]?.n).toBe(1);
  });
});
