/**
 * Reads several resources share: a case the caller may see, its full view, a task's and an
 * escalation's view read back after a command (read-your-writes: by the time a command answers,
 * its change is in the read model). Each reads what it needs once.
 */
import type { FastifyInstance } from 'fastify';
import build from 'fast-json-stringify';
import type { WorkingCalendar } from '../domain/calendar.js';
import type { Actor } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import {
  findCaseWithRows,
  findEscalation,
  findTaskRow,
  type CaseViewRow,
  type CaseWithRows,
} from '../db/queries.js';
import { canReadCase, stageLeadsOf } from './policy.js';
import { CaseView, type EscalationView, type TaskView } from './schemas.js';
import { toCaseView, toEscalationView, toTaskView, viewsValidUntil, type ViewContext } from './views.js';

/** The calendar as published now and the moment lights and used days are computed for. */
export async function viewContext(app: FastifyInstance): Promise<ViewContext> {
  return { calendar: await app.reference.calendar(), now: Date.now() };
}

/** The case with its rows, if the caller may see it (else 404: a reviewer learns nothing of other cases). One statement. */
export async function getVisibleCase(app: FastifyInstance, caseId: string, actor: Actor): Promise<CaseWithRows> {
  const row = await findCaseWithRows(app.db, caseId);
  if (!row || !canReadCase(actor, row.tasks.map((t) => t.department), stageLeadsOf(row.stages))) {
    throw new AppError('NOT_FOUND', `case ${caseId} not found`);
  }
  return row;
}

/** What a command needs of its case to know whether it may act. */
export type CommandableCase = Pick<CaseViewRow, 'caseId' | 'fault'>;

/** A case stopped by a fault takes no commands until an administrator recovers it. */
export function assertCaseNotFaulted(row: CommandableCase): void {
  if (row.fault) {
    throw new AppError('CASE_FAULTED', `case ${row.caseId} is stopped by a fault (${row.fault.message}); an administrator must recover it`);
  }
}

/** Full Case views of cases loaded with their rows. */
export async function toCaseViews(app: FastifyInstance, rows: CaseWithRows[]): Promise<CaseView[]> {
  const view = await viewContext(app);
  return rows.map((row) => toCaseView(view, row, row.stages, row.tasks, row.certificates, row.escalations));
}

/** Full Case views for a page of case rows: unchanged cases from the process's copies, the others in one statement. */
export async function loadCaseViews(app: FastifyInstance, rows: { caseId: string }[]): Promise<CaseView[]> {
  return toCaseViews(app, await app.caseRows.load(rows.map((r) => r.caseId)));
}

/**
 * A case's whole view as JSON bytes, kept with the rows object it was built from (db/case-cache.ts
 * hands out the same object while the case is unchanged) for as long as the clock leaves it
 * unchanged (viewsValidUntil) under the same calendar.
 */
const renderedViews = new WeakMap<CaseWithRows, { calendar: WorkingCalendar; from: number; until: number; json: Buffer }>();
/** The schema the route's own serializer uses for each item, so the bytes are the same. */
const serializeCaseView = build(CaseView);

function renderCaseView(ctx: ViewContext, row: CaseWithRows): Buffer {
  const kept = renderedViews.get(row);
  if (kept && kept.calendar === ctx.calendar && ctx.now >= kept.from && ctx.now < kept.until) return kept.json;
  const view = toCaseView(ctx, row, row.stages, row.tasks, row.certificates, row.escalations);
  const json = Buffer.from(serializeCaseView(view));
  renderedViews.set(row, { calendar: ctx.calendar, from: ctx.now, until: viewsValidUntil(ctx, row.tasks), json });
  return json;
}

/**
 * A page of whole Case views (SPEC lists shape) as JSON bytes, for callers who see cases whole
 * (not reviewers, whose views are scoped): unchanged cases are neither read, mapped nor
 * serialized again, and the bytes go out without being measured or encoded again.
 */
export async function renderCasePage(app: FastifyInstance, rows: { caseId: string }[], nextCursor: string | null): Promise<Buffer> {
  const [ctx, loaded] = await Promise.all([viewContext(app), app.caseRows.load(rows.map((r) => r.caseId))]);
  const parts: Buffer[] = [Buffer.from('{"items":[')];
  loaded.forEach((row, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(renderCaseView(ctx, row));
  });
  parts.push(Buffer.from(`],"nextCursor":${JSON.stringify(nextCursor)}}`));
  return Buffer.concat(parts);
}
const COMMA = Buffer.from(',');

/** The case as it is now (after a command, or for its only reader). */
export async function reloadCaseView(app: FastifyInstance, caseId: string): Promise<CaseView> {
  const row = await findCaseWithRows(app.db, caseId);
  if (!row) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
  const [view] = await toCaseViews(app, [row]);
  return view!;
}

export async function loadTaskView(app: FastifyInstance, taskId: string): Promise<TaskView> {
  const [view, row] = await Promise.all([viewContext(app), findTaskRow(app.db, taskId)]);
  if (!row) throw new AppError('NOT_FOUND', `task ${taskId} not found`);
  return toTaskView(view, row);
}

export async function loadEscalationView(app: FastifyInstance, escalationId: string): Promise<EscalationView> {
  const [view, row] = await Promise.all([viewContext(app), findEscalation(app.db, escalationId)]);
  if (!row) throw new AppError('NOT_FOUND', `escalation ${escalationId} not found`);
  return toEscalationView(view, row);
}
