/**
 * The working-day calendar (SPEC §3, §4): a year's schedule, publishing one, and the deadline
 * calculator. Publishing recomputes every open case's deadlines before it answers: each case's
 * workflow gets the whole published calendar by signal and records `calendar_applied`; the
 * route then waits until the case's read model shows it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { computeDeadline, WorkingCalendar } from '../../domain/calendar.js';
import type { Actor } from '../../domain/case-types.js';
import { AppError } from '../../domain/errors.js';
import {
  findCalendarYear,
  findOpenCaseIds,
  findPublishedSchedules,
  storeCalendarYear,
  withCalendarPublicationLock,
  type CalendarYearRow,
} from '../../db/calendar.js';
import { caseWorkflowId } from '../../temporal.config.js';
import { calendarChangedSignal } from '../../workflows/case-workflow.js';
import type { AppContext } from '../app.js';
import { parseInstant } from '../instants.js';
import { actorOf } from '../auth.js';
import { DerivationView, ErrorResponse, ISO_INSTANT, ShortText } from '../schemas.js';
import { waitForCaseSynced } from '../temporal-edge.js';

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;
/** Open cases told or awaited at a time: keeps a publication from flooding Temporal. */
const CASE_CONCURRENCY = 8;
/** How long a publication waits for one case's read model before answering without it. */
const SYNC_TIMEOUT_MS = 20_000;

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

const PublishedYearView = Type.Object({
  ...CalendarYearView.properties,
  openCases: Type.Object(
    {
      signalled: Type.Integer({ description: 'open cases told of the new calendar' }),
      pending: Type.Array(Type.String(), {
        description: 'cases told but whose read model did not show the recomputed deadlines in time',
      }),
    },
    { description: 'the open cases whose deadlines were recomputed' },
  ),
});

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

async function mapWithConcurrency<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

type Told = { caseId: string; outcome: 'signalled'; awaited: boolean } | { caseId: string; outcome: 'closed' | 'failed' };

/**
 * Tells every open case's workflow. Only workflows served by this API's task queue are awaited
 * afterwards; one on another queue is told but its worker is not ours to wait for.
 */
async function signalOpenCases(
  ctx: AppContext,
  caseIds: string[],
  change: { calendar: Awaited<ReturnType<typeof findPublishedSchedules>>; year: number; actor: Actor },
): Promise<Told[]> {
  return mapWithConcurrency(caseIds, CASE_CONCURRENCY, async (caseId): Promise<Told> => {
    const handle = ctx.temporal.workflow.getHandle(caseWorkflowId(caseId));
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return { caseId, outcome: 'closed' };
      await handle.signal(calendarChangedSignal, change);
      return { caseId, outcome: 'signalled', awaited: description.taskQueue === ctx.taskQueue };
    } catch (error) {
      // Not started yet (its opening request is in flight) or closed meanwhile: nothing to recompute.
      if (error instanceof WorkflowNotFoundError) return { caseId, outcome: 'closed' };
      return { caseId, outcome: 'failed' };
    }
  });
}

async function isCaseSynced(ctx: AppContext, caseId: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), SYNC_TIMEOUT_MS + 1_000);
  });
  const synced = ctx.temporal
    .withDeadline(Date.now() + SYNC_TIMEOUT_MS, () => waitForCaseSynced(ctx.temporal, caseId))
    .then(
      () => true,
      (error: unknown) => error instanceof AppError && error.code === 'CASE_CLOSED',
    );
  try {
    return await Promise.race([synced, timeout]);
  } finally {
    clearTimeout(timer);
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
        summary: "Publish a year's schedule and recompute every open case's deadlines",
        params: YearParams,
        body: ScheduleBody,
        response: { 200: PublishedYearView, ...errors, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { year } = request.params as Static<typeof YearParams>;
      const body = request.body as ScheduleBody;
      assertValidSchedule(year, body, ctx.timeZone);
      return ctx.idempotency.run(request, reply, async () => {
        // Store first and commit (a short transaction), then tell the open cases. Two concurrent
        // publications may reach a case in either order: the workflow keeps, per year, the
        // higher version, so every case converges on what the table holds.
        const { row, calendar } = await withCalendarPublicationLock(ctx.db, async (tx) => {
          const stored = await storeCalendarYear(tx, { year, ...body }, actor);
          return { row: stored.row, calendar: await findPublishedSchedules(tx) };
        });
        ctx.resetCalendar();
        const told = await signalOpenCases(ctx, await findOpenCaseIds(ctx.db), { calendar, year, actor });

        const failed = told.filter((t) => t.outcome === 'failed').map((t) => t.caseId);
        if (failed.length > 0) {
          request.log.warn({ year, version: row.version, failed }, 'calendar published; some open cases were not told');
          throw new AppError(
            'DEPENDENCY_UNAVAILABLE',
            `calendar ${year} version ${row.version} is stored, but ${failed.length} open case(s) could not be told; repeat the request`,
            { year, version: row.version, caseIds: failed },
          );
        }
        const signalled = told.filter((t) => t.outcome === 'signalled');
        const awaited = signalled.filter((t) => t.outcome === 'signalled' && t.awaited).map((t) => t.caseId);
        const synced = await mapWithConcurrency(awaited, CASE_CONCURRENCY, async (caseId) =>
          (await isCaseSynced(ctx, caseId)) ? caseId : null,
        );
        const confirmed = new Set(synced.filter((caseId) => caseId !== null));
        const pending = signalled.map((t) => t.caseId).filter((caseId) => !confirmed.has(caseId));
        if (pending.length > 0) request.log.warn({ year, pending }, 'calendar published; some read models lag');
        return {
          statusCode: 200,
          body: { ...toCalendarYearView(year, row, ctx.timeZone), openCases: { signalled: signalled.length, pending } },
        };
      });
    },
  );
}
