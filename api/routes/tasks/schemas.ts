/** Tasks' own request shapes: the inbox filter, a decision, an extension. */
import { Type, type Static } from '@sinclair/typebox';
import { TASK_STATUSES } from '../../../domain/case-types.js';
import { LIGHTS } from '../../../domain/light.js';
import { Cursor, Limit, LongText, Param, ShortText, StringEnum } from '../../schemas.js';

export const TaskParams = Type.Object({ caseId: Param(200), taskId: Param(200) }, { additionalProperties: false });

export const TaskListQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(TASK_STATUSES)),
    department: Type.Optional(Param(40)),
    light: Type.Optional(StringEnum(LIGHTS)),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const DecisionBody = Type.Union([
  Type.Object(
    {
      decision: Type.Literal('approve'),
      opinion: Type.Optional(LongText()),
      conditions: Type.Optional(Type.Array(LongText(), { maxItems: 100 })),
    },
    { additionalProperties: false, title: 'Approve' },
  ),
  Type.Object(
    { decision: Type.Literal('reject'), opinion: LongText('the reasons for rejection') },
    { additionalProperties: false, title: 'Reject' },
  ),
  Type.Object(
    {
      decision: Type.Literal('request_supplement'),
      opinion: LongText(),
      missingMaterials: Type.Array(ShortText(), { minItems: 1, maxItems: 100, description: '一次性告知: all at once' }),
    },
    { additionalProperties: false, title: 'Request supplementary materials' },
  ),
]);
export type DecisionBody = Static<typeof DecisionBody>;

export const ExtensionBody = Type.Object(
  { workingDays: Type.Integer({ minimum: 1, maximum: 10 }), reason: LongText() },
  { additionalProperties: false },
);
