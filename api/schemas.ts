/**
 * Request and response schemas (TypeBox = JSON Schema + TypeScript types). They drive validation
 * (strict: no unknown fields, no coercion in bodies), serialization (a response schema strips
 * internal fields) and the OpenAPI document. Field names follow SPEC §4's resource shapes.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Any Unicode except C0 control characters other than tab and newline, and well-formed: a lone
 * UTF-16 surrogate (JSON allows "\\ud800") cannot be stored by PostgreSQL, so it is bad input.
 * Patterns run with the `u` flag, where a surrogate pair is one code point and passes.
 */
const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u0008\\u000B-\\u001F\\uD800-\\uDFFF]*$';

export const ShortText = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 200, pattern: NO_CONTROL_CHARACTERS, ...(description ? { description } : {}) });
export const LongText = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 2000, pattern: NO_CONTROL_CHARACTERS, ...(description ? { description } : {}) });

/** ISO 8601 instant with an explicit offset (or Z). */
export const ISO_INSTANT = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';

/** A path or query parameter: no control characters (PostgreSQL refuses NUL), bounded length. */
export const Param = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL_CHARACTERS });

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Instant = Type.String({ description: 'ISO 8601 instant with the configured zone offset' });

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

export const Material = Type.Object(
  {
    name: ShortText(),
    copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })),
    note: Type.Optional(LongText()),
  },
  { additionalProperties: false },
);
export const Materials = Type.Array(Material, { maxItems: 100 });

export const Applicant = Type.Object(
  {
    name: ShortText('applicant (建设单位) name'),
    creditCode: Type.String({ description: '18-character unified social credit code (统一社会信用代码)' }),
  },
  { additionalProperties: false },
);

export const OpenCaseBody = Type.Object(
  {
    projectCode: Type.String({ description: 'national investment project code YYYY-AAAAAA-II-TT-NNNNNN' }),
    projectName: ShortText(),
    projectType: ShortText('a project type code from the catalog'),
    applicant: Applicant,
    location: Type.Optional(ShortText()),
    totalInvestment: Type.Optional(Type.Number({ minimum: 0, maximum: 1e15, description: 'yuan' })),
    landArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12, description: 'm²' })),
    floorArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12, description: 'm²' })),
    materials: Type.Optional(Materials),
    acceptedAt: Type.Optional(
      Type.String({ pattern: ISO_INSTANT, description: 'admin only: a back-dated acceptance instant, ISO 8601 with offset' }),
    ),
  },
  { additionalProperties: false },
);
export type OpenCaseBody = Static<typeof OpenCaseBody>;

export const DerivationView = Type.Object({
  from: Instant,
  startDate: IsoDate,
  workingDays: Type.Integer(),
  dueDate: IsoDate,
  countedDays: Type.Array(IsoDate),
  skipped: Type.Array(Type.Object({ date: IsoDate, reason: Type.String() })),
  makeUpDaysUsed: Type.Array(IsoDate),
  calendarVersion: Type.String(),
  provisional: Type.Boolean(),
});

const ActorView = Type.Object({
  sub: Type.String(),
  name: Type.String(),
  role: Type.String(),
  department: Type.Optional(Type.String()),
});

const Light = Type.Union([
  Type.Literal('red'),
  Type.Literal('yellow'),
  Type.Literal('green'),
  Type.Literal('paused'),
  Type.Literal('done'),
]);

export const TaskView = Type.Object({
  taskId: Type.String(),
  caseId: Type.String(),
  stage: Type.String(),
  itemCode: Type.String(),
  itemName: Type.String(),
  itemNameEn: Type.String(),
  department: Type.String(),
  status: Type.String(),
  committedWorkingDays: Type.Integer(),
  statutoryWorkingDays: Type.Integer(),
  startDate: Nullable(IsoDate),
  dueDate: Nullable(IsoDate),
  deadline: Nullable(Instant),
  derivation: Nullable(DerivationView),
  usedWorkingDays: Type.Integer(),
  remainingWorkingDays: Type.Integer(),
  light: Light,
  extension: Nullable(
    Type.Object({ workingDays: Type.Integer(), reason: Type.String(), by: ActorView, at: Instant }),
  ),
  supplement: Nullable(
    Type.Object({
      opinion: Type.String(),
      missingMaterials: Type.Array(Type.String()),
      requestedAt: Instant,
      resubmittedAt: Nullable(Instant),
      materials: Nullable(Type.Array(Material)),
    }),
  ),
  decision: Nullable(
    Type.Object({
      decision: Type.String(),
      opinion: Nullable(Type.String()),
      conditions: Type.Array(Type.String()),
      by: ActorView,
      at: Instant,
    }),
  ),
});
export type TaskView = Static<typeof TaskView>;

export const StageView = Type.Object({
  code: Type.String(),
  order: Type.Integer(),
  status: Type.String(),
  openedAt: Nullable(Instant),
  closedAt: Nullable(Instant),
  committedDays: Type.Integer(),
  light: Light,
  tasks: Type.Array(TaskView),
});
export type StageView = Static<typeof StageView>;

export const CertificateView = Type.Object({
  number: Type.String(),
  name: Type.String(),
  itemCode: Type.String(),
  caseId: Type.String(),
  projectCode: Type.String(),
  holder: Type.String(),
  issuedAt: Instant,
  verificationCode: Type.String(),
});
export type CertificateView = Static<typeof CertificateView>;

export const EscalationView = Type.Object({
  escalationId: Type.String(),
  caseId: Type.String(),
  taskId: Nullable(Type.String()),
  level: Type.Integer(),
  origin: Type.String(),
  reason: Type.String(),
  status: Type.String(),
  openedAt: Instant,
  dueAt: Nullable(Instant),
  openedBy: ActorView,
  resolvedAt: Nullable(Instant),
  resolution: Nullable(Type.String()),
  resolvedBy: Nullable(ActorView),
});
export type EscalationView = Static<typeof EscalationView>;

export const CaseView = Type.Object({
  caseId: Type.String(),
  projectCode: Type.String(),
  projectName: Type.String(),
  projectType: Type.String(),
  applicant: Type.Object({ name: Type.String(), creditCode: Type.String() }),
  location: Nullable(Type.String()),
  totalInvestment: Nullable(Type.Number()),
  landArea: Nullable(Type.Number()),
  floorArea: Nullable(Type.Number()),
  materials: Type.Array(Material),
  status: Type.String(),
  currentStage: Type.String(),
  awaiting: Nullable(Type.String()),
  light: Light,
  catalogVersion: Type.Integer(),
  acceptedAt: Instant,
  closedAt: Nullable(Instant),
  fault: Nullable(
    Type.Object(
      { kind: Type.String(), message: Type.String(), at: Instant },
      { description: 'the case is stopped until an administrator recovers it (POST /v1/admin/cases/{caseId}/recover)' },
    ),
  ),
  stages: Type.Array(StageView),
  escalations: Type.Array(EscalationView),
  certificates: Type.Array(CertificateView),
});
export type CaseView = Static<typeof CaseView>;

export const CaseSummaryView = Type.Omit(CaseView, ['stages', 'escalations', 'certificates', 'materials']);
export type CaseSummaryView = Static<typeof CaseSummaryView>;

export const AuditEventView = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  at: Instant,
  actor: ActorView,
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const listOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const CaseIdParams = Type.Object({ caseId: Param(200) });
export const TaskParams = Type.Object({ caseId: Param(200), taskId: Param(200) });
export const StageParams = Type.Object({ caseId: Param(200), stage: Param(200) });

export const DecisionBody = Type.Union([
  Type.Object(
    {
      decision: Type.Literal('approve'),
      opinion: Type.Optional(LongText()),
      conditions: Type.Optional(Type.Array(LongText(), { maxItems: 100 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { decision: Type.Literal('reject'), opinion: LongText('the reasons for rejection') },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      decision: Type.Literal('request_supplement'),
      opinion: LongText(),
      missingMaterials: Type.Array(ShortText(), { minItems: 1, maxItems: 100, description: '一次性告知: all at once' }),
    },
    { additionalProperties: false },
  ),
]);
export type DecisionBody = Static<typeof DecisionBody>;

export const MaterialsBody = Type.Object({ materials: Materials }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: LongText() }, { additionalProperties: false });
export const ExtensionBody = Type.Object(
  { workingDays: Type.Integer({ minimum: 1, maximum: 10 }), reason: LongText() },
  { additionalProperties: false },
);

export const CaseListQuery = Type.Object(
  {
    status: Type.Optional(Param(40)),
    stage: Type.Optional(Param(40)),
    light: Type.Optional(Light),
    projectType: Type.Optional(Param(40)),
    department: Type.Optional(Param(40)),
    q: Type.Optional(Param(200)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Param(500)),
  },
  { additionalProperties: false },
);
export type CaseListQuery = Static<typeof CaseListQuery>;

export const TaskListQuery = Type.Object(
  {
    status: Type.Optional(Param(40)),
    department: Type.Optional(Param(40)),
    light: Type.Optional(Light),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Param(500)),
  },
  { additionalProperties: false },
);
export type TaskListQuery = Static<typeof TaskListQuery>;

export const EscalateBody = Type.Object(
  {
    reason: LongText(),
    taskId: Type.Optional(Param(200)),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
  },
  { additionalProperties: false },
);
export const ResolveBody = Type.Object({ resolution: LongText() }, { additionalProperties: false });
export const EscalationParams = Type.Object({
  caseId: Param(200),
  escalationId: Param(200),
});
export const EscalationListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Param(500)),
  },
  { additionalProperties: false },
);
export const NotificationView = Type.Object({
  notificationId: Type.String(),
  kind: Type.String(),
  caseId: Type.String(),
  taskId: Type.Optional(Type.String()),
  department: Type.Optional(Type.String()),
  audience: Type.String(),
  message: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Instant,
});
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Param(500)),
  },
  { additionalProperties: false },
);
const BoardTask = Type.Object({
  taskId: Type.String(),
  itemCode: Type.String(),
  department: Type.String(),
  light: Light,
  workingDaysOverdue: Type.Integer(),
  reasons: Type.Array(Type.String()),
});
export const BoardQuery = Type.Object(
  {
    department: Type.Optional(Param(40)),
    light: Type.Optional(Type.Union([Type.Literal('red'), Type.Literal('yellow'), Type.Literal('green'), Type.Literal('paused')])),
    reason: Type.Optional(
      Type.Union([
        Type.Literal('overdue'),
        Type.Literal('due_soon'),
        Type.Literal('no_activity'),
        Type.Literal('applicant_silent'),
        Type.Literal('escalated'),
        Type.Literal('fault'),
      ]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Param(500)),
  },
  { additionalProperties: false },
);
export type BoardQuery = Static<typeof BoardQuery>;
export const BoardView = Type.Object({
  nextCursor: Nullable(Type.String()),
  items: Type.Array(
    Type.Object({
      caseId: Type.String(),
      projectCode: Type.String(),
      projectName: Type.String(),
      light: Light,
      workingDaysOverdue: Type.Integer(),
      escalationLevel: Type.Integer(),
      reasons: Type.Array(Type.String()),
      tasks: Type.Array(BoardTask),
    }),
  ),
});
const TaskFigures = Type.Object({
  decided: Type.Integer(),
  onTime: Type.Integer(),
  onTimeRate: Nullable(Type.Number()),
  avgUsedWorkingDays: Nullable(Type.Number()),
  avgCommittedWorkingDays: Nullable(Type.Number()),
  avgStatutoryWorkingDays: Nullable(Type.Number()),
  committedCompression: Nullable(Type.Number()),
  actualCompression: Nullable(Type.Number()),
  overdueOpen: Type.Integer(),
});
export const StatsView = Type.Object({
  from: IsoDate,
  to: IsoDate,
  cases: Type.Object({ opened: Type.Integer(), completed: Type.Integer(), rejected: Type.Integer(), withdrawn: Type.Integer() }),
  tasks: TaskFigures,
  byDepartment: Type.Record(Type.String(), TaskFigures),
  byItem: Type.Record(Type.String(), TaskFigures),
});
export const StatsQuery = Type.Object(
  { from: Type.Optional(IsoDate), to: Type.Optional(IsoDate) },
  { additionalProperties: false },
);

const Name = Type.Object({ zh: Type.String(), en: Type.String() });
const CatalogItemView = Type.Object({
  code: Type.String(),
  stage: Type.String(),
  name: Name,
  department: Type.String(),
  statutoryDays: Type.Integer(),
  committedDays: Type.Integer(),
  after: Type.Array(Type.String()),
  certificate: Type.Optional(Name),
  deemedConsent: Type.Optional(Type.Boolean()),
  warningDays: Type.Optional(Type.Integer()),
});
const CatalogStageView = Type.Object({ code: Type.String(), order: Type.Integer(), name: Name, leadDepartment: Type.String() });
export const CatalogView = Type.Object({
  version: Type.Integer(),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Name })),
  stages: Type.Array(CatalogStageView),
  items: Type.Array(CatalogItemView),
  projectTypes: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Name,
      targetWorkingDays: Type.Integer(),
      /** the type's stages with their items (prerequisites resolved) and committed critical path */
      stages: Type.Array(
        Type.Composite([CatalogStageView, Type.Object({ committedDays: Type.Integer(), items: Type.Array(CatalogItemView) })]),
      ),
    }),
  ),
});
