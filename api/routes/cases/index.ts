/**
 * Cases (SPEC §4): the window opens one (受理), reads them, submits the next stage's
 * application, withdraws; every reader follows the audit trail and can have it verified.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../../domain/errors.js';
import { isCreditCode, isProjectCode } from '../../../domain/identifiers.js';
import { verifyChain } from '../../../db/audit-chain.js';
import { findAuditEventPage, findAuditEvents, findCases } from '../../../db/queries.js';
import {
  deliverMaterialsUpdate,
  handOutUpdate,
  submitStageApplicationUpdate,
  submitStageSupplementUpdate,
  withdrawUpdate,
} from '../../../workflows/case-workflow.js';
import { actorOf } from '../../auth.js';
import { runCaseCommand } from '../../commands.js';
import { parsePastInstant } from '../../instants.js';
import { newCaseId, openNewCase } from '../../opening.js';
import { isReviewer, scopeCaseView, scopeEvent, stageLeadsOf } from '../../policy.js';
import { getVisibleCase, loadCaseViews, reloadCaseView, renderCasePage, toCaseViews } from '../../reads.js';
import { ApplicationBody, AuditEventView, CaseIdParams, CaseView, listOf, MaterialsBody, Nullable } from '../../schemas.js';
import { toAuditEventView } from '../../views.js';
import { CaseListQuery, EventsQuery, HandoutBody, OpenCaseBody, ReasonBody, StageParams } from './schemas.js';


const EventsView = Type.Object({
  ...listOf(AuditEventView).properties,
  verification: Type.Optional(
    Type.Object(
      {
        verified: Type.Boolean(),
        brokenAtSeq: Nullable(Type.Integer({ description: 'the first event whose link does not hold' })),
      },
      { description: 'with ?verify=true: the whole chain recomputed on the server' },
    ),
  ),
});

export const caseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/cases',
    {
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
        response: { 201: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      // Every 400 comes before the Idempotency-Key's 409.
      if (!isProjectCode(body.projectCode)) {
        throw new AppError('VALIDATION_FAILED', 'projectCode must look like YYYY-AAAAAA-II-TT-NNNNNN', { field: 'projectCode' });
      }
      if (!isCreditCode(body.applicant.creditCode)) {
        throw new AppError('VALIDATION_FAILED', 'applicant.creditCode is not a valid unified social credit code', {
          field: 'applicant.creditCode',
        });
      }
      const now = Date.now();
      const acceptedAtMs = body.acceptedAt === undefined ? now : parsePastInstant(body.acceptedAt, 'acceptedAt', now);
      const catalog = await app.reference.catalog();
      if (!catalog.projectTypes.some((t) => t.code === body.projectType)) {
        throw new AppError('VALIDATION_FAILED', `unknown projectType ${body.projectType}`, {
          field: 'projectType',
          allowed: catalog.projectTypes.map((t) => t.code),
        });
      }
      const localDate = (await app.reference.calendar()).localDate(acceptedAtMs);
      return app.idempotency.run(
        request,
        reply,
        async (key, memo) => {
          // a retry names the case its first attempt named, even past midnight
          const caseId = memo.resourceId ?? newCaseId(localDate, actor.sub, key);
          await openNewCase(app.opening, {
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
            deferredMaterials: body.deferredMaterials ?? [],
            acceptedAtMs,
            actor,
          });
          return { statusCode: 201, body: await reloadCaseView(app, caseId) };
        },
        { resourceId: (key) => newCaseId(localDate, actor.sub, key) },
      );
    },
  );

  app.get(
    '/v1/cases',
    {
      schema: {
        tags: ['cases'],
        summary: 'Cases, newest first (reviewers: cases with their department’s tasks)',
        querystring: CaseListQuery,
        response: { 200: listOf(CaseView) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const query = request.query;
      const { rows, nextCursor } = await findCases(app.db, {
        ...query,
        ...(isReviewer(actor) ? { readableBy: actor.department ?? '' } : {}),
        limit: query.limit ?? 50,
        now: new Date(),
      });
      if (isReviewer(actor)) {
        const views = await loadCaseViews(app, rows);
        return { items: views.map((view) => scopeCaseView(view, actor)), nextCursor };
      }
      // whole views, already serialized by the same schema (api/reads.ts renderCasePage): bytes,
      // which the typed reply does not know, sent as they are
      const page = await renderCasePage(app, rows, nextCursor);
      return reply.type('application/json; charset=utf-8').send(page as never);
    },
  );

  app.get(
    '/v1/cases/:caseId',
    { schema: { tags: ['cases'], summary: 'A case with its stages, tasks, escalations and certificates', params: CaseIdParams, response: { 200: CaseView } } },
    async (request) => {
      const actor = actorOf(request);
      const [view] = await toCaseViews(app, [await getVisibleCase(app, request.params.caseId, actor)]);
      return scopeCaseView(view!, actor);
    },
  );

  app.get(
    '/v1/cases/:caseId/events',
    {
      schema: {
        tags: ['cases'],
        summary: "The audit trail, oldest first, with its hash chain (reviewers: other departments' task events without their data)",
        params: CaseIdParams,
        querystring: EventsQuery,
        response: { 200: EventsView },
      },
    },
    async (request) => {
      const { caseId } = request.params;
      const actor = actorOf(request);
      const { verify, limit, cursor } = request.query;
      const row = await getVisibleCase(app, caseId, actor);
      const [{ rows, nextCursor }, verification] = await Promise.all([
        findAuditEventPage(app.db, caseId, { limit: limit ?? 50, cursor }),
        // over every stored event, whatever the page and whatever the caller may read of them
        verify ? findAuditEvents(app.db, caseId).then((all) => ({ verification: verifyChain(all) })) : {},
      ]);
      const events = rows.map(toAuditEventView);
      if (!isReviewer(actor)) return { items: events, nextCursor, ...verification };
      const context = {
        taskOf: new Map(row.tasks.map((t) => [t.taskId, { department: t.department, stage: t.stage }])),
        leads: stageLeadsOf(row.stages),
        taskOfEscalation: new Map(row.escalations.map((e) => [e.escalationId, e.taskId])),
      };
      return { items: events.map((event) => scopeEvent(event, actor, context)), nextCursor, ...verification };
    },
  );

  app.post(
    '/v1/cases/:caseId/stages/:stage/application',
    {
      schema: {
        tags: ['cases'],
        summary: "Submit the next stage's application, checked against its materials checklist (容缺受理 with deferredMaterials)",
        params: StageParams,
        body: ApplicationBody,
        response: { 200: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, stage } = request.params;
      const { materials, deferredMaterials } = request.body;
      return runCaseCommand(request, reply, {
        caseRow: await getVisibleCase(app, caseId, actor),
        update: submitStageApplicationUpdate,
        args: [{ stage, materials, ...(deferredMaterials ? { deferredMaterials } : {}), actor }],
        closedCode: 'STAGE_NOT_AWAITED',
        answer: () => reloadCaseView(app, caseId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/withdraw',
    {
      schema: { tags: ['cases'], summary: 'Withdraw the case (撤回)', params: CaseIdParams, body: ReasonBody, response: { 200: CaseView } },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params;
      return runCaseCommand(request, reply, {
        caseRow: await getVisibleCase(app, caseId, actor),
        update: withdrawUpdate,
        args: [{ reason: request.body.reason, actor }],
        answer: () => reloadCaseView(app, caseId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/materials',
    {
      schema: {
        tags: ['counter'],
        summary: 'Deliver deferred materials (容缺补交); each must carry the code of a material the case owes',
        params: CaseIdParams,
        body: MaterialsBody,
        response: { 200: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params;
      return runCaseCommand(request, reply, {
        caseRow: await getVisibleCase(app, caseId, actor),
        update: deliverMaterialsUpdate,
        args: [{ materials: request.body.materials, actor }],
        answer: () => reloadCaseView(app, caseId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/stages/:stage/supplement',
    {
      schema: {
        tags: ['counter'],
        summary: "Answer the stage's merged supplement notice at once: every task of it awaiting supplement resumes (one trip)",
        params: StageParams,
        body: MaterialsBody,
        response: { 200: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, stage } = request.params;
      return runCaseCommand(request, reply, {
        caseRow: await getVisibleCase(app, caseId, actor),
        update: submitStageSupplementUpdate,
        args: [{ stage, materials: request.body.materials, actor }],
        closedCode: 'TASK_NOT_AWAITING_SUPPLEMENT',
        answer: () => reloadCaseView(app, caseId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/stages/:stage/handout',
    {
      schema: {
        tags: ['counter'],
        summary: "Hand out an ended stage's result at the window (综合窗口出件); also on a closed case",
        params: StageParams,
        body: HandoutBody,
        response: { 200: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId, stage } = request.params;
      const caseRow = await getVisibleCase(app, caseId, actor);
      return runCaseCommand(request, reply, {
        caseRow,
        update: handOutUpdate,
        args: [{ stage, recipient: request.body.recipient, channel: request.body.channel, actor }],
        check: () => {
          // a closed case's workflow has ended once every result was handed out (or its hold passed)
          const row = caseRow.stages.find((s) => s.code === stage);
          if (row?.handout) throw new AppError('RESULT_ALREADY_HANDED_OUT', `the result of stage ${stage} was handed out already`);
          if (!row?.result) throw new AppError('RESULT_NOT_READY', `stage ${stage} has not ended`);
        },
        answer: () => reloadCaseView(app, caseId),
      });
    },
  );
};
