/** Administrators' repair of a stopped case (SPEC §6.0; README "Recovering a case"). */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { actorOf } from '../auth.js';
import { recoverCase } from '../recovery.js';
import { CaseIdParams, CaseView, ErrorResponse, LongText } from '../schemas.js';
import { loadCaseView } from './cases.js';
import { findCaseRow } from '../../db/queries.js';
import { AppError } from '../../domain/errors.js';

const RecoverBody = Type.Object(
  {
    action: Type.Union([Type.Literal('retry'), Type.Literal('reset'), Type.Literal('close')], {
      description: 'retry: write again after repairing the cause; reset: to the last good point; close: withdraw with a reason',
    }),
    reason: LongText('why, recorded in the case’s audit chain'),
  },
  { additionalProperties: false },
);

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/v1/admin/cases/:caseId/recover',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Recover a case stopped by a fault or whose workflow ended: retry, reset to the last good point, or close',
        params: CaseIdParams,
        body: RecoverBody,
        response: { 200: CaseView, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params as Static<typeof CaseIdParams>;
      const { action, reason } = request.body as Static<typeof RecoverBody>;
      if (!(await findCaseRow(ctx.db, caseId))) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
      return ctx.idempotency.run(request, reply, async () => {
        await recoverCase({ db: ctx.db, temporal: ctx.temporal, timeZone: ctx.timeZone }, caseId, action, reason, actor);
        const row = await findCaseRow(ctx.db, caseId);
        if (!row) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
        return { statusCode: 200, body: await loadCaseView(ctx, row) };
      });
    },
  );
}
