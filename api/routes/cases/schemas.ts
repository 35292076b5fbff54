/** Cases' own request shapes (SPEC §4 routes under /v1/cases). */
import { Type, type Static } from '@sinclair/typebox';
import { STAGE_CODES } from '../../../domain/catalog.js';
import { CASE_STATUSES } from '../../../domain/case-types.js';
import { LIGHTS } from '../../../domain/light.js';
import { HANDOUT_CHANNELS } from '../../../domain/case-types.js';
import { Cursor, DeferredMaterials, ISO_INSTANT, Limit, LongText, Materials, Param, ShortText, StringEnum } from '../../schemas.js';

export const OpenCaseBody = Type.Object(
  {
    projectCode: Type.String({
      description: 'national investment project code YYYY-AAAAAA-II-TT-NNNNNN',
      examples: ['2026-330100-48-01-000001'],
    }),
    projectName: ShortText(),
    projectType: ShortText('a project type code from the catalog'),
    applicant: Type.Object(
      {
        name: ShortText('applicant (建设单位) name'),
        creditCode: Type.String({
          description: '18-character unified social credit code (统一社会信用代码), checksum verified',
          examples: ['91330100MA2AYFKX3P'],
        }),
      },
      { additionalProperties: false },
    ),
    location: Type.Optional(ShortText()),
    totalInvestment: Type.Optional(Type.Number({ minimum: 0, maximum: 1e15, description: 'yuan' })),
    landArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12, description: 'm²' })),
    floorArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12, description: 'm²' })),
    materials: Type.Optional(Materials),
    deferredMaterials: Type.Optional(DeferredMaterials),
    acceptedAt: Type.Optional(
      Type.String({ pattern: ISO_INSTANT, description: 'admin only: a back-dated acceptance instant, ISO 8601 with offset' }),
    ),
  },
  { additionalProperties: false },
);
export type OpenCaseBody = Static<typeof OpenCaseBody>;

export const ReasonBody = Type.Object({ reason: LongText() }, { additionalProperties: false });

export const StageParams = Type.Object(
  { caseId: Param(200), stage: StringEnum(STAGE_CODES, { description: 'the stage code' }) },
  { additionalProperties: false },
);

export const CaseListQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(CASE_STATUSES)),
    stage: Type.Optional(StringEnum(STAGE_CODES, { description: 'the current stage' })),
    light: Type.Optional(StringEnum(LIGHTS)),
    projectType: Type.Optional(Param(40)),
    department: Type.Optional(Param(40)),
    q: Type.Optional(Param(200)),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object(
  {
    verify: Type.Optional(Type.Boolean({ description: 'recompute the whole hash chain on the server and add `verification`' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const HandoutBody = Type.Object(
  {
    recipient: Type.Object({ name: ShortText('who received it') }, { additionalProperties: false }),
    channel: StringEnum(HANDOUT_CHANNELS, { description: 'counter (a trip), post or electronic' }),
  },
  { additionalProperties: false },
);
