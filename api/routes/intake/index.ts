/**
 * 一次性告知 at the counter (SPEC §6.1): when an applicant comes with an incomplete set, the
 * window tells everything missing at once and the applicant leaves with a numbered notice. For a
 * new project no case can open, so the notice is kept on its own; for a later stage of an open
 * case it is an event of the case (through its workflow). Either way it is a trip (SPEC §6.2).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { resolveCasePlan } from '../../../domain/catalog.js';
import { AppError } from '../../../domain/errors.js';
import { isCreditCode, isProjectCode } from '../../../domain/identifiers.js';
import { checkMaterials, stageChecklist } from '../../../domain/materials.js';
import { findIntakeNotice, findIntakeNotices, insertIntakeNotice, type IntakeNoticeRow } from '../../../db/intake.js';
import { issueIntakeNoticeUpdate } from '../../../workflows/case-workflow.js';
import { missingDetails } from '../../../workflows/counter.js';
import { actorOf } from '../../auth.js';
import { runCaseCommand } from '../../commands.js';
import { newNoticeNumber } from '../../opening.js';
import { getVisibleCase, viewContext } from '../../reads.js';
import { listOf } from '../../schemas.js';
import { formatInstant, type ViewContext } from '../../views.js';
import { IntakeNoticeBody, IntakeNoticeQuery, IntakeNoticeView } from './schemas.js';

function toNoticeView(view: ViewContext, row: IntakeNoticeRow) {
  return {
    noticeId: row.noticeId,
    number: row.number,
    projectCode: row.projectCode,
    caseId: row.caseId,
    stage: row.stage,
    missing: row.missing as { itemCode: string; code: string; name: string; copies: number; deferrable: boolean }[],
    issuedAt: formatInstant(view, row.issuedAt)!,
    by: row.issuedBy,
  };
}

export const intakeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/intake/notices',
    {
      schema: {
        tags: ['counter'],
        summary: 'Tell an applicant everything missing at once (一次性告知): for a new project, or a later stage of its case',
        body: IntakeNoticeBody,
        response: { 201: IntakeNoticeView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const localDate = (await app.reference.calendar()).localDate(Date.now());
      const answer = async (number: string) => {
        const row = await findIntakeNotice(app.db, number);
        if (!row) throw new AppError('INTERNAL', `notice ${number} was not stored`);
        return toNoticeView(await viewContext(app), row);
      };

      if ('caseId' in body) {
        // A later stage of an open case: an event of the case, through its workflow.
        const caseRow = await getVisibleCase(app, body.caseId, actor);
        let number = '';
        return runCaseCommand(request, reply, {
          caseRow,
          update: issueIntakeNoticeUpdate,
          args: (key) => {
            number = newNoticeNumber(localDate, actor.sub, key);
            return [{ number, stage: body.stage, materials: body.materials, actor }];
          },
          statusCode: 201,
          answer: () => answer(number),
        });
      }

      // A new project: checked as POST /v1/cases checks it, against the latest catalog.
      if (!isProjectCode(body.projectCode)) {
        throw new AppError('VALIDATION_FAILED', 'projectCode must look like YYYY-AAAAAA-II-TT-NNNNNN', { field: 'projectCode' });
      }
      if (!isCreditCode(body.applicant.creditCode)) {
        throw new AppError('VALIDATION_FAILED', 'applicant.creditCode is not a valid unified social credit code', { field: 'applicant.creditCode' });
      }
      const catalog = await app.reference.catalog();
      if (!catalog.projectTypes.some((t) => t.code === body.projectType)) {
        throw new AppError('VALIDATION_FAILED', `unknown projectType ${body.projectType}`, { field: 'projectType' });
      }
      const plan = resolveCasePlan(catalog, body.projectType);
      return app.idempotency.run(request, reply, async (key) => {
        const check = checkMaterials(stageChecklist(plan, 'land-use-planning'), body.materials ?? [], body.deferredMaterials ?? []);
        if (check.missing.length === 0 && check.invalidDeferrals.length === 0) {
          throw new AppError('NOTHING_MISSING', 'the set is complete: open the case instead');
        }
        const number = newNoticeNumber(localDate, actor.sub, key);
        await insertIntakeNotice(app.db, {
          noticeId: number,
          number,
          projectCode: body.projectCode,
          caseId: null,
          stage: 'land-use-planning',
          missing: missingDetails(check).missing,
          issuedAt: new Date(),
          issuedBy: { sub: actor.sub, name: actor.name },
        });
        return { statusCode: 201, body: await answer(number) };
      });
    },
  );

  app.get(
    '/v1/intake/notices',
    {
      schema: {
        tags: ['counter'],
        summary: "A project's one-time notices, newest first",
        querystring: IntakeNoticeQuery,
        response: { 200: listOf(IntakeNoticeView) },
      },
    },
    async (request) => {
      const { projectCode, limit, cursor } = request.query;
      const { rows, nextCursor } = await findIntakeNotices(app.db, { projectCode, limit: limit ?? 50, cursor });
      const view = await viewContext(app);
      return { items: rows.map((row) => toNoticeView(view, row)), nextCursor };
    },
  );
};
