/** The monthly bulletin's shapes (SPEC §6.5): the query, the JSON answer and its CSV form. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Instant, IsoDate, Nullable, StringEnum } from '../../schemas.js';

/*
 * @fastify/swagger copies the schemas of a response given per media type (`content`) into OpenAPI
 * 3.0 as they are, without turning `examples` into `example` as it does elsewhere; 3.0 allows no
 * `examples` in a schema, so the shared date and instant shapes are used here without them.
 */
const withoutExamples = <T extends TSchema>(schema: T): T => {
  const { examples: _examples, ...rest } = schema;
  return rest as T;
};

export const BULLETIN_FORMATS = ['json', 'csv'] as const;

export const BulletinQuery = Type.Object(
  {
    month: Type.String({ pattern: '^[1-9][0-9]{3}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, not after the current month', examples: ['2026-05'] }),
    format: Type.Optional(StringEnum(BULLETIN_FORMATS, { description: 'json (default) or csv' })),
  },
  { additionalProperties: false },
);

const BulletinFigures = Type.Object({
  tasksDecided: Type.Integer({ description: '/v1/stats decided over the month' }),
  onTime: Type.Integer(),
  onTimeRate: Nullable(Type.Number({ description: 'onTime ÷ tasksDecided; null when nothing was decided' })),
  overdueAtMonthEnd: Type.Integer({ description: 'tasks running past their deadline at overdueAt' }),
  escalationsOpened: Type.Object(
    { 1: Type.Integer(), 2: Type.Integer(), 3: Type.Integer() },
    { description: 'escalations opened in the month (local dates) by level; a whole case’s count for the city only' },
  ),
  avgUsedWorkingDays: Nullable(Type.Number()),
  avgCommittedWorkingDays: Nullable(Type.Number()),
});

export const BulletinView = Type.Object({
  month: Type.String({ description: 'YYYY-MM' }),
  from: withoutExamples(IsoDate),
  to: withoutExamples(IsoDate),
  overdueAt: withoutExamples(Instant),
  departments: Type.Array(
    Type.Composite([Type.Object({ department: Type.String(), rank: Type.Integer({ minimum: 1 }) }), BulletinFigures]),
    { description: 'every department of the current catalog, by rank: on-time rate highest first, nothing decided last, then fewer overdue, then code' },
  ),
  city: BulletinFigures,
});
export type BulletinView = Static<typeof BulletinView>;

export const BULLETIN_CSV_COLUMNS = [
  'department',
  'tasksDecided',
  'onTime',
  'onTimeRate',
  'overdueAtMonthEnd',
  'escalations1',
  'escalations2',
  'escalations3',
  'avgUsedWorkingDays',
  'avgCommittedWorkingDays',
  'rank',
] as const;

/** 200 as JSON (format=json) or CSV (format=csv): both documented, the JSON one also serializes the answer. */
export const BulletinResponse = {
  description: 'the month’s bulletin',
  content: {
    'application/json': { schema: BulletinView },
    'text/csv': {
      schema: Type.String({
        description: `UTF-8, CRLF lines: a header row (${BULLETIN_CSV_COLUMNS.join(',')}), a row per department by rank, then the city (department "city", rank empty); rates as decimals, null as empty`,
      }),
    },
  },
};
