import type { FastifyInstance } from 'fastify';
import { STAGE_CODES, type StageCode } from '../../domain/catalog.js';
import type { Actor } from '../../domain/case-types.js';
import { AppError } from '../../domain/errors.js';
import { isCreditCode, isProjectCode } from '../../domain/identifiers.js';
import {
  findAuditEvents,
  findCases,
  findCasesWithRows,
  findCaseWithRows,
  type CaseRow,
  type CaseViewRow,
  type CaseWithRows,
} from '../../db/queries.js';
import { submitStageApplicationUpdate, withdrawUpdate } from '../../workflows/case-workflow.js';
import type { AppContext } from '../app.js';
import { isReviewer, scopeCaseView, scopeEvent } from '../access.js';
import { actorOf } from '../auth.js';
import { newCaseId, openNewCase } from '../opening.js';
import { parseInstant } from '../instants.js';
import {
  AuditEventView,
  CaseIdParams,
  CaseListQuery,
  CaseView,
  ErrorResponse,
  listOf,
  MaterialsBody,
  OpenCaseBody,
  ReasonBody,
  StageParams,
} from '../schemas.js';
import { updateCase, updateIdFor } from '../temporal-edge.js';
import { toAuditEventView, toCaseView, type ViewContext } from '../views.js';

const MAX_BACKDATE_MS = 365 * 24 * 60 * 60 * 1000;
const CLOCK_SKEW_MS = 60_000;

function parseAcceptedAt(value: string | undefined, now: number): number {
  if (value === undefined) return now;
  const at = parseInstant(value, 'acceptedAt');
  if (at > now + CLOCK_SKEW_MS) throw new AppError('VALIDATION_FAILED', 'acceptedAt is in the future', { field: 'acceptedAt' });
  if (at < now - MAX_BACKDATE_MS) {
    throw new AppError('VALIDATION_FAILED', 'acceptedAt is more than 365 days back', { field: 'acceptedAt' });
  }
  return at;
}

export async function viewContext(ctx: AppContext): Promise<ViewContext> {
  return { calendar: await ctx.calendar(), now: Date.now() };
}

/** The case with its rows, if the caller may see it (reviewers: cases with their department's tasks). One statement. */
export async function getVisibleCase(ctx: AppContext, caseId: string, actor: Actor): Promise<CaseWithRows> {
  const row = await findCaseWithRows(ctx.db, caseId);
  const visible = row !== undefined && (actor.role !== 'reviewer' || row.tasks.some((t) => t.department === actor.department));
  if (!row || !visible) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
  return row;
}

/** A case stopped by a fault takes no commands until an administrator recovers it. */
export function assertCaseNotFaulted(row: CaseViewRow): void {
  if (row.fault) {
    throw new AppError('CASE_FAULTED', `case ${row.caseId} is stopped by a fault (${row.fault.message}); an administrator must recover it`);
  }
}

/** Full Case views of cases loaded with their rows. */
export async function toCaseViews(ctx: AppContext, rows: CaseWithRows[]): Promise<CaseView[]> {
  const view = await viewContext(ctx);
  return rows.map((row) => toCaseView(view, row, row.stages, row.tasks, row.certificates, row.escalations));
}

/** Full Case views for a page of case rows: their rows in one statement. */
export async function loadCaseViews(ctx: AppContext, rows: CaseRow[]): Promise<CaseView[]> {
  const loaded = new Map((await findCasesWithRows(ctx.db, rows.map((r) => r.caseId))).map((row) => [row.caseId, row]));
  return toCaseViews(
    ctx,
    rows.map((row) => loaded.get(row.caseId)).filter((row): row is CaseWithRows => row !== undefined),
  );
}

export async function loadCaseView(ctx: AppContext, row: CaseRow | CaseWithRows): Promise<CaseView> {
  const [view] = 'tasks' in row ? await toCaseViews(ctx, [row]) : await loadCaseViews(ctx, [row]);
  if (!view) throw new AppError('NOT_FOUND', `case ${row.caseId} not found`);
  return view;
}

/** The case as it is now, read back after a change (read-your-writes: the change is in the read model). */
export async function reloadCaseView(ctx: AppContext, caseId: string): Promise<CaseView> {
  const row = await findCaseWithRows(ctx.db, caseId);
  if (!row) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
  return loadCaseView(ctx, row);
}

const readers = ['window', 'reviewer', 'coordinator'] as const;

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function registerCaseRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/v1/cases',
    {
      config: { access: ['window'] },
      // 403 before 400: only an administrator may back-date, whatever the rest of the body says.
      preValidation: async (request) => {
        const body = request.body as { acceptedAt?: unknown } | null;
        if (body && typeof body === 'object' && 'acceptedAt' in body && actorOf(request).role !== 'admin') {
          throw new AppError('FORBIDDEN', 'only an administrator may back-date a case');
        }
      },
      schema: {
        tags: ['cases'],
        summary: 'Open a case with its stage-1 application (受理)',
        body: OpenCaseBody,
        response: { 201: CaseView, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body as OpenCaseBody;
      // Every 400 comes before the Idempotency-Key's 409.
      if (!isProjectCode(body.projectCode)) {
        throw new AppError('VALIDATION_FAILED', 'projectCode must look like YYYY-AAAAAA-II-TT-NNNNNN', {
          field: 'projectCode',
        });
      }
      if (!isCreditCode(body.applicant.creditCode)) {
        throw new AppError('VALIDATION_FAILED', 'applicant.creditCode is not a valid unified social credit code', {
          field: 'applicant.creditCode',
        });
      }
      const acceptedAtMs = parseAcceptedAt(body.acceptedAt, Date.now());
      const catalog = await ctx.reference.catalog();
      if (!catalog.projectTypes.some((t) => t.code === body.projectType)) {
        throw new AppError('VALIDATION_FAILED', `unknown projectType ${body.projectType}`, {
          field: 'projectType',
          allowed: catalog.projectTypes.map((t) => t.code),
        });
      }
      const localDate = (await ctx.calendar()).localDate(acceptedAtMs);
      return ctx.idempotency.run(
        request,
        reply,
        async (key, memo) => {
          // a retry names the case its first attempt named, even past midnight
          const caseId = memo.resourceId ?? newCaseId(localDate, actor.sub, key);
          await openNewCase(ctx.opening, {
            caseId,
            project: {
              projectCode: body.projectCode,
              projectName: body.projectName,
              projectType: body.projectType,
              applicant: body.applicant,
              location: body.location ?? null,
              totalInvestment: body.totalInvestment ?? null,
              landArea: body.landArea ?? null,
              floorArea: body.floorArea ?? null,
            },
            materials: body.materials ?? [],
            acceptedAtMs,
            actor,
          });
          return { statusCode: 201, body: await reloadCaseView(ctx, caseId) };
        },
        { resourceId: (key) => newCaseId(localDate, actor.sub, key) },
      );
    },
  );

  app.get(
    '/v1/cases',
    {
      config: { access: readers },
      schema: { tags: ['cases'], querystring: CaseListQuery, response: { 200: listOf(CaseView), ...errors } },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query as import('../schemas.js').CaseListQuery;
      const department = actor.role === 'reviewer' ? actor.department : query.department;
      const { rows, nextCursor } = await findCases(ctx.db, {
        ...query,
        ...(department ? { department } : {}),
        limit: query.limit ?? 50,
        now: new Date(),
      });
      const views = await loadCaseViews(ctx, rows);
      return { items: views.map((view) => scopeCaseView(view, actor)), nextCursor };
    },
  );

  app.get(
    '/v1/cases/:caseId',
    {
      config: { access: readers },
      schema: { tags: ['cases'], params: CaseIdParams, response: { 200: CaseView, ...errors } },
    },
    async (request) => {
      const { caseId } = request.params as { caseId: string };
      const actor = actorOf(request);
      return scopeCaseView(await loadCaseView(ctx, await getVisibleCase(ctx, caseId, actor)), actor);
    },
  );

  app.get(
    '/v1/cases/:caseId/events',
    {
      config: { access: readers },
      schema: {
        tags: ['cases'],
        summary: 'The audit trail, oldest first, with its hash chain (reviewers: without other departments’ task events)',
        params: CaseIdParams,
        response: { 200: listOf(AuditEventView), ...errors },
      },
    },
    async (request) => {
      const { caseId } = request.params as { caseId: string };
      const actor = actorOf(request);
      const row = await getVisibleCase(ctx, caseId, actor);
      const events = (await findAuditEvents(ctx.db, caseId)).map(toAuditEventView);
      if (!isReviewer(actor)) return { items: events, nextCursor: null };
      // A reviewer sees the whole chain, with other departments' task events emptied (SPEC §6.0).
      const context = {
        departmentOfTask: new Map(row.tasks.map((t) => [t.taskId, t.department])),
        taskOfEscalation: new Map(row.escalations.map((e) => [e.escalationId, e.taskId])),
      };
      return { items: events.map((event) => scopeEvent(event, actor, context)), nextCursor: null };
    },
  );

  app.post(
    '/v1/cases/:caseId/stages/:stage/application',
    {
      config: { access: ['window'] },
      schema: {
        tags: ['cases'],
        summary: "Submit the next stage's application",
        params: StageParams,
        body: MaterialsBody,
        response: { 200: CaseView, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, stage } = request.params as { caseId: string; stage: string };
      const { materials } = request.body as { materials: import('../../domain/case-types.js').Material[] };
      const row = await getVisibleCase(ctx, caseId, actor);
      if (!STAGE_CODES.includes(stage as StageCode)) throw new AppError('NOT_FOUND', `no stage ${stage}`);
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(row);
        await updateCase(
          ctx.temporal,
          caseId,
          submitStageApplicationUpdate,
          [{ stage: stage as StageCode, materials, actor }],
          { updateId: updateIdFor(actor.sub, key), closedCode: 'STAGE_NOT_AWAITED' },
        );
        return { statusCode: 200, body: await reloadCaseView(ctx, caseId) };
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/withdraw',
    {
      config: { access: ['window'] },
      schema: { tags: ['cases'], params: CaseIdParams, body: ReasonBody, response: { 200: CaseView, ...errors } },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params as { caseId: string };
      const { reason } = request.body as { reason: string };
      const row = await getVisibleCase(ctx, caseId, actor);
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(row);
        await updateCase(ctx.temporal, caseId, withdrawUpdate, [{ reason, actor }], { updateId: updateIdFor(actor.sub, key) });
        return { statusCode: 200, body: await reloadCaseView(ctx, caseId) };
      });
    },
  );
}
