/** Administrators' repair of a stopped case (SPEC §6.0; README "Recovering a case"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../../domain/errors.js';
import { findCaseRow } from '../../../db/queries.js';
import { actorOf } from '../../auth.js';
import { reloadCaseView } from '../../reads.js';
import { recoverCase } from '../../recovery.js';
import { CaseIdParams, CaseView, LongText, StringEnum } from '../../schemas.js';

const RecoverBody = Type.Object(
  {
    action: StringEnum(['retry', 'reset', 'close'] as const, {
      description: 'retry: write again after repairing the cause; reset: to the last good point; close: withdraw with a reason',
    }),
    reason: LongText('why, recorded in the case’s audit chain'),
  },
  { additionalProperties: false },
);

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/admin/cases/:caseId/recover',
    {
      schema: {
        tags: ['admin'],
        summary: 'Recover a case stopped by a fault or whose workflow ended: retry, reset to the last good point, or close',
        params: CaseIdParams,
        body: RecoverBody,
        response: { 200: CaseView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { caseId } = request.params;
      const { action, reason } = request.body;
      if (!(await findCaseRow(app.db, caseId))) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
      return app.idempotency.run(request, reply, async () => {
        await recoverCase({ db: app.db, temporal: app.temporal, timeZone: app.timeZone }, caseId, action, reason, actor);
        return { statusCode: 200, body: await reloadCaseView(app, caseId) };
      });
    },
  );
};
