/** Public certificate verification (电子证照核验, SPEC §4). */
import { Type } from '@sinclair/typebox';
import { Instant, Param, StringEnum } from '../../schemas.js';

export const CertificateParams = Type.Object({ number: Param(200) }, { additionalProperties: false });

export const VerificationQuery = Type.Object(
  { code: Type.Optional(Param(200)) },
  { additionalProperties: false },
);

/** What anyone holding the certificate may learn: never the verification code itself. */
export const PublicCertificate = Type.Object({
  number: Type.String(),
  name: Type.String(),
  itemCode: Type.String(),
  projectCode: Type.String(),
  projectName: Type.String(),
  holder: Type.String(),
  issuedAt: Instant,
  status: StringEnum(['valid'] as const, { description: 'issued by this system and in force' }),
});

export const VerificationView = Type.Object({
  valid: Type.Literal(true),
  certificate: PublicCertificate,
});
