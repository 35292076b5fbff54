/** The counter's one-time notices (一次性告知, SPEC §6.1): what an applicant lacked, told at once. */
import { Type } from '@sinclair/typebox';
import { STAGE_CODES } from '../../../domain/catalog.js';
import { Cursor, Instant, Limit, Materials, Nullable, Param, StringEnum } from '../../schemas.js';
import { OpenCaseBody } from '../cases/schemas.js';

/** For a later stage of an open case: the set the applicant brought for it. */
const CaseStageNoticeBody = Type.Object(
  { caseId: Param(200), stage: StringEnum(STAGE_CODES), materials: Materials },
  { additionalProperties: false, title: 'For a later stage of a case' },
);

export const IntakeNoticeBody = Type.Union([Type.Object(OpenCaseBody.properties, { additionalProperties: false, title: 'For a new case (as POST /v1/cases)' }), CaseStageNoticeBody]);

export const MissingMaterialView = Type.Object({
  itemCode: Type.String(),
  code: Type.String(),
  name: Type.String(),
  copies: Type.Integer(),
  deferrable: Type.Boolean(),
});

export const IntakeNoticeView = Type.Object({
  noticeId: Type.String(),
  number: Type.String(),
  projectCode: Type.String(),
  caseId: Nullable(Type.String()),
  stage: StringEnum(STAGE_CODES),
  missing: Type.Array(MissingMaterialView),
  issuedAt: Instant,
  by: Type.Object({ sub: Type.String(), name: Type.String() }),
});

export const IntakeNoticeQuery = Type.Object(
  { projectCode: Param(40), limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
