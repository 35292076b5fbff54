/**
 * The working-day calendar (SPEC §3, §4): a year's schedule, publishing one, and the deadline
 * calculator. Publishing stores the year and answers at once (202); a workflow of its own
 * (workflows/calendar-publication.ts) tells every open case, whose workflow recomputes its
 * deadlines and records `calendar_applied`; GET the publication to follow it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { computeDeadline, WorkingCalendar } from '../../domain/calendar.js';
import { AppError } from '../../domain/errors.js';
import {
  findCalendarYear,
  findPublication,
  findPublicationOf,
  publicationIdOf,
  storeCalendarYear,
  withCalendarPublicationLock,
  type CalendarYearRow,
  type PublicationRow,
} from '../../db/calendar.js';
import type { AppContext } from '../app.js';
import { parseInstant } from '../instants.js';
import { actorOf } from '../auth.js';
import { DerivationView, ErrorResponse, ISO_INSTANT, Param, ShortText } from '../schemas.js';
import { startCalendarPublication } from '../temporal-edge.js';
import { viewContext } from './cases.js';

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Year = Type.Integer({ minimum: MIN_YEAR, maximum: MAX_YEAR });

const HolidayRange = Type.Object(
  { from: IsoDate, to: IsoDate, name: ShortText('e.g. 国庆节') },
  { additionalProperties: false },
);

const ScheduleBody = Type.Object(
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
type ScheduleBody = Static<typeof ScheduleBody>;

const CalendarYearView = Type.Object({
  year: Type.Integer(),
  holidays: Type.Array(Type.Object({ from: IsoDate, to: IsoDate, name: Type.String() })),
  makeUpDays: Type.Array(IsoDate),
  /** null while the year is provisional */
  version: Type.Union([Type.Integer(), Type.Null()]),
  provisional: Type.Boolean(),
  workingDays: Type.Integer(),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
});
type CalendarYearView = Static<typeof CalendarYearView>;

const PublicationView = Type.Object({
  publicationId: Type.String(),
  year: Type.Integer(),
  version: Type.Integer(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  openCases: Type.Object(
    { total: Type.Integer(), updated: Type.Integer({ description: 'open cases told of the new calendar so far' }) },
    { description: 'the open cases the publication tells (counted when it was stored)' },
  ),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

const PublishedYearView = Type.Object({
  ...CalendarYearView.properties,
  publication: PublicationView,
});

const PublicationParams = Type.Object({ publicationId: Param(40) }, { additionalProperties: false });

const YearParams = Type.Object({ year: Year }, { additionalProperties: false });

const DeadlineQuery = Type.Object(
  {
    from: Type.String({
      pattern: ISO_INSTANT,
      description: 'the acceptance (or resumption) instant, ISO 8601 with an offset; counting begins the next working day',
    }),
    workingDays: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  { additionalProperties: false },
);

const DeadlineView = Type.Object({
  from: Type.String(),
  workingDays: Type.Integer(),
  startDate: IsoDate,
  dueDate: IsoDate,
  deadline: Type.String({ description: 'the instant the due day ends, with the configured zone offset' }),
  provisional: Type.Boolean(),
  derivation: DerivationView,
});

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

function toCalendarYearView(year: number, row: CalendarYearRow | undefined, timeZone: string): CalendarYearView {
  const calendar = new WorkingCalendar(
    row ? [{ year, version: row.version, holidays: row.holidays, makeUpDays: row.makeUpDays }] : [],
    timeZone,
  );
  const schedule = calendar.scheduleOf(year);
  return {
    year,
    holidays: schedule.holidays.map((h) => ({ from: h.from, to: h.to, name: h.name })),
    makeUpDays: schedule.makeUpDays,
    version: schedule.version,
    provisional: schedule.provisional,
    workingDays: calendar.workingDaysInYear(year),
    publishedAt: row ? calendar.formatInstant(row.publishedAt.getTime()) : null,
  };
}

/** The WorkingCalendar constructor's checks: dates in the year, ranges in order, make-up days on weekends. */
function assertValidSchedule(year: number, body: ScheduleBody, timeZone: string): void {
  try {
    new WorkingCalendar([{ year, version: 1, holidays: body.holidays, makeUpDays: body.makeUpDays }], timeZone);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new AppError('VALIDATION_FAILED', error.message, { year });
  }
}

export function registerCalendarRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Registered before /v1/calendar/:year; find-my-way prefers the static segment either way.
  app.get(
    '/v1/calendar/deadline',
    {
      config: { access: ['window', 'reviewer', 'coordinator'] },
      // An unencoded '+' in a query string arrives as a space: read '… 08:00' as '…+08:00'.
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        if (typeof query.from === 'string') query.from = query.from.replace(/ (\d{2}:\d{2})$/, '+$1');
      },
      schema: {
        tags: ['calendar'],
        summary: 'Compute a deadline: counting starts the working day after `from`',
        querystring: DeadlineQuery,
        response: { 200: DeadlineView, ...errors },
      },
    },
    async (request) => {
      const { from, workingDays } = request.query as Static<typeof DeadlineQuery>;
      const fromMs = parseInstant(from, 'from');
      const calendar = await ctx.calendar();
      const localYear = Number(calendar.localDate(fromMs).slice(0, 4));
      if (localYear < MIN_YEAR || localYear > MAX_YEAR) {
        throw new AppError('VALIDATION_FAILED', `from must fall in the years ${MIN_YEAR} to ${MAX_YEAR}`, { field: 'from' });
      }
      const { startDate, dueDate, deadlineMs, derivation } = computeDeadline(calendar, fromMs, workingDays);
      return {
        from: calendar.formatInstant(fromMs),
        workingDays,
        startDate,
        dueDate,
        deadline: calendar.formatInstant(deadlineMs),
        provisional: derivation.provisional,
        derivation,
      };
    },
  );

  app.get(
    '/v1/calendar/:year',
    {
      config: { access: ['window', 'reviewer', 'coordinator'] },
      schema: {
        tags: ['calendar'],
        summary: "A year's schedule: published, or provisional (statutory holidays only)",
        params: YearParams,
        response: { 200: CalendarYearView, ...errors },
      },
    },
    async (request) => {
      const { year } = request.params as Static<typeof YearParams>;
      return toCalendarYearView(year, await findCalendarYear(ctx.db, year), ctx.timeZone);
    },
  );

  app.put(
    '/v1/calendar/:year',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['calendar'],
        summary: "Publish a year's schedule; its open cases' deadlines are recomputed in the background (GET the publication for progress)",
        params: YearParams,
        body: ScheduleBody,
        response: { 202: PublishedYearView, ...errors, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { year } = request.params as Static<typeof YearParams>;
      const body = request.body as ScheduleBody;
      assertValidSchedule(year, body, ctx.timeZone);
      return ctx.idempotency.run(request, reply, async () => {
        // Store and commit (a short transaction), then start the workflow that tells the open
        // cases. The same schedule again stores nothing and finds the publication that carried it.
        const { row } = await withCalendarPublicationLock(ctx.db, (tx) => storeCalendarYear(tx, { year, ...body }, actor));
        ctx.resetCalendar();
        let publication = await findPublicationOf(ctx.db, year, row.version);
        if (publication?.publicationId) {
          // started here, or by an earlier attempt that died before starting it: starting is idempotent
          await startCalendarPublication(ctx.temporal, ctx.taskQueue, {
            publicationId: publication.publicationId,
            year,
            version: row.version,
            actor,
          });
          publication = (await findPublicationOf(ctx.db, year, row.version)) ?? publication;
        }
        const view = await viewContext(ctx);
        return {
          statusCode: 202,
          body: {
            ...toCalendarYearView(year, row, ctx.timeZone),
            publication: toPublicationView(view.calendar, year, row.version, publication),
          },
        };
      });
    },
  );

  app.get(
    '/v1/calendar/publications/:publicationId',
    {
      config: { access: ['coordinator'] },
      schema: {
        tags: ['calendar'],
        summary: "A calendar publication's progress in carrying the year to the open cases",
        params: PublicationParams,
        response: { 200: PublicationView, ...errors },
      },
    },
    async (request) => {
      const { publicationId } = request.params as Static<typeof PublicationParams>;
      const row = await findPublication(ctx.db, publicationId);
      if (!row) throw new AppError('NOT_FOUND', `publication ${publicationId} not found`);
      const view = await viewContext(ctx);
      return toPublicationView(view.calendar, row.year, row.version, row);
    },
  );
}

/** SPEC §4 *Publication*. Seeded schedules were never carried anywhere: they read as done. */
function toPublicationView(calendar: WorkingCalendar, year: number, version: number, row: PublicationRow | undefined) {
  return {
    publicationId: row?.publicationId ?? publicationIdOf(year, version),
    year,
    version,
    status: (row?.status ?? 'done') as 'running' | 'done',
    openCases: { total: row?.openCasesTotal ?? 0, updated: row?.openCasesUpdated ?? 0 },
    startedAt: row ? calendar.formatInstant(row.publishedAt.getTime()) : null,
    finishedAt: row?.finishedAt ? calendar.formatInstant(row.finishedAt.getTime()) : null,
  };
}
