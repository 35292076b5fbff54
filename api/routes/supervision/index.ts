/** 电子监察 and coordination (SPEC §3, §4): escalations, the board, statistics, notifications. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_STALL_RULES } from '../../../domain/case-types.js';
import { AppError } from '../../../domain/errors.js';
import { toNotificationView } from '../../../domain/notification-view.js';
import { buildBoardEntry } from '../../../domain/supervision.js';
import { computeAgencyStats } from '../../../db/agency.js';
import { findBoardCases } from '../../../db/board.js';
import { findEscalation, findEscalations, findNotifications, findOpenTasksOfCurrentStages, findTaskRow } from '../../../db/queries.js';
import { computeStats, computeTripStats } from '../../../db/stats.js';
import { escalateUpdate, resolveEscalationUpdate } from '../../../workflows/case-workflow.js';
import { actorOf } from '../../auth.js';
import { runCaseCommand } from '../../commands.js';
import { notificationScope } from '../../policy.js';
import { getVisibleCase, loadEscalationView, viewContext } from '../../reads.js';
import { CaseIdParams, EscalationView, listOf, PageQuery } from '../../schemas.js';
import { toEscalationView } from '../../views.js';
import {
  BoardQuery,
  BoardView,
  EscalateBody,
  EscalationListQuery,
  EscalationParams,
  NotificationView,
  ResolveBody,
  StatsQuery,
  StatsView,
} from './schemas.js';

/** The years the working calendar counts in (ajv-formats has checked the date is real). */
const inCountableYears = (date: string) => date >= '1000-01-01' && date <= '9998-12-31';

export const supervisionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/cases/:caseId/escalations',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Escalate a case or one of its tasks (督办; level 3 by default)',
        params: CaseIdParams,
        body: EscalateBody,
        response: { 201: EscalationView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params;
      const { reason, taskId, level } = request.body;
      const caseRow = await getVisibleCase(app, caseId, actor);
      if (taskId !== undefined) {
        const task = await findTaskRow(app.db, taskId);
        if (!task || task.caseId !== caseId) throw new AppError('NOT_FOUND', `task ${taskId} not found in case ${caseId}`);
      }
      return runCaseCommand(request, reply, {
        caseRow,
        update: escalateUpdate,
        args: [{ reason, level: level ?? 3, actor, ...(taskId ? { taskId } : {}) }],
        statusCode: 201,
        answer: async (result) => {
          if (!result.escalationId) throw new AppError('INTERNAL', 'the workflow opened no escalation');
          return loadEscalationView(app, result.escalationId);
        },
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/escalations/:escalationId/resolve',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Resolve an escalation with a note',
        params: EscalationParams,
        body: ResolveBody,
        response: { 200: EscalationView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, escalationId } = request.params;
      const caseRow = await getVisibleCase(app, caseId, actor);
      const escalation = await findEscalation(app.db, escalationId);
      if (!escalation || escalation.caseId !== caseId) {
        throw new AppError('NOT_FOUND', `escalation ${escalationId} not found in case ${caseId}`);
      }
      return runCaseCommand(request, reply, {
        caseRow,
        update: resolveEscalationUpdate,
        args: [{ escalationId, resolution: request.body.resolution, actor }],
        closedCode: 'ESCALATION_ALREADY_RESOLVED',
        check: () => {
          if (escalation.status === 'resolved') throw new AppError('ESCALATION_ALREADY_RESOLVED', `escalation ${escalationId} is resolved`);
        },
        answer: () => loadEscalationView(app, escalationId),
      });
    },
  );

  app.get(
    '/v1/escalations',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Escalations, newest first',
        querystring: EscalationListQuery,
        response: { 200: listOf(EscalationView) },
      },
    },
    async (request) => {
      const query = request.query;
      const { rows, nextCursor } = await findEscalations(app.db, { ...query, limit: query.limit ?? 50 });
      const view = await viewContext(app);
      return { items: rows.map((row) => toEscalationView(view, row)), nextCursor };
    },
  );

  app.get(
    '/v1/notifications',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Reminders and escalation notices for the caller’s role (reviewers: their department), newest first',
        querystring: PageQuery,
        response: { 200: listOf(NotificationView) },
      },
    },
    async (request) => {
      const query = request.query;
      const { rows, nextCursor } = await findNotifications(app.db, {
        ...query,
        ...notificationScope(actorOf(request)),
        limit: query.limit ?? 50,
      });
      const { calendar } = await viewContext(app);
      return { items: rows.map((row) => toNotificationView(row, (ms) => calendar.formatInstant(ms))), nextCursor };
    },
  );

  app.get(
    '/v1/supervision/board',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Open cases at risk, worst first: red before yellow, then working days overdue, then escalation level',
        querystring: BoardQuery,
        response: { 200: BoardView },
      },
    },
    async (request) => {
      const query = request.query;
      const [view, rules] = await Promise.all([viewContext(app), app.reference.rules()]);
      const { rows, nextCursor } = await findBoardCases(app.db, { ...query, limit: query.limit ?? 50, now: new Date(view.now) });
      const tasksByCase = await findOpenTasksOfCurrentStages(app.db, rows.map((r) => ({ caseId: r.caseId, stage: r.currentStage })));
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
              materialsOverdueAt: row.materialsOverdueAt,
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
      schema: {
        tags: ['supervision'],
        summary: 'On-time rate, used vs committed vs statutory working days, per department and item',
        querystring: StatsQuery,
        response: { 200: StatsView },
      },
    },
    async (request) => {
      const query = request.query;
      const { calendar, now } = await viewContext(app);
      const today = calendar.localDate(now);
      const from = query.from ?? `${today.slice(0, 4)}-01-01`;
      const to = query.to ?? today;
      for (const [field, value] of [['from', from], ['to', to]] as const) {
        if (!inCountableYears(value)) throw new AppError('VALIDATION_FAILED', `${field} is outside the years 1000 to 9998`, { field });
      }
      if (from > to) throw new AppError('VALIDATION_FAILED', 'from is after to', { field: 'from' });
      const [first, last] = [new Date(calendar.startOfDay(from)), new Date(calendar.endOfDay(to))];
      const [stats, trips, agency] = await Promise.all([
        computeStats(app.db, from, to, new Date(now)),
        computeTripStats(app.db, first, last),
        computeAgencyStats(app.db, first, last),
      ]);
      return { from, to, ...stats, trips, agency };
    },
  );
};
