/**
 * Publishing working-day schedules (table `calendar_years`) and the progress of carrying each
 * publication to the open cases (table `calendar_publications`; the carrying is a workflow,
 * workflows/calendar-publication.ts). Storing runs under one transaction-scoped advisory lock,
 * so two administrators publishing at once store their versions one after the other.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { HolidayRange, YearSchedule } from '../domain/calendar.js';
import type { Actor } from '../domain/case-types.js';
import type { Database } from './client.js';
import { calendarPublications, calendarYears, cases } from './schema.js';

export type CalendarYearRow = typeof calendarYears.$inferSelect;
/** The database or a transaction on it. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** A year's schedule as an administrator submits it. */
export interface ScheduleInput {
  year: number;
  holidays: HolidayRange[];
  makeUpDays: string[];
}

export async function findCalendarYear(db: Executor, year: number): Promise<CalendarYearRow | undefined> {
  const [row] = await db.select().from(calendarYears).where(eq(calendarYears.year, year));
  return row;
}

/** Every published year, oldest first: what a case workflow's calendar is built from. */
export async function findPublishedSchedules(db: Executor): Promise<YearSchedule[]> {
  const rows = await db.select().from(calendarYears).orderBy(asc(calendarYears.year));
  return rows.map((r) => ({ year: r.year, version: r.version, holidays: r.holidays, makeUpDays: r.makeUpDays }));
}


/** Runs `work` in a transaction holding the calendar publication lock. */
export async function withCalendarPublicationLock<T>(db: Database, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('calendar_years:publish'))`);
    return work(tx);
  });
}

/** Holidays by date, make-up days sorted: stored and compared in one canonical order. */
function canonicalSchedule(input: Pick<ScheduleInput, 'holidays' | 'makeUpDays'>) {
  const holidays = input.holidays
    .map((h) => ({ from: h.from, to: h.to, name: h.name }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.name.localeCompare(b.name));
  return { holidays, makeUpDays: [...input.makeUpDays].sort() };
}

function sameSchedule(a: ReturnType<typeof canonicalSchedule>, b: ReturnType<typeof canonicalSchedule>): boolean {
  return JSON.stringify([a.holidays.map((h) => [h.from, h.to, h.name]), a.makeUpDays]) ===
    JSON.stringify([b.holidays.map((h) => [h.from, h.to, h.name]), b.makeUpDays]);
}

/**
 * Stores a year's schedule as the next version (1 for a year never published). Publishing the
 * schedule already in force keeps its version (`changed: false`), so a retried PUT stores
 * nothing new. Call under withCalendarPublicationLock.
 */
export async function storeCalendarYear(
  tx: Executor,
  input: ScheduleInput,
  publishedBy: Actor,
): Promise<{ row: CalendarYearRow; changed: boolean }> {
  const schedule = canonicalSchedule(input);
  const current = await findCalendarYear(tx, input.year);
  if (current && sameSchedule(canonicalSchedule(current), schedule)) return { row: current, changed: false };
  const values = {
    year: input.year,
    version: (current?.version ?? 0) + 1,
    holidays: schedule.holidays,
    makeUpDays: schedule.makeUpDays,
    publishedAt: new Date(),
    publishedBy,
  };
  const [row] = await tx
    .insert(calendarYears)
    .values(values)
    .onConflictDoUpdate({ target: calendarYears.year, set: values })
    .returning();
  if (!row) throw new Error(`calendar ${input.year} was not stored`);
  const openCases = await tx.select({ n: sql<number>`count(*)::int` }).from(cases).where(eq(cases.status, 'open'));
  await tx.insert(calendarPublications).values({
    ...values,
    publicationId: publicationIdOf(input.year, values.version),
    status: 'running',
    openCasesTotal: openCases[0]?.n ?? 0,
  });
  return { row, changed: true };
}

/** A publication's ID: the year and the version it published. */
export function publicationIdOf(year: number, version: number): string {
  return `${year}-v${version}`;
}

export type PublicationRow = typeof calendarPublications.$inferSelect;

export async function findPublication(db: Executor, publicationId: string): Promise<PublicationRow | undefined> {
  const [row] = await db.select().from(calendarPublications).where(eq(calendarPublications.publicationId, publicationId));
  return row;
}

/** The publication that carried (or carries) a year's version to the open cases. */
export async function findPublicationOf(db: Executor, year: number, version: number): Promise<PublicationRow | undefined> {
  const [row] = await db
    .select()
    .from(calendarPublications)
    .where(and(eq(calendarPublications.year, year), eq(calendarPublications.version, version)));
  return row;
}

/** Open case IDs after `after` (keyset), for a publication to tell in batches. */
export async function findOpenCaseIdsAfter(db: Executor, after: string | null, limit: number): Promise<string[]> {
  const rows = await db
    .select({ caseId: cases.caseId })
    .from(cases)
    .where(after === null ? eq(cases.status, 'open') : and(eq(cases.status, 'open'), gt(cases.caseId, after)))
    .orderBy(asc(cases.caseId))
    .limit(limit);
  return rows.map((r) => r.caseId);
}

/** Records how many open cases a publication has told, and whether it is done. */
export async function recordPublicationProgress(db: Executor, publicationId: string, updated: number, done: boolean): Promise<void> {
  await db
    .update(calendarPublications)
    .set({ openCasesUpdated: updated, ...(done ? { status: 'done', finishedAt: new Date() } : {}) })
    .where(eq(calendarPublications.publicationId, publicationId));
}
