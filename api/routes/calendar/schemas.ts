/** The working-day calendar's shapes (SPEC §3, §4): a year's schedule, a publication, a deadline. */
import { Type, type Static } from '@sinclair/typebox';
import { DerivationView, ISO_INSTANT, IsoDate, Nullable, Param, ShortText, StringEnum } from '../../schemas.js';

export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

export const Year = Type.Integer({ minimum: MIN_YEAR, maximum: MAX_YEAR });

export const HolidayRange = Type.Object(
  { from: IsoDate, to: IsoDate, name: ShortText('e.g. 国庆节') },
  { additionalProperties: false },
);

export const ScheduleBody = Type.Object(
  {
    holidays: Type.Array(HolidayRange, { maxItems: 100, description: 'public holidays (放假), ranges inclusive' }),
    makeUpDays: Type.Array(IsoDate, {
      maxItems: 100,
      uniqueItems: true,
      description: 'weekend days worked instead (调休上班)',
    }),
  },
  { additionalProperties: false },
);
export type ScheduleBody = Static<typeof ScheduleBody>;

export const CalendarYearView = Type.Object({
  year: Type.Integer(),
  holidays: Type.Array(Type.Object({ from: IsoDate, to: IsoDate, name: Type.String() })),
  makeUpDays: Type.Array(IsoDate),
  /** null while the year is provisional */
  version: Nullable(Type.Integer()),
  provisional: Type.Boolean(),
  workingDays: Type.Integer(),
  publishedAt: Nullable(Type.String()),
});
export type CalendarYearView = Static<typeof CalendarYearView>;

export const PublicationView = Type.Object({
  publicationId: Type.String(),
  year: Type.Integer(),
  version: Type.Integer(),
  status: StringEnum(['running', 'done'] as const),
  openCases: Type.Object(
    { total: Type.Integer(), updated: Type.Integer({ description: 'open cases told of the new calendar so far' }) },
    { description: 'the open cases the publication tells (counted when it was stored)' },
  ),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});

export const PublishedYearView = Type.Object({
  ...CalendarYearView.properties,
  publication: PublicationView,
});

export const PublicationParams = Type.Object({ publicationId: Param(40) }, { additionalProperties: false });

export const YearParams = Type.Object({ year: Year }, { additionalProperties: false });

export const DeadlineQuery = Type.Object(
  {
    from: Type.String({
      pattern: ISO_INSTANT,
      description: 'the acceptance (or resumption) instant, ISO 8601 with an offset; counting begins the next working day',
    }),
    workingDays: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  { additionalProperties: false },
);

export const DeadlineView = Type.Object({
  from: Type.String(),
  workingDays: Type.Integer(),
  startDate: IsoDate,
  dueDate: IsoDate,
  deadline: Type.String({ description: 'the instant the due day ends, with the configured zone offset' }),
  provisional: Type.Boolean(),
  derivation: DerivationView,
});

