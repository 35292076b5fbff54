/**
 * Public verification of an electronic certificate (电子证照核验): a bank or a later department
 * holding the paper checks its number against the verification code printed on it. A wrong or
 * missing code reads exactly like an unknown number, so the route reveals nothing to a guesser
 * (and the rate limit per address bounds the guessing).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../../../domain/errors.js';
import { findCaseRow, findCertificate } from '../../../db/queries.js';
import { viewContext } from '../../reads.js';
import { formatInstant } from '../../views.js';
import { CertificateParams, VerificationQuery, VerificationView } from './schemas.js';

function sameCode(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const certificateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/certificates/:number',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Verify a certificate by its number and the code printed on it (no token needed)',
        security: [],
        params: CertificateParams,
        querystring: VerificationQuery,
        response: { 200: VerificationView },
      },
    },
    async (request) => {
      const { number } = request.params;
      const row = await findCertificate(app.db, number);
      if (!row || !sameCode(request.query.code, row.verificationCode)) {
        throw new AppError('NOT_FOUND', `no certificate ${number} with that verification code`);
      }
      const [view, caseRow] = await Promise.all([viewContext(app), findCaseRow(app.db, row.caseId)]);
      return {
        valid: true as const,
        certificate: {
          number: row.number,
          name: row.name,
          itemCode: row.itemCode,
          projectCode: row.projectCode,
          projectName: caseRow?.projectName ?? '',
          holder: row.holder,
          issuedAt: formatInstant(view, row.issuedAt)!,
          status: 'valid' as const,
        },
      };
    },
  );
};
