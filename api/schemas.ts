/**
 * The shapes several resources share (TypeBox = JSON Schema + TypeScript types): text rules,
 * parameters, the error body, and SPEC §4's resource views (Case, Stage, Task, Certificate,
 * Escalation, Audit event). A resource's own bodies and queries live beside its routes
 * (`api/routes/<resource>/schemas.ts`).
 *
 * They drive validation (strict bodies: no unknown fields, no coercion), serialization (a response
 * schema strips internal fields), the handlers' types (the TypeBox type provider) and OpenAPI.
 * Every closed list is an enum built from its constant in `domain/`, the same constant that types
 * the drizzle column.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { STAGE_CODES } from '../domain/catalog.js';
import {
  AGENCY_CATEGORIES,
  AWAITING,
  CASE_STATUSES,
  HANDOUT_CHANNELS,
  DECISION_KINDS,
  ESCALATION_ORIGINS,
  ESCALATION_STATUSES,
  ROLES,
  STAGE_STATUSES,
  TASK_STATUSES,
} from '../domain/case-types.js';
import { LIGHTS } from '../domain/light.js';

/** A string from a closed list: `enum` in JSON Schema and OpenAPI, the literal union in TypeScript. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

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

/**
 * A value or null, written the OpenAPI 3.0 way (`nullable: true` beside the type; an enum lists
 * null too). Not `anyOf [T, null]`: 3.0 has no null type, and the response serializer would
 * validate every nullable value against each branch before writing it (a whole derivation per
 * task). Only for schemas with a `type`.
 */
export const Nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> => {
  if (typeof schema.type !== 'string') throw new TypeError('Nullable needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true, ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) });
};
export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2026-10-09'] });
export const Instant = Type.String({
  description: 'ISO 8601 instant with the configured zone offset',
  examples: ['2026-09-24T23:59:59.999+08:00'],
});

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'UPPER_SNAKE error code (SPEC §4 Errors)', examples: ['VALIDATION_FAILED'] }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { title: 'Error' },
);

export const Light = StringEnum(LIGHTS, { description: 'red: past the deadline; yellow: inside the warning window; paused: the clock stands' });

/** A checklist code (SPEC §6.0 Material codes), as the catalog writes them. */
export const MaterialCode = Type.String({ minLength: 1, maxLength: 80, pattern: '^[a-z0-9]+(?:[.-][a-z0-9]+)*$', examples: ['eia.report'] });

export const Material = Type.Object(
  {
    name: ShortText(),
    code: Type.Optional(MaterialCode),
    copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })),
    note: Type.Optional(LongText()),
  },
  { additionalProperties: false },
);
export const Materials = Type.Array(Material, { maxItems: 100 });
export const MaterialsBody = Type.Object({ materials: Materials }, { additionalProperties: false });
/** 容缺受理: missing deferrable codes the applicant will bring later */
export const DeferredMaterials = Type.Array(MaterialCode, { maxItems: 100, description: '容缺受理: missing deferrable checklist codes to follow' });
/** A stage's application: its materials, and what may follow (容缺) */
export const ApplicationBody = Type.Object(
  { materials: Materials, deferredMaterials: Type.Optional(DeferredMaterials) },
  { additionalProperties: false },
);

export const Limit = Type.Integer({ minimum: 1, maximum: 200, description: 'page size (default 50)' });
export const Cursor = Param(500);
export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false });

export const listOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String({ description: 'null on the last page' })) });

export const CaseIdParams = Type.Object({ caseId: Param(200) }, { additionalProperties: false });

export const DerivationView = Type.Object({
  from: Instant,
  startDate: IsoDate,
  workingDays: Type.Integer(),
  dueDate: IsoDate,
  countedDays: Type.Array(IsoDate),
  skipped: Type.Array(Type.Object({ date: IsoDate, reason: StringEnum(['weekend', 'holiday'] as const) })),
  makeUpDaysUsed: Type.Array(IsoDate),
  calendarVersion: Type.String(),
  provisional: Type.Boolean(),
});

export const ActorView = Type.Object({
  sub: Type.String(),
  name: Type.String(),
  role: StringEnum([...ROLES, 'system'] as const),
  department: Type.Optional(Type.String()),
});

export const TaskView = Type.Object({
  taskId: Type.String(),
  caseId: Type.String(),
  stage: StringEnum(STAGE_CODES),
  itemCode: Type.String(),
  itemName: Type.String(),
  itemNameEn: Type.String(),
  department: Type.String(),
  status: StringEnum(TASK_STATUSES),
  committedWorkingDays: Type.Integer(),
  statutoryWorkingDays: Type.Integer(),
  startDate: Nullable(IsoDate),
  dueDate: Nullable(IsoDate),
  deadline: Nullable(Instant),
  derivation: Nullable(DerivationView),
  usedWorkingDays: Type.Integer(),
  remainingWorkingDays: Type.Integer(),
  light: Light,
  extension: Nullable(Type.Object({ workingDays: Type.Integer(), reason: Type.String(), by: ActorView, at: Instant })),
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
      decision: StringEnum(DECISION_KINDS),
      opinion: Nullable(Type.String()),
      conditions: Type.Array(Type.String()),
      by: ActorView,
      at: Instant,
    }),
  ),
});
export type TaskView = Static<typeof TaskView>;

export const ResultView = Type.Object(
  {
    documents: Type.Array(
      Type.Object({ kind: StringEnum(['certificate', 'rejection_letter'] as const), number: Type.String(), name: Type.String() }),
    ),
    readyAt: Nullable(Instant),
    handedOut: Nullable(
      Type.Object({
        at: Instant,
        by: ActorView,
        recipient: Type.Object({ name: Type.String() }),
        channel: StringEnum(HANDOUT_CHANNELS),
      }),
    ),
  },
  { description: '出件: what the window hands out once the stage has ended' },
);

export const SupplementNoticeView = Type.Object(
  {
    number: Type.String(),
    issuedAt: Instant,
    items: Type.Array(
      Type.Object({
        taskId: Type.String(),
        itemCode: Type.String(),
        department: Type.String(),
        opinion: Type.String(),
        missingMaterials: Type.Array(Type.String()),
      }),
    ),
  },
  { description: "the stage's one merged request for supplementary materials, over every task awaiting them" },
);

export const StageView = Type.Object({
  code: StringEnum(STAGE_CODES),
  order: Type.Integer(),
  status: StringEnum(STAGE_STATUSES),
  openedAt: Nullable(Instant),
  closedAt: Nullable(Instant),
  committedDays: Type.Integer(),
  leadDepartment: Nullable(Type.String({ description: '一家牵头: its reviewers read every task of the stage' })),
  light: Light,
  result: Nullable(ResultView),
  supplementNotice: Nullable(SupplementNoticeView),
  trips: Type.Integer({ description: "the applicant's visits to the counter for this stage" }),
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
  verificationCode: Type.String({ description: 'printed on the certificate; shown only to those who may read the case' }),
});
export type CertificateView = Static<typeof CertificateView>;

export const EscalationView = Type.Object({
  escalationId: Type.String(),
  caseId: Type.String(),
  taskId: Nullable(Type.String()),
  level: Type.Integer({ minimum: 1, maximum: 3 }),
  origin: StringEnum(ESCALATION_ORIGINS),
  reason: Type.String(),
  status: StringEnum(ESCALATION_STATUSES),
  openedAt: Instant,
  dueAt: Nullable(Instant),
  openedBy: ActorView,
  resolvedAt: Nullable(Instant),
  resolution: Nullable(Type.String()),
  resolvedBy: Nullable(ActorView),
});
export type EscalationView = Static<typeof EscalationView>;

/** 代办 (SPEC §6.4): someone named by a token's sub and name. */
export const PersonView = Type.Object(
  { sub: ShortText("the person's token subject"), name: ShortText() },
  { additionalProperties: false },
);

export const AgencyView = Type.Object(
  { category: StringEnum(AGENCY_CATEGORIES), agent: PersonView, since: Instant },
  { description: '代办: the case is a key project followed by this agent since then' },
);

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
  status: StringEnum(CASE_STATUSES),
  currentStage: StringEnum(STAGE_CODES),
  awaiting: Nullable(StringEnum(AWAITING)),
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
  pendingMaterials: Type.Array(
    Type.Object({ itemCode: Type.String(), code: Type.String(), name: Type.String(), dueDate: IsoDate }),
    { description: '容缺: deferred materials still owed; overdue from 00:00 the day after dueDate' },
  ),
  trips: Type.Object(
    { total: Type.Integer(), byStage: Type.Record(Type.String(), Type.Integer()) },
    { description: "最多跑一次: the applicant's visits to the counter" },
  ),
  agency: Nullable(AgencyView),
  stages: Type.Array(StageView),
  escalations: Type.Array(EscalationView),
  certificates: Type.Array(CertificateView),
});
export type CaseView = Static<typeof CaseView>;

export const CaseSummaryView = Type.Omit(CaseView, ['stages', 'escalations', 'certificates', 'materials', 'pendingMaterials', 'trips', 'agency']);
export type CaseSummaryView = Static<typeof CaseSummaryView>;

export const AuditEventView = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  type: Type.String(),
  at: Instant,
  actor: ActorView,
  data: Nullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description: "null in a reviewer's view of an event about another department's task (the hashes still cover it)",
    }),
  ),
  prevHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 of the event's canonical JSON without hash" }),
});
export type AuditEventView = Static<typeof AuditEventView>;
