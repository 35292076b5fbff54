/**
 * 代办 (SPEC §6.4): a coordinator designates a case a key project with its agent (代办员); agents
 * record site coordination, joint meetings, follow-up visits and the problems that block the
 * project, and solve them. Every change goes through the case's workflow into its audit chain.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../domain/errors.js';
import { findAgencyActivities, findAgencyActivity, findAgencyProjects, type AgencyActivityRow } from '../../../db/agency.js';
import { designateAgencyUpdate, recordAgencyActivityUpdate, solveAgencyProblemUpdate } from '../../../workflows/case-workflow.js';
import { actorOf } from '../../auth.js';
import { runCaseCommand } from '../../commands.js';
import { parsePastInstant } from '../../instants.js';
import { getVisibleCase, reloadCaseView, viewContext } from '../../reads.js';
import { CaseIdParams, CaseView, listOf, PageQuery } from '../../schemas.js';
import { formatInstant, type ViewContext } from '../../views.js';
import { ActivityBody, ActivityParams, ActivityView, AgencyListView, AgencyQuery, DesignationBody, SolveBody } from './schemas.js';

function toActivityView(view: ViewContext, row: AgencyActivityRow) {
  return {
    activityId: row.activityId,
    caseId: row.caseId,
    kind: row.kind,
    summary: row.summary,
    at: formatInstant(view, row.at)!,
    by: row.recordedBy,
    attendees: row.attendees,
    ...(row.problemStatus
      ? {
          problem: {
            status: row.problemStatus,
            ...(row.resolution !== null ? { resolution: row.resolution } : {}),
            ...(row.solvedAt ? { solvedAt: formatInstant(view, row.solvedAt)! } : {}),
          },
        }
      : {}),
  };
}

async function loadActivityView(app: Parameters<FastifyPluginAsyncTypebox>[0], activityId: string) {
  const row = await findAgencyActivity(app.db, activityId);
  if (!row) throw new AppError('INTERNAL', `activity ${activityId} is not in the read model`);
  return toActivityView(await viewContext(app), row);
}

export const agencyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/v1/cases/:caseId/agency',
    {
      schema: {
        tags: ['agency'],
        summary: 'Designate the case a key project with its agent (代办), or reassign it',
        params: CaseIdParams,
        body: DesignationBody,
        response: { 200: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params;
      const { category, agent } = request.body;
      const caseRow = await getVisibleCase(app, caseId, actor);
      const unchanged =
        caseRow.agencyCategory === category && caseRow.agencyAgent?.sub === agent.sub && caseRow.agencyAgent.name === agent.name;
      // PUT: the same designation again changes nothing and records nothing
      if (unchanged && caseRow.status === 'open') return reloadCaseView(app, caseId);
      return runCaseCommand(request, reply, {
        caseRow,
        update: designateAgencyUpdate,
        args: [{ category, agent: { sub: agent.sub, name: agent.name }, actor }],
        check: () => {
          if (caseRow.status !== 'open') throw new AppError('CASE_CLOSED', `case ${caseId} is ${caseRow.status}`);
        },
        answer: () => reloadCaseView(app, caseId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/agency/activities',
    {
      schema: {
        tags: ['agency'],
        summary: "Record an agent's activity for a key project: site coordination, a joint meeting, a follow-up visit or a problem",
        params: CaseIdParams,
        body: ActivityBody,
        response: { 201: ActivityView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params;
      const { kind, summary, attendees = [] } = request.body;
      const atMs = request.body.at === undefined ? null : parsePastInstant(request.body.at, 'at', Date.now());
      const unknown = attendees.filter((code) => app.reference.isDepartment(code) === false);
      if (unknown.length > 0) {
        throw new AppError('VALIDATION_FAILED', `unknown departments: ${unknown.join(', ')}`, { field: 'attendees', unknown });
      }
      const caseRow = await getVisibleCase(app, caseId, actor);
      return runCaseCommand(request, reply, {
        caseRow,
        update: recordAgencyActivityUpdate,
        args: [{ kind, summary, atMs, attendees, actor }],
        statusCode: 201,
        check: () => {
          if (!caseRow.agencySince) throw new AppError('NOT_FOUND', `case ${caseId} is not a key project (PUT /v1/cases/${caseId}/agency first)`);
          if (caseRow.status !== 'open') throw new AppError('CASE_CLOSED', `case ${caseId} is ${caseRow.status}`);
        },
        answer: async (result) => {
          if (!result.activityId) throw new AppError('INTERNAL', 'the workflow recorded no activity');
          return loadActivityView(app, result.activityId);
        },
      });
    },
  );

  app.get(
    '/v1/cases/:caseId/agency/activities',
    {
      schema: {
        tags: ['agency'],
        summary: "A key project's activities, latest first",
        params: CaseIdParams,
        querystring: PageQuery,
        response: { 200: listOf(ActivityView) },
      },
    },
    async (request) => {
      const { caseId } = request.params;
      await getVisibleCase(app, caseId, actorOf(request));
      const { rows, nextCursor } = await findAgencyActivities(app.db, caseId, { limit: request.query.limit ?? 50, cursor: request.query.cursor });
      const view = await viewContext(app);
      return { items: rows.map((row) => toActivityView(view, row)), nextCursor };
    },
  );

  app.post(
    '/v1/cases/:caseId/agency/activities/:activityId/solve',
    {
      schema: {
        tags: ['agency'],
        summary: 'Solve a problem recorded for a key project',
        params: ActivityParams,
        body: SolveBody,
        response: { 200: ActivityView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, activityId } = request.params;
      const caseRow = await getVisibleCase(app, caseId, actor);
      const activity = await findAgencyActivity(app.db, activityId);
      if (!activity || activity.caseId !== caseId || activity.problemStatus === null) {
        throw new AppError('NOT_FOUND', `no problem ${activityId} in case ${caseId}`);
      }
      return runCaseCommand(request, reply, {
        caseRow,
        update: solveAgencyProblemUpdate,
        args: [{ activityId, resolution: request.body.resolution, actor }],
        check: () => {
          if (activity.problemStatus === 'solved') throw new AppError('PROBLEM_ALREADY_SOLVED', `problem ${activityId} is solved`);
          if (caseRow.status !== 'open') throw new AppError('CASE_CLOSED', `case ${caseId} is ${caseRow.status}`);
        },
        answer: () => loadActivityView(app, activityId),
      });
    },
  );

  app.get(
    '/v1/agency',
    {
      schema: {
        tags: ['agency'],
        summary: 'Key projects, most recently designated first (agent=me: the caller’s own)',
        querystring: AgencyQuery,
        response: { 200: AgencyListView },
      },
    },
    async (request) => {
      const { agent, category, light, limit, cursor } = request.query;
      const view = await viewContext(app);
      const { rows, nextCursor } = await findAgencyProjects(app.db, {
        agent: agent === 'me' ? actorOf(request).sub : agent,
        category,
        light,
        now: new Date(view.now),
        limit: limit ?? 50,
        cursor,
      });
      return {
        items: rows.map((r) => ({
          caseId: r.caseId,
          projectCode: r.projectCode,
          projectName: r.projectName,
          category: r.category,
          agent: r.agent,
          since: formatInstant(view, r.since)!,
          light: r.light,
          currentStage: r.currentStage,
          openProblems: r.openProblems,
          lastActivityAt: formatInstant(view, r.lastActivityAt),
        })),
        nextCursor,
      };
    },
  );
};
