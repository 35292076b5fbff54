/**
 * The working-day calendar (SPEC §3, §4): a year's schedule, publishing one, and the deadline
 * calculator. Publishing stores the year and answers at once (202); a workflow of its own
 * (workflows/calendar-publication.ts) tells every open case, whose workflow recomputes its
 * deadlines and records `calendar_applied`; GET the publication to follow it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { computeDeadline, WorkingCalendar } from '../../../domain/calendar.js';
import { AppError } from '../../../domain/errors.js';
import {
  findCalendarYear,
  findPublication,
  findPublicationOf,
  publicationIdOf,
  storeCalendarYear,
  withCalendarPublicationLock,
  type CalendarYearRow,
  type PublicationRow,
} from '../../../db/calendar.js';
import { actorOf } from '../../auth.js';
import { parseInstant } from '../../instants.js';
import { viewContext } from '../../reads.js';
import { startCalendarPublication } from '../../temporal-edge.js';
import {
  CalendarYearView,
  DeadlineQuery,
  DeadlineView,
  MAX_YEAR,
  MIN_YEAR,
  PublicationParams,
  PublicationView,
  PublishedYearView,
  ScheduleBody,
  YearParams,
} from './schemas.js';

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

export const calendarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Registered before /v1/calendar/:year; find-my-way prefers the static segment either way.
  app.get(
    '/v1/calendar/deadline',
    {
      // An unencoded '+' in a query string arrives as a space: read '… 08:00' as '…+08:00'.
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        if (typeof query.from === 'string') query.from = query.from.replace(/ (\d{2}:\d{2})$/, '+$1');
      },
      schema: {
        tags: ['calendar'],
        summary: 'Compute a deadline: counting starts the working day after `from`',
        querystring: DeadlineQuery,
        response: { 200: DeadlineView },
      },
    },
    async (request) => {
      const { from, workingDays } = request.query;
      const fromMs = parseInstant(from, 'from');
      const calendar = await app.reference.calendar();
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
      schema: {
        tags: ['calendar'],
        summary: "A year's schedule: published, or provisional (statutory holidays only)",
        params: YearParams,
        response: { 200: CalendarYearView },
      },
    },
    async (request) => {
      const { year } = request.params;
      return toCalendarYearView(year, await findCalendarYear(app.db, year), app.timeZone);
    },
  );

  app.put(
    '/v1/calendar/:year',
    {
      schema: {
        tags: ['calendar'],
        summary: "Publish a year's schedule; its open cases' deadlines are recomputed in the background (GET the publication for progress)",
        params: YearParams,
        body: ScheduleBody,
        response: { 202: PublishedYearView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { year } = request.params;
      const body = request.body;
      assertValidSchedule(year, body, app.timeZone);
      return app.idempotency.run(request, reply, async () => {
        // Store and commit (a short transaction), then start the workflow that tells the open
        // cases. The same schedule again stores nothing and finds the publication that carried it.
        const { row } = await withCalendarPublicationLock(app.db, (tx) => storeCalendarYear(tx, { year, ...body }, actor));
        app.reference.invalidate();
        let publication = await findPublicationOf(app.db, year, row.version);
        if (publication?.publicationId) {
          // started here, or by an earlier attempt that died before starting it: starting is idempotent
          await startCalendarPublication(app.temporal, app.taskQueue, {
            publicationId: publication.publicationId,
            year,
            version: row.version,
            actor,
          });
          publication = (await findPublicationOf(app.db, year, row.version)) ?? publication;
        }
        const view = await viewContext(app);
        return {
          statusCode: 202,
          body: {
            ...toCalendarYearView(year, row, app.timeZone),
            publication: toPublicationView(view.calendar, year, row.version, publication),
          },
        };
      });
    },
  );

  app.get(
    '/v1/calendar/publications/:publicationId',
    {
      schema: {
        tags: ['calendar'],
        summary: "A calendar publication's progress in carrying the year to the open cases",
        params: PublicationParams,
        response: { 200: PublicationView },
      },
    },
    async (request) => {
      const { publicationId } = request.params;
      const row = await findPublication(app.db, publicationId);
      if (!row) throw new AppError('NOT_FOUND', `publication ${publicationId} not found`);
      const view = await viewContext(app);
      return toPublicationView(view.calendar, row.year, row.version, row);
    },
  );
};

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
