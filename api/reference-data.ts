/**
 * The API's reference data (the catalog, the clock rules, the published calendar years) held in
 * memory and refreshed when it changes, instead of read on every request. Changes are rare
 * (an administrator publishing a year, a new catalog version on deploy); a short time-to-live
 * bounds how long another process may serve an old copy, and this process drops its copy at
 * once when it publishes.
 */
import { WorkingCalendar, type YearSchedule } from '../domain/calendar.js';
import type { Catalog } from '../domain/catalog.js';
import type { ClockRules } from '../domain/case-types.js';
import type { Database } from '../db/client.js';
import { findCalendarYears, getLatestCatalog, getRules } from '../db/queries.js';

const TIME_TO_LIVE_MS = 30_000;

export interface ReferenceData {
  /** the working calendar as published now */
  calendar(): Promise<WorkingCalendar>;
  calendarYears(): Promise<YearSchedule[]>;
  /** the latest catalog version */
  catalog(): Promise<Catalog>;
  /** the clock rules in force */
  rules(): Promise<Required<ClockRules>>;
  /**
   * Whether `code` is a department of the latest catalog; null while the catalog could not be
   * read yet (the database was down when this process started). Synchronous: token checks
   * need it on every request.
   */
  isDepartment(code: string): boolean | null;
  /** drops every cached copy (after this process published something) */
  invalidate(): void;
}

interface Snapshot {
  at: number;
  value: Promise<{ years: YearSchedule[]; calendar: WorkingCalendar; catalog: Catalog; rules: Required<ClockRules> }>;
}

export async function loadReferenceData(db: Database, timeZone: string): Promise<ReferenceData> {
  let snapshot: Snapshot | null = null;
  let departments: Set<string> | null = null;

  const current = (): Snapshot['value'] => {
    if (!snapshot || Date.now() - snapshot.at > TIME_TO_LIVE_MS) {
      const value = Promise.all([findCalendarYears(db), getLatestCatalog(db), getRules(db)]).then(([years, catalog, rules]) => {
        departments = new Set(catalog.departments.map((d) => d.code));
        return { years, calendar: new WorkingCalendar(years, timeZone), catalog, rules };
      });
      // a failed load (database down) is not kept: the next request tries again
      value.catch(() => (snapshot = null));
      snapshot = { at: Date.now(), value };
    }
    return snapshot.value;
  };
  // Started while the database is down, the API still answers (503s) and loads on first need.
  await current().catch(() => undefined);

  return {
    calendar: async () => (await current()).calendar,
    calendarYears: async () => (await current()).years,
    catalog: async () => (await current()).catalog,
    rules: async () => (await current()).rules,
    isDepartment: (code) => {
      if (departments === null) void current().catch(() => undefined);
      return departments === null ? null : departments.has(code);
    },
    invalidate: () => {
      snapshot = null;
    },
  };
}
