/** 电子监察 and coordination: escalations, the board, statistics, notifications. */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_STALL_RULES, ROLES } from '../../domain/case-types.js';
import { AppError } from '../../domain/errors.js';
import { buildBoardEntry } from '../../domain/supervision.js';
import { findBoardCases } from '../../db/board.js';
import { findEscalation, findEscalations, findNotifications, findOpenTasksOfCurrentStages, findTaskRow } from '../../db/queries.js';
import { computeStats } from '../../db/stats.js';
import { toNotificationView } from '../../worker/notification-deliverer.js';
import { escalateUpdate, resolveEscalationUpdate } from '../../workflows/case-workflow.js';
import type { AppContext } from '../app.js';
import { actorOf } from '../auth.js';
import {
  BoardQuery,
  BoardView,
  CaseIdParams,
  EscalateBody,
  EscalationListQuery,
  EscalationParams,
  EscalationView,
  ErrorResponse,
  listOf,
  NotificationView,
  PageQuery,
  ResolveBody,
  StatsQuery,
  StatsView,
} from '../schemas.js';
import { updateCase, updateIdFor } from '../temporal-edge.js';
import { toEscalationView } from '../views.js';
import { assertCaseNotFaulted, getVisibleCase, viewContext } from './cases.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** A real 'YYYY-MM-DD' (no 02-30, no month 13) in years the calendar can count. */
function isRealDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date && date >= '1000-01-01' && date <= '9998-12-31';
}

export function registerSupervisionRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function escalationView(escalationId: string): Promise<EscalationView> {
    const [view, row] = await Promise.all([viewContext(ctx), findEscalation(ctx.db, escalationId)]);
    if (!row) throw new AppError('NOT_FOUND', `escalation ${escalationId} not found`);
    return toEscalationView(view, row);
  }

  app.post(
    '/v1/cases/:caseId/escalations',
    {
      config: { access: ['coordinator'] },
      schema: {
        tags: ['supervision'],
        summary: 'Escalate a case or one of its tasks (督办; level 3 by default)',
        params: CaseIdParams,
        body: EscalateBody,
        response: { 201: EscalationView, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params as { caseId: string };
      const body = request.body as { reason: string; taskId?: string; level?: number };
      const caseRow = await getVisibleCase(ctx, caseId, actor);
      if (body.taskId !== undefined) {
        const task = await findTaskRow(ctx.db, body.taskId);
        if (!task || task.caseId !== caseId) throw new AppError('NOT_FOUND', `task ${body.taskId} not found in case ${caseId}`);
      }
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(caseRow);
        const result = await updateCase(
          ctx.temporal,
          caseId,
          escalateUpdate,
          [{ reason: body.reason, level: body.level ?? 3, actor, ...(body.taskId ? { taskId: body.taskId } : {}) }],
          { updateId: updateIdFor(actor.sub, key) },
        );
        if (!result.escalationId) throw new AppError('INTERNAL', 'the workflow opened no escalation');
        return { statusCode: 201, body: await escalationView(result.escalationId) };
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/escalations/:escalationId/resolve',
    {
      config: { access: ['coordinator'] },
      schema: {
        tags: ['supervision'],
        summary: 'Resolve an escalation with a note',
        params: EscalationParams,
        body: ResolveBody,
        response: { 200: EscalationView, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, escalationId } = request.params as { caseId: string; escalationId: string };
      const { resolution } = request.body as { resolution: string };
      const caseRow = await getVisibleCase(ctx, caseId, actor);
      const escalation = await findEscalation(ctx.db, escalationId);
      if (!escalation || escalation.caseId !== caseId) {
        throw new AppError('NOT_FOUND', `escalation ${escalationId} not found in case ${caseId}`);
      }
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(caseRow);
        if (escalation.status === 'resolved') {
          throw new AppError('ESCALATION_ALREADY_RESOLVED', `escalation ${escalationId} is resolved`);
        }
        await updateCase(ctx.temporal, caseId, resolveEscalationUpdate, [{ escalationId, resolution, actor }], {
          updateId: updateIdFor(actor.sub, key),
          closedCode: 'ESCALATION_ALREADY_RESOLVED',
        });
        return { statusCode: 200, body: await escalationView(escalationId) };
      });
    },
  );

  app.get(
    '/v1/escalations',
    {
      config: { access: ['coordinator'] },
      schema: { tags: ['supervision'], querystring: EscalationListQuery, response: { 200: listOf(EscalationView), ...errors } },
    },
    async (request) => {
      const query = request.query as { status?: string; level?: number; limit?: number; cursor?: string };
      const { rows, nextCursor } = await findEscalations(ctx.db, { ...query, limit: query.limit ?? 50 });
      const view = await viewContext(ctx);
      return { items: rows.map((row) => toEscalationView(view, row)), nextCursor };
    },
  );

  app.get(
    '/v1/notifications',
    {
      config: { access: ROLES },
      schema: {
        tags: ['supervision'],
        summary: 'Reminders and escalation notices for the caller’s role (reviewers: their department), newest first',
        querystring: PageQuery,
        response: { 200: listOf(NotificationView), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query as { limit?: number; cursor?: string };
      const scope =
        actor.role === 'admin'
          ? {}
          : actor.role === 'reviewer'
            ? { audience: 'department', department: actor.department ?? '' }
            : { audience: actor.role };
      const { rows, nextCursor } = await findNotifications(ctx.db, { ...query, ...scope, limit: query.limit ?? 50 });
      const { calendar } = await viewContext(ctx);
      return { items: rows.map((row) => toNotificationView(row, (ms) => calendar.formatInstant(ms))), nextCursor };
    },
  );

  app.get(
    '/v1/supervision/board',
    {
      config: { access: ['coordinator'] },
      schema: {
        tags: ['supervision'],
        summary: 'Open cases at risk, worst first: red before yellow, then working days overdue, then escalation level',
        querystring: BoardQuery,
        response: { 200: BoardView, ...errors },
      },
    },
    async (request) => {
      const query = request.query as BoardQuery;
      const [view, rules] = await Promise.all([viewContext(ctx), ctx.reference.rules()]);
      const { rows, nextCursor } = await findBoardCases(ctx.db, { ...query, limit: query.limit ?? 50, now: new Date(view.now) });
      const tasksByCase = await findOpenTasksOfCurrentStages(ctx.db, rows.map((r) => ({ caseId: r.caseId, stage: r.currentStage })));
      const items = rows
        .map((row) =>
          buildBoardEntry(
            {
              caseId: row.caseId,
              projectCode: row.projectCode,
              projectName: row.projectName,
              tasks: tasksByCase.get(row.caseId) ?? [],
              openEscalationLevels: [row.escalationLevel],
              faulted: row.faulted,
              ...(row.stalled ? { stalled: { ...DEFAULT_STALL_RULES, ...row.stalled } } : {}),
            },
            view.calendar,
            rules.stalled,
            view.now,
          ),
        )
        .filter((entry): entry is NonNullable<typeof entry> => entry !== null);
      return { items, nextCursor };
    },
  );

  app.get(
    '/v1/stats',
    {
      config: { access: ['coordinator'] },
      schema: {
        tags: ['supervision'],
        summary: 'On-time rate, used vs committed vs statutory working days, per department and item',
        querystring: StatsQuery,
        response: { 200: StatsView, ...errors },
      },
    },
    async (request) => {
      const query = request.query as { from?: string; to?: string };
      const { calendar, now } = await viewContext(ctx);
      const today = calendar.localDate(now);
      const from = query.from ?? `${today.slice(0, 4)}-01-01`;
      const to = query.to ?? today;
      for (const [field, value] of [['from', from], ['to', to]] as const) {
        if (!isRealDate(value)) throw new AppError('VALIDATION_FAILED', `${field} is not a calendar date`, { field });
      }
      if (from > to) throw new AppError('VALIDATION_FAILED', 'from is after to', { field: 'from' });
      const stats = await computeStats(ctx.db, from, to, new Date(now));
      return { from, to, ...stats };
    },
  );
}
