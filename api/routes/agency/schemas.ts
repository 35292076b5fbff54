/** 代办 (SPEC §6.4): key projects, their agents and what the agents record. */
import { Type } from '@sinclair/typebox';
import { STAGE_CODES } from '../../../domain/catalog.js';
import { AGENCY_ACTIVITY_KINDS, AGENCY_CATEGORIES } from '../../../domain/case-types.js';
import { Cursor, Instant, ISO_INSTANT, Light, Limit, listOf, LongText, Nullable, Param, PersonView, StringEnum } from '../../schemas.js';

export const DesignationBody = Type.Object(
  { category: StringEnum(AGENCY_CATEGORIES), agent: PersonView },
  { additionalProperties: false },
);

export const MAX_ATTENDEES = 20;

export const ActivityBody = Type.Object(
  {
    kind: StringEnum(AGENCY_ACTIVITY_KINDS, { description: 'a `problem` starts open until solved' }),
    summary: LongText('what was done or what blocks the project'),
    at: Type.Optional(Type.String({ pattern: ISO_INSTANT, description: 'when it happened (default now); not in the future' })),
    attendees: Type.Optional(
      Type.Array(Param(40), { maxItems: MAX_ATTENDEES, uniqueItems: true, description: 'departments that took part (catalog codes)' }),
    ),
  },
  { additionalProperties: false },
);

export const SolveBody = Type.Object({ resolution: LongText('how the problem was solved') }, { additionalProperties: false });

export const ActivityParams = Type.Object({ caseId: Param(200), activityId: Param(220) }, { additionalProperties: false });

export const ActivityView = Type.Object({
  activityId: Type.String(),
  caseId: Type.String(),
  kind: StringEnum(AGENCY_ACTIVITY_KINDS),
  summary: Type.String(),
  at: Instant,
  by: Type.Object({ sub: Type.String(), name: Type.String() }),
  attendees: Type.Array(Type.String()),
  problem: Type.Optional(
    Type.Object({
      status: StringEnum(['open', 'solved'] as const),
      resolution: Type.Optional(Type.String()),
      solvedAt: Type.Optional(Instant),
    }),
  ),
});

export const AgencyQuery = Type.Object(
  {
    agent: Type.Optional(Param(200)),
    category: Type.Optional(StringEnum(AGENCY_CATEGORIES)),
    light: Type.Optional(Light),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const AgencyProjectView = Type.Object({
  caseId: Type.String(),
  projectCode: Type.String(),
  projectName: Type.String(),
  category: StringEnum(AGENCY_CATEGORIES),
  agent: Type.Object({ sub: Type.String(), name: Type.String() }),
  since: Instant,
  light: Light,
  currentStage: StringEnum(STAGE_CODES),
  openProblems: Type.Integer({ minimum: 0 }),
  lastActivityAt: Nullable(Instant),
});

export const AgencyListView = listOf(AgencyProjectView);
