/** Query functions over the read model: `find` returns a list or nothing, `get` one row or throws. */
import { and, asc, desc, eq, exists, gt, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { WorkingCalendar, type YearSchedule } from '../domain/calendar.js';
import { createCaseSyncWriter } from './case-sync.js';
import { insertOpenedCase } from './open-case.js';
import type { Catalog, StageCode } from '../domain/catalog.js';
import type {
  Actor,
  CaseStartInput,
  CaseStatus,
  EscalationStatus,
  NotificationAudience,
  TaskStatus,
} from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import type { Light } from '../domain/light.js';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { preparingDatabase, type Database } from './client.js';
import {
  auditEvents,
  calendarYears,
  cases,
  catalogVersions,
  certificates,
  escalations,
  notifications,
  settings,
  stages,
  tasks,
} from './schema.js';
import type { BoardTaskInput } from '../domain/supervision.js';
import { budgetOf } from '../domain/budget.js';
import { DEFAULT_CLOCK_RULES, DEFAULT_DEFERRAL_DAYS, DEFAULT_LADDER, DEFAULT_STALL_RULES, type ClockRules } from '../domain/case-types.js';

export type CaseRow = typeof cases.$inferSelect;
export type StageRow = typeof stages.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;
export type CertificateRow = typeof certificates.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;

export async function getLatestCatalog(db: Database): Promise<Catalog> {
  const [row] = await db.select().from(catalogVersions).orderBy(desc(catalogVersions.version)).limit(1);
  if (!row) throw new Error('the catalog is not seeded');
  return row.data;
}

/** The clock rules and escalation ladder in force (table `settings`, seeded from db/seed/rules.json). */
export async function getRules(db: Database): Promise<Required<ClockRules>> {
  const [row] = await db.select().from(settings).where(eq(settings.key, 'rules'));
  const rules = { ...DEFAULT_CLOCK_RULES, ...((row?.value as Partial<ClockRules> | undefined) ?? {}) };
  return {
    supplementLimitDays: rules.supplementLimitDays,
    ladder: { ...DEFAULT_LADDER, ...rules.ladder },
    stalled: { ...DEFAULT_STALL_RULES, ...rules.stalled },
    budget: budgetOf(rules),
    deferralDays: rules.deferralDays ?? DEFAULT_DEFERRAL_DAYS,
  };
}

export async function findCalendarYears(db: Database): Promise<YearSchedule[]> {
  const rows = await hotReadsOf(db).calendarYears.execute();
  return rows.map((r) => ({ year: r.year, version: r.version, holidays: r.holidays, makeUpDays: r.makeUpDays }));
}

/**
 * Inserts a new case's row alone (its workflow writes the opening): what tests and the sweep's
 * tests use; the API writes the opening with the row (db/open-case.ts).
 */
export async function insertCaseRow(db: Database, input: CaseStartInput, openedBy: Actor): Promise<{ created: boolean }> {
  const acceptedOn = new WorkingCalendar([], input.timeZone).localDate(input.acceptedAtMs);
  return insertOpenedCase(db.$client, createCaseSyncWriter({ sql: db.$client, timeZone: input.timeZone }), {
    input,
    openedBy,
    acceptedOn,
    syncs: [],
  });
}

/**
 * Open cases whose workflow is not known to have started: started again by the sweeper. (A case
 * an administrator closed meanwhile needs no workflow.)
 */
export async function findUnstartedCases(db: Database, olderThan: Date): Promise<CaseRow[]> {
  return db
    .select()
    .from(cases)
    .where(and(eq(cases.workflowRan, false), lt(cases.createdAt, olderThan), eq(cases.status, 'open')))
    .limit(100);
}

/**
 * The case's workflow has started (Temporal took the start, or found it started): the sweep
 * leaves the case alone. A case's first write from its workflow says the same.
 */
export async function markWorkflowStarted(db: Database, caseId: string): Promise<void> {
  await db.update(cases).set({ workflowRan: true }).where(and(eq(cases.caseId, caseId), eq(cases.workflowRan, false)));
}

export async function findCaseRow(db: Database, caseId: string): Promise<CaseRow | undefined> {
  const [row] = await db.select().from(cases).where(eq(cases.caseId, caseId));
  return row;
}

export async function findStagesOfCases(db: Database, caseIds: string[]): Promise<StageRow[]> {
  if (caseIds.length === 0) return [];
  return db.select().from(stages).where(inArray(stages.caseId, caseIds)).orderBy(asc(stages.caseId), asc(stages.order));
}

export async function findStagesOfCase(db: Database, caseId: string): Promise<StageRow[]> {
  return findStagesOfCases(db, [caseId]);
}

export async function findTasksOfCases(db: Database, caseIds: string[]): Promise<TaskRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .select()
    .from(tasks)
    .where(inArray(tasks.caseId, caseIds))
    .orderBy(asc(tasks.caseId), asc(tasks.taskId));
}

export async function findTaskRow(db: Database, taskId: string): Promise<TaskRow | undefined> {
  const [row] = await hotReadsOf(db).task.execute({ taskId });
  return row;
}

export async function findCertificatesOfCases(db: Database, caseIds: string[]): Promise<CertificateRow[]> {
  if (caseIds.length === 0) return [];
  return db.select().from(certificates).where(inArray(certificates.caseId, caseIds)).orderBy(asc(certificates.number));
}

export async function findCertificatesOfCase(db: Database, caseId: string): Promise<CertificateRow[]> {
  return findCertificatesOfCases(db, [caseId]);
}

export async function findCertificate(db: Database, number: string): Promise<CertificateRow | undefined> {
  const [row] = await db.select().from(certificates).where(eq(certificates.number, number));
  return row;
}

export async function findAuditEvents(db: Database, caseId: string): Promise<AuditEventRow[]> {
  return db.select().from(auditEvents).where(eq(auditEvents.caseId, caseId)).orderBy(asc(auditEvents.seq));
}

/** A page of a case's audit trail, oldest first (keyset on seq). */
export async function findAuditEventPage(
  db: Database,
  caseId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ rows: AuditEventRow[]; nextCursor: string | null }> {
  let afterSeq = 0;
  if (page.cursor) {
    const [seqText] = decodeCursor(page.cursor, 1) as [string];
    afterSeq = Number(seqText);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { field: 'cursor' });
  }
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.caseId, caseId), gt(auditEvents.seq, afterSeq)))
    .orderBy(asc(auditEvents.seq))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => [String(r.seq)]);
}

export async function hasTaskOfDepartment(db: Database, caseId: string, department: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(tasks)
    .where(and(eq(tasks.caseId, caseId), eq(tasks.department, department)))
    .limit(1);
  return row !== undefined;
}

/** Cursor over (created_at desc, case_id desc), opaque to clients. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string')) {
      return parts as string[];
    }
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { field: 'cursor' });
}

/** Keyset condition for lists ordered newest first by (time, id): rows strictly after the cursor. */
export function olderThanCursor(cursor: string, time: AnyPgColumn, id: AnyPgColumn): SQL {
  const [timeText, key] = decodeCursor(cursor, 2) as [string, string];
  const at = new Date(timeText);
  if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { field: 'cursor' });
  return or(lt(time, at), and(eq(time, at), lt(id, key)))!;
}

/** Cuts the `limit + 1` rows fetched into a page and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (row: T) => (string | number)[]): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}

/**
 * A case's light at `now` in SQL, from the board moments its row carries (SPEC §3 Light: the worst
 * of its current stage's tasks). The same rule as domain/light.ts computeCaseLight; a test holds
 * the two together (test/api/lights.test.ts).
 */
export function caseLightSql(now: Date): SQL<Light> {
  const at = sql`${now.toISOString()}::timestamptz`;
  return sql<Light>`case
    when ${cases.status} <> 'open' then 'done'
    when ${cases.boardDeadline} < ${at} then 'red'
    when ${cases.boardYellowFrom} <= ${at} then 'yellow'
    when ${cases.boardRunning} then 'green'
    else 'paused' end`;
}

/** The cases whose light is `light` at `now`: caseLightSql's rule as conditions an index can serve. */
export function caseLightCondition(light: Light, now: Date): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  const open = sql`${cases.status} = 'open'`;
  switch (light) {
    case 'done':
      return sql`${cases.status} <> 'open'`;
    case 'red':
      return sql`${open} and ${cases.boardDeadline} < ${at}`;
    case 'yellow':
      return sql`${open} and ${cases.boardYellowFrom} <= ${at} and (${cases.boardDeadline} is null or ${cases.boardDeadline} >= ${at})`;
    case 'green':
      return sql`${open} and ${cases.boardRunning} and ${cases.boardDeadline} >= ${at} and ${cases.boardYellowFrom} > ${at}`;
    case 'paused':
      return sql`${open} and not ${cases.boardRunning}`;
  }
}

export interface CaseFilter {
  status?: CaseStatus;
  stage?: StageCode;
  light?: Light;
  projectType?: string;
  department?: string;
  /** a reviewer's department: cases with one of its tasks, or a stage it leads */
  readableBy?: string;
  q?: string;
  limit: number;
  cursor?: string;
  now: Date;
}

/** A page of cases: their keys only (the views load their rows by id, without the large start input). */
export async function findCases(db: Database, filter: CaseFilter): Promise<{ rows: { caseId: string; createdAt: Date }[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(cases.status, filter.status));
  if (filter.stage) conditions.push(eq(cases.currentStage, filter.stage));
  if (filter.projectType) conditions.push(eq(cases.projectType, filter.projectType));
  if (filter.department) {
    conditions.push(
      exists(sql`(select 1 from ${tasks} where ${tasks.caseId} = ${cases.caseId} and ${tasks.department} = ${filter.department})`),
    );
  }
  if (filter.readableBy !== undefined) {
    conditions.push(
      or(
        exists(sql`(select 1 from ${tasks} where ${tasks.caseId} = ${cases.caseId} and ${tasks.department} = ${filter.readableBy})`),
        exists(sql`(select 1 from ${stages} where ${stages.caseId} = ${cases.caseId} and ${stages.leadDepartment} = ${filter.readableBy})`),
      )!,
    );
  }
  if (filter.q) {
    // the expression of the trigram index cases_search_idx
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql`(${cases.projectCode} || ' ' || ${cases.projectName}) ilike ${pattern}`);
  }
  if (filter.light) conditions.push(caseLightCondition(filter.light, filter.now));

  if (filter.cursor) conditions.push(olderThanCursor(filter.cursor, cases.createdAt, cases.caseId));
  const rows = await db
    .select({ caseId: cases.caseId, createdAt: cases.createdAt })
    .from(cases)
    .where(and(...conditions))
    .orderBy(desc(cases.createdAt), desc(cases.caseId))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => [r.createdAt.toISOString(), r.caseId]);
}

export interface TaskFilter {
  status?: TaskStatus;
  department?: string;
  light?: Light;
  limit: number;
  cursor?: string;
  now: Date;
}

/** The inbox: ordered by deadline (tasks without a running clock last), then task id. */
export async function findTasks(db: Database, filter: TaskFilter): Promise<{ rows: TaskRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(tasks.status, filter.status));
  if (filter.department) conditions.push(eq(tasks.department, filter.department));
  const { now } = filter;
  switch (filter.light) {
    case 'done':
      conditions.push(sql`${tasks.status} in ('approved', 'rejected', 'cancelled')`);
      break;
    case 'paused':
      conditions.push(sql`${tasks.status} in ('awaiting_supplement', 'blocked')`);
      break;
    case 'red':
      conditions.push(and(eq(tasks.status, 'pending'), lt(tasks.deadline, now))!);
      break;
    case 'yellow':
      conditions.push(and(eq(tasks.status, 'pending'), gte(tasks.deadline, now), lte(tasks.yellowFrom, now))!);
      break;
    case 'green':
      conditions.push(
        and(eq(tasks.status, 'pending'), gt(tasks.yellowFrom, now))!,
      );
      break;
    default:
      break;
  }
  // By deadline (tasks without a running clock last), then task: the order of the inbox indexes.
  if (filter.cursor) {
    const [deadline, taskId] = decodeCursor(filter.cursor, 2) as [string, string];
    if (deadline === '') conditions.push(sql`${tasks.deadline} is null and ${tasks.taskId} > ${taskId}`);
    else {
      const at = new Date(deadline);
      if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { field: 'cursor' });
      conditions.push(or(gt(tasks.deadline, at), and(eq(tasks.deadline, at), gt(tasks.taskId, taskId)), sql`${tasks.deadline} is null`)!);
    }
  }
  const rows = await db
    .select()
    .from(tasks)
    .where(and(...conditions))
    .orderBy(sql`${tasks.deadline} asc nulls last`, asc(tasks.taskId))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => [r.deadline?.toISOString() ?? '', r.taskId]);
}

export type EscalationRow = typeof escalations.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;

/** The open tasks of each case's current stage, as the board assesses them. */
export async function findOpenTasksOfCurrentStages(
  db: Database,
  cases: { caseId: string; stage: string }[],
): Promise<Map<string, BoardTaskInput[]>> {
  const byCase = new Map<string, BoardTaskInput[]>();
  if (cases.length === 0) return byCase;
  const stageOf = new Map(cases.map((c) => [c.caseId, c.stage]));
  const rows = await hotReadsOf(db).openTasksOfCases.execute({ caseIds: [...stageOf.keys()] });
  for (const t of rows) {
    if (stageOf.get(t.caseId) !== t.stage) continue;
    const list = byCase.get(t.caseId) ?? byCase.set(t.caseId, []).get(t.caseId)!;
    list.push({
      taskId: t.taskId,
      itemCode: t.itemCode,
      department: t.department,
      status: t.status,
      dueDate: t.dueDate,
      deadlineMs: t.deadline?.getTime() ?? null,
      yellowFromMs: t.yellowFrom?.getTime() ?? null,
      lastEventAtMs: t.lastEventAt.getTime(),
      supplementRequestedAtMs: t.status === 'awaiting_supplement' ? (t.supplementRequestedAt ?? null) : null,
    });
  }
  for (const list of byCase.values()) list.sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
  return byCase;
}

export async function findEscalationsOfCases(db: Database, caseIds: string[]): Promise<EscalationRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .select()
    .from(escalations)
    .where(inArray(escalations.caseId, caseIds))
    .orderBy(asc(escalations.openedAt), asc(escalations.escalationId));
}

export async function findEscalationsOfCase(db: Database, caseId: string): Promise<EscalationRow[]> {
  return findEscalationsOfCases(db, [caseId]);
}

export async function findEscalation(db: Database, escalationId: string): Promise<EscalationRow | undefined> {
  const [row] = await db.select().from(escalations).where(eq(escalations.escalationId, escalationId));
  return row;
}

export interface EscalationFilter {
  status?: EscalationStatus;
  level?: number;
  limit: number;
  cursor?: string;
}

/** Newest first. */
export async function findEscalations(db: Database, filter: EscalationFilter): Promise<{ rows: EscalationRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(escalations.status, filter.status));
  if (filter.level !== undefined) conditions.push(eq(escalations.level, filter.level));
  if (filter.cursor) conditions.push(olderThanCursor(filter.cursor, escalations.openedAt, escalations.escalationId));
  const rows = await db
    .select()
    .from(escalations)
    .where(and(...conditions))
    .orderBy(desc(escalations.openedAt), desc(escalations.escalationId))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => [r.openedAt.toISOString(), r.escalationId]);
}

export interface NotificationFilter {
  audience?: NotificationAudience;
  department?: string;
  limit: number;
  cursor?: string;
}

/** Newest first. */
export async function findNotifications(
  db: Database,
  filter: NotificationFilter,
): Promise<{ rows: NotificationRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.audience) conditions.push(eq(notifications.audience, filter.audience));
  if (filter.department) conditions.push(eq(notifications.department, filter.department));
  if (filter.cursor) conditions.push(olderThanCursor(filter.cursor, notifications.createdAt, notifications.notificationId));
  const rows = await db
    .select()
    .from(notifications)
    .where(and(...conditions))
    .orderBy(desc(notifications.createdAt), desc(notifications.notificationId))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => [r.createdAt.toISOString(), r.notificationId]);
}

/*
 * The hot reads, each one statement built once per database (no query building per request) and
 * prepared once per connection (no parsing or planning per request: preparingDatabase): a case
 * with every row of it, a task with its case, a task, the board's open tasks of a page's cases, the
 * published calendar years.
 */
/** A case row as views need it: without the start input (the whole plan, kept for the sweep). */
const VIEW_COLUMNS = { startInput: false } as const;
/** A case's rows as its view shows them, in order. */
const CASE_RELATIONS = {
  stages: { orderBy: asc(stages.order) },
  tasks: { orderBy: asc(tasks.taskId) },
  certificates: { orderBy: asc(certificates.number) },
  escalations: { orderBy: [asc(escalations.openedAt), asc(escalations.escalationId)] },
};

function prepareHotReads(database: Database) {
  const db = preparingDatabase(database);
  return {
    caseWithRows: db.query.cases
      .findFirst({
        where: eq(cases.caseId, sql.placeholder('caseId')),
        columns: VIEW_COLUMNS,
        with: CASE_RELATIONS,
      })
      .prepare('case_with_rows'),
    casesWithRows: db.query.cases
      .findMany({
        where: sql`${cases.caseId} = any(${sql.placeholder('caseIds')})`,
        columns: VIEW_COLUMNS,
        with: CASE_RELATIONS,
      })
      .prepare('cases_with_rows'),
    // what a command on a task decides on: the task's place and state, its case's fault and budget
    taskWithCase: db.query.tasks
      .findFirst({
        where: eq(tasks.taskId, sql.placeholder('taskId')),
        columns: { taskId: true, caseId: true, department: true, status: true },
        with: { case: { columns: { caseId: true, fault: true, budget: true } } },
      })
      .prepare('task_with_case'),
    task: db.select().from(tasks).where(eq(tasks.taskId, sql.placeholder('taskId'))).prepare('task_by_id'),
    // the board's open tasks of a page's cases: only what it assesses (a whole task row carries its
    // derivation, texts and history)
    openTasksOfCases: db
      .select({
        taskId: tasks.taskId,
        caseId: tasks.caseId,
        stage: tasks.stage,
        itemCode: tasks.itemCode,
        department: tasks.department,
        status: tasks.status,
        dueDate: tasks.dueDate,
        deadline: tasks.deadline,
        yellowFrom: tasks.yellowFrom,
        lastEventAt: tasks.lastEventAt,
        supplementRequestedAt: sql<number | null>`${tasks.supplement} -> 'requestedAt'`,
      })
      .from(tasks)
      .where(and(sql`${tasks.caseId} = any(${sql.placeholder('caseIds')})`, inArray(tasks.status, ['blocked', 'pending', 'awaiting_supplement'])))
      .prepare('open_tasks_of_cases'),
    // every opening reads them again after its start (api/opening.ts)
    calendarYears: db.select().from(calendarYears).orderBy(asc(calendarYears.year)).prepare('calendar_years'),
  };
}
const hotReads = new WeakMap<Database, ReturnType<typeof prepareHotReads>>();
function hotReadsOf(db: Database): ReturnType<typeof prepareHotReads> {
  let reads = hotReads.get(db);
  if (!reads) {
    reads = prepareHotReads(db);
    hotReads.set(db, reads);
  }
  return reads;
}

export type CaseViewRow = Omit<CaseRow, 'startInput'>;
export type CaseWithRows = CaseViewRow & { stages: StageRow[]; tasks: TaskRow[]; certificates: CertificateRow[]; escalations: EscalationRow[] };

/** A case and all its rows, in one statement. */
export async function findCaseWithRows(db: Database, caseId: string): Promise<CaseWithRows | undefined> {
  return hotReadsOf(db).caseWithRows.execute({ caseId });
}

/**
 * Cases and all their rows (a list page's), in one statement (one snapshot: a case is never shown
 * half written), prepared once: building a relational query's SQL costs the API more than
 * running it costs the database.
 */
export async function findCasesWithRows(db: Database, caseIds: string[]): Promise<CaseWithRows[]> {
  if (caseIds.length === 0) return [];
  return hotReadsOf(db).casesWithRows.execute({ caseIds });
}

/** A task as a command on it needs it: where it is, its state, its case's fault and budget. */
export type TaskForCommand = Pick<TaskRow, 'taskId' | 'caseId' | 'department' | 'status'> & {
  case: Pick<CaseViewRow, 'caseId' | 'fault' | 'budget'>;
};

/** A task and what a command needs of its case, in one statement (only those columns: it runs on every decision). */
export async function findTaskWithCase(db: Database, taskId: string): Promise<TaskForCommand | undefined> {
  return hotReadsOf(db).taskWithCase.execute({ taskId });
}
