/**
 * Public verification of an electronic certificate (电子证照核验): anyone holding a number, a
 * bank or a later department, can check what was issued, to whom and for which project.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { findCaseRow, findCertificate } from '../../db/queries.js';
import type { AppContext } from '../app.js';
import { CertificateView, ErrorResponse, Param } from '../schemas.js';
import { toCertificateView } from '../views.js';
import { viewContext } from './cases.js';

const CertificateParams = Type.Object({ number: Param(200) }, { additionalProperties: false });

const VerifiedCertificateView = Type.Object({
  ...CertificateView.properties,
  valid: Type.Boolean({ description: 'true: the certificate was issued by this system' }),
  projectName: Type.String(),
});

export function registerCertificateRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/v1/certificates/:number',
    {
      config: { access: 'public' },
      schema: {
        tags: ['certificates'],
        summary: 'Verify a certificate by its number (no token needed)',
        security: [],
        params: CertificateParams,
        response: { 200: VerifiedCertificateView, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { number } = request.params as { number: string };
      const row = await findCertificate(ctx.db, number);
      if (!row) throw new AppError('NOT_FOUND', `no certificate ${number}`);
      const [view, caseRow] = await Promise.all([viewContext(ctx), findCaseRow(ctx.db, row.caseId)]);
      return { ...toCertificateView(view, row), valid: true, projectName: caseRow?.projectName ?? '' };
    },
  );
}
