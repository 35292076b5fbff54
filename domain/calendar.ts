/**
 * Working-day calendar and deadline math (SPEC §3, "Clock rules").
 *
 * Runs inside the Temporal workflow sandbox, so everything here is pure and deterministic:
 * instants come in as epoch milliseconds, calendar dates as 'YYYY-MM-DD' strings, and the only
 * ambient API used is Intl.DateTimeFormat, to read a time zone's offset at an instant.
 * A calendar is immutable: publishing a year's schedule means building a new WorkingCalendar.
 */
import { lunarDatesOf } from './lunar-dates.js';
import { provisionalWorkingDays } from './provisional-working-days.js';

export type IsoDate = string; // 'YYYY-MM-DD'
export interface HolidayRange { from: IsoDate; to: IsoDate; name: string }
/** A year's schedule as published by the State Council (or an administrator). */
export interface YearSchedule { year: number; holidays: HolidayRange[]; makeUpDays: IsoDate[]; version: number }
export interface Derivation {
  /** the instant counting follows, ISO with the zone's offset */
  from: string;
  /** first working day strictly after the local date of `from` */
  startDate: IsoDate;
  workingDays: number;
  dueDate: IsoDate;
  /** the N working days counted */
  countedDays: IsoDate[];
  /** non-working days between the local date of `from` (exclusive) and dueDate */
  skipped: { date: IsoDate; reason: 'weekend' | 'holiday' }[];
  /** weekend make-up working days (调休上班) among countedDays */
  makeUpDaysUsed: IsoDate[];
  /** which schedules were used, e.g. '2026@1' or '2026@1,2027@provisional' */
  calendarVersion: string;
  /** true if a day the derivation looked at falls in a year without a published schedule */
  provisional: boolean;
}
export interface Deadline { startDate: IsoDate; dueDate: IsoDate; deadlineMs: number; derivation: Derivation }
export interface DayClass { working: boolean; reason?: 'weekend' | 'holiday'; makeUp: boolean; provisional: boolean }

/**
 * One formatter per zone for every calendar (building one is costly, and calendars are built per
 * case). Throws RangeError for an unknown zone, so a bad configuration fails at start.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;
const MEMO_LIMIT = 4_096;

/** Keeps an answer in a memo, forgetting all when the memo is full (they are cheap to recompute). */
function remember<K, V>(memo: Map<K, V>, key: K, value: V): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01; throws on anything but a real 'YYYY-MM-DD' date. */
/*
 * Dates and day numbers are converted constantly (every working day counted is one), so both
 * directions are kept once computed: a few tens of thousands of days at most.
 */
const dayNumbers = new Map<string, number>();
const datesOfDayNumbers = new Map<number, IsoDate>();

function toDayNumber(date: IsoDate): number {
  const known = dayNumbers.get(date);
  if (known !== undefined) return known;
  const match = ISO_DATE.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (Number.isNaN(ms) || fromDayNumber(ms / DAY_MS) !== date) {
    throw new RangeError(`not a calendar date (YYYY-MM-DD): ${String(date)}`);
  }
  if (dayNumbers.size >= 100_000) dayNumbers.clear();
  dayNumbers.set(date, ms / DAY_MS);
  return ms / DAY_MS;
}

function fromDayNumber(day: number): IsoDate {
  const known = datesOfDayNumbers.get(day);
  if (known !== undefined) return known;
  const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
  if (datesOfDayNumbers.size >= 100_000) datesOfDayNumbers.clear();
  datesOfDayNumbers.set(day, date);
  return date;
}

/** The date `n` calendar days after `date` (n may be negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  return fromDayNumber(toDayNumber(date) + n);
}

function isWeekend(date: IsoDate): boolean {
  const weekday = (((toDayNumber(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 is Sunday
  return weekday === 0 || weekday === 6;
}

function yearOf(date: IsoDate): number {
  return Number(date.slice(0, 4));
}

function datesOf(range: HolidayRange): IsoDate[] {
  const dates: IsoDate[] = [];
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

function assertCount(n: number, min: number, what: string): void {
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${what} must be an integer >= ${min}, got ${n}`);
}

/** Rejects schedules the day rules below could not interpret unambiguously. */
function assertValidSchedule(s: YearSchedule): void {
  const fail = (why: string): never => { throw new RangeError(`calendar ${s.year}: ${why}`); };
  if (!Number.isInteger(s.year) || s.year < 1000 || s.year > 9999) fail('year must be a four-digit integer');
  if (!Number.isInteger(s.version) || s.version < 1) fail('version must be a positive integer');
  const inYear = (d: IsoDate) => { toDayNumber(d); if (yearOf(d) !== s.year) fail(`${d} is not in ${s.year}`); };
  const holidays = new Set<IsoDate>();
  for (const h of s.holidays) {
    inYear(h.from);
    inYear(h.to);
    if (h.from > h.to) fail(`holiday ${h.name} ends before it starts`);
    if (h.name.trim() === '') fail('a holiday needs a name');
    datesOf(h).forEach((d) => holidays.add(d));
  }
  for (const d of s.makeUpDays) {
    inYear(d);
    if (!isWeekend(d)) fail(`make-up working day ${d} is not a Saturday or Sunday`);
    if (holidays.has(d)) fail(`${d} is both a holiday and a make-up working day`);
  }
}

/**
 * Statutory holidays fixed by law (全国年节及纪念日放假办法, 2024 revision), for a year with no
 * published schedule: 元旦, 春节 (除夕 through 正月初三), 清明, 劳动节 (05-01–05-02), 端午, 中秋,
 * 国庆 (10-01–10-03). Lunar and solar-term dates come from a table (domain/lunar-dates.ts). Ranges may overlap (中秋 can
 * fall inside 国庆); no make-up days are invented.
 */
export function computeStatutoryHolidays(year: number): HolidayRange[] {
  assertCount(year, 1000, 'year');
  const { springFestival, qingming, dragonBoat, midAutumn } = lunarDatesOf(year);
  const oneDay = (date: IsoDate, name: string) => ({ from: date, to: date, name });
  return [
    { from: `${year}-01-01`, to: `${year}-01-01`, name: '元旦' },
    // 除夕 is the eve of 正月初一 (the 29th or 30th of the previous lunar year's last month)
    { from: addDays(springFestival, -1), to: addDays(springFestival, 2), name: '春节' },
    oneDay(qingming, '清明节'),
    { from: `${year}-05-01`, to: `${year}-05-02`, name: '劳动节' },
    oneDay(dragonBoat, '端午节'),
    oneDay(midAutumn, '中秋节'),
    { from: `${year}-10-01`, to: `${year}-10-03`, name: '国庆节' },
  ];
}

interface YearRules {
  /** the days of the year classified so far under these rules */
  days: Map<IsoDate, DayClass>;
  holidays: Set<IsoDate>;
  makeUpDays: Set<IsoDate>;
  version: number | null;
  /** the year and every day its rules set apart: two calendars with equal keys count the year alike */
  key: string;
}

/**
 * Running working-day counts per year (see WorkingCalendar.runningCountOf), shared by every
 * calendar: a case's calendar is built for each case (and each workflow), and counting from the
 * board's anchor year 2000 would otherwise classify some ten thousand days per calendar. Keyed by
 * the year's rules, so a memo entry is a pure function of its key.
 */
const runningCounts = new Map<string, Int32Array>();

/**
 * What every calendar would otherwise build for itself, shared the same way by the calendars of
 * one process (the API builds one for each case it opens): a zone's offsets by quarter hour, and
 * each year's rules by the schedule they come from, with the days already classified under them.
 * Each entry is a pure function of its key. (In the workflow sandbox every workflow starts with
 * these empty: the SDK gives each its own module state; see workingDaysOfYear.)
 */
const zoneOffsets = new Map<string, Map<number, number>>();
const yearRules = new Map<string, YearRules>();

/** Working days (Mon–Fri minus holidays, plus 调休上班 make-up days) and local time in one zone. */
export class WorkingCalendar {
  readonly timeZone: string;
  private readonly published = new Map<number, YearSchedule>();
  private readonly rules = new Map<number, YearRules>(); // built lazily, per year
  private readonly formatter: Intl.DateTimeFormat;
  /*
   * Memos: a calendar never changes, and deadlines are recomputed often (every timer scan of a
   * case, every board moment), so each answer is computed once. Bounded, cleared when full.
   */
  private readonly offsets: Map<number, number>;
  /** @internal computeDeadline's memo */
  readonly deadlines = new Map<string, Deadline>();

  constructor(published: YearSchedule[], timeZone: string) {
    for (const s of published) {
      assertValidSchedule(s);
      if (this.published.has(s.year)) throw new RangeError(`calendar ${s.year}: two schedules given`);
      this.published.set(s.year, {
        year: s.year,
        version: s.version,
        holidays: s.holidays.map((h) => ({ ...h })),
        makeUpDays: [...s.makeUpDays],
      });
    }
    this.timeZone = timeZone;
    this.formatter = formatterOf(timeZone);
    let offsets = zoneOffsets.get(timeZone);
    if (!offsets) zoneOffsets.set(timeZone, (offsets = new Map()));
    this.offsets = offsets;
  }

  /** the published schedule of a year, or the provisional one computed from the statutory holidays */
  scheduleOf(year: number): { year: number; holidays: HolidayRange[]; makeUpDays: IsoDate[]; version: number | null; provisional: boolean } {
    const s = this.published.get(year);
    if (s) return { year, holidays: s.holidays.map((h) => ({ ...h })), makeUpDays: [...s.makeUpDays], version: s.version, provisional: false };
    return { year, holidays: computeStatutoryHolidays(year), makeUpDays: [], version: null, provisional: true };
  }

  isWorkingDay(date: IsoDate): boolean {
    return this.classify(date).working;
  }

  /** A holiday on a weekend is reported as 'holiday': it is the holiday that made it a day off. */
  classify(date: IsoDate): DayClass {
    const weekend = isWeekend(date); // also rejects a malformed date before any lookup
    const rules = this.rulesOf(yearOf(date));
    const known = rules.days.get(date);
    if (known) return known;
    const provisional = rules.version === null;
    const day: DayClass = rules.makeUpDays.has(date)
      ? { working: true, makeUp: true, provisional }
      : rules.holidays.has(date)
        ? { working: false, reason: 'holiday', makeUp: false, provisional }
        : weekend
          ? { working: false, reason: 'weekend', makeUp: false, provisional }
          : { working: true, makeUp: false, provisional };
    rules.days.set(date, day); // at most a year's days
    return day;
  }

  workingDaysInYear(year: number): number {
    assertCount(year, 1000, 'year');
    return this.countWorkingDays(`${year}-01-01`, `${year + 1}-01-01`);
  }

  /** local calendar date in timeZone */
  localDate(instantMs: number): IsoDate {
    return fromDayNumber(Math.floor((instantMs + this.offsetAt(instantMs)) / DAY_MS));
  }

  /**
   * Epoch ms of the first instant of `date` locally: 00:00, or, where a DST change skips
   * midnight (e.g. America/Santiago), the instant the clocks jump.
   */
  startOfDay(date: IsoDate): number {
    const wall = toDayNumber(date) * DAY_MS; // 00:00 of `date` read as if it were UTC
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    const candidates = [wall - before, wall - after].filter((t) => this.offsetAt(t) === wall - t);
    if (candidates.length > 0) return Math.min(...candidates); // two when midnight repeats: take the first
    // Midnight falls in a gap: bisect for the transition between the two offsets.
    let lo = wall - after;
    let hi = wall - before;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid) === after) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /** epoch ms of 23:59:59.999 local: the end of the day (24:00) minus 1 ms, whatever its length */
  endOfDay(date: IsoDate): number {
    return this.startOfDay(addDays(date, 1)) - 1;
  }

  /** ISO 8601 with the zone's offset at that instant: '2026-09-24T23:59:59.999+08:00' */
  formatInstant(instantMs: number): string {
    const offset = this.offsetAt(instantMs);
    const minutes = Math.round(Math.abs(offset) / 60_000);
    const sign = offset < 0 ? '-' : '+';
    const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    return `${new Date(instantMs + offset).toISOString().slice(0, 23)}${sign}${hh}:${mm}`;
  }

  /** strictly after */
  nextWorkingDayAfter(date: IsoDate): IsoDate {
    let d = addDays(date, 1);
    while (!this.isWorkingDay(d)) d = addDays(d, 1);
    return d;
  }

  /** the n-th working day counting `start` inclusive (n >= 1; start need not itself be a working day) */
  addWorkingDays(start: IsoDate, n: number): IsoDate {
    assertCount(n, 1, 'working days');
    let d = this.isWorkingDay(start) ? start : this.nextWorkingDayAfter(start);
    for (let counted = 1; counted < n; counted++) d = this.nextWorkingDayAfter(d);
    return d;
  }

  /** working days in [fromInclusive, toExclusive) */
  countWorkingDays(fromInclusive: IsoDate, toExclusive: IsoDate): number {
    const from = toDayNumber(fromInclusive);
    const to = toDayNumber(toExclusive);
    if (to <= from) return 0;
    // by running counts per year: the rest of the first year, whole years between, the start of the last
    const fromYear = yearOf(fromInclusive);
    const toYear = yearOf(toExclusive);
    const indexIn = (year: number, day: number) => day - toDayNumber(`${year}-01-01`);
    if (fromYear === toYear) {
      const counts = this.runningCountOf(fromYear);
      return counts[indexIn(toYear, to)]! - counts[indexIn(fromYear, from)]!;
    }
    const fromStart = indexIn(fromYear, from);
    // the rest of the first year: a whole year when it starts on 1 January
    let count = this.workingDaysOfYear(fromYear) - (fromStart === 0 ? 0 : this.runningCountOf(fromYear)[fromStart]!);
    for (let year = fromYear + 1; year < toYear; year += 1) count += this.workingDaysOfYear(year);
    return count + this.runningCountOf(toYear)[indexIn(toYear, to)]!;
  }

  /**
   * A whole year's working days: for a year this calendar has no schedule for, from the table of
   * provisional years (counting from the board's anchor in 2000 would otherwise classify every
   * day since, in every workflow, whose calendar is new with each case), else counted.
   */
  private workingDaysOfYear(year: number): number {
    const provisional = this.published.has(year) ? undefined : provisionalWorkingDays(year);
    return provisional ?? this.runningCountOf(year).at(-1)!;
  }

  /**
   * For each day of the year, the working days of that year before it (and the year's total
   * last). Shared by every calendar with the same rules for the year (see runningCounts).
   */
  private runningCountOf(year: number): Int32Array {
    const key = this.rulesOf(year).key;
    let counts = runningCounts.get(key);
    if (!counts) {
      const first = toDayNumber(`${year}-01-01`);
      const days = toDayNumber(`${year + 1}-01-01`) - first;
      counts = new Int32Array(days + 1);
      for (let i = 0; i < days; i += 1) counts[i + 1] = counts[i]! + (this.isWorkingDay(fromDayNumber(first + i)) ? 1 : 0);
      remember(runningCounts, key, counts);
    }
    return counts;
  }

  /**
   * Offset of local wall-clock time from UTC at an instant, in ms (whole seconds). Zones change
   * offset on quarter hours, so the offset is the same for a whole quarter hour and kept per one.
   */
  private offsetAt(instantMs: number): number {
    const quarter = Math.floor(instantMs / QUARTER_HOUR_MS);
    const known = this.offsets.get(quarter);
    if (known !== undefined) return known;
    const part: Record<string, number> = {};
    for (const p of this.formatter.formatToParts(instantMs)) part[p.type] = Number(p.value);
    const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour! % 24, part.minute!, part.second!);
    const offset = wall - Math.floor(instantMs / 1000) * 1000;
    remember(this.offsets, quarter, offset);
    return offset;
  }

  private rulesOf(year: number): YearRules {
    let rules = this.rules.get(year);
    if (!rules) {
      const published = this.published.get(year);
      const source = published ? `${year}|${published.version}|${JSON.stringify(published.holidays)}|${published.makeUpDays.join(',')}` : `${year}|provisional`;
      rules = yearRules.get(source);
      if (!rules) {
        const s = this.scheduleOf(year);
        const holidays = [...new Set(s.holidays.flatMap(datesOf))].sort();
        const makeUpDays = [...new Set(s.makeUpDays)].sort();
        rules = {
          days: new Map(),
          holidays: new Set(holidays),
          makeUpDays: new Set(makeUpDays),
          version: s.version,
          key: `${year}|${s.version ?? 'provisional'}|${holidays.join(',')}|${makeUpDays.join(',')}`,
        };
        remember(yearRules, source, rules);
      }
      this.rules.set(year, rules);
    }
    return rules;
  }
}

/**
 * SPEC §3 Start + Deadline: counting starts on the first working day strictly after the local
 * date of fromMs (the day of acceptance is not counted); the deadline is the end of the N-th
 * working day. workingDays 0 means due at once: dueDate = local date of fromMs,
 * deadlineMs = fromMs, no days counted (startDate is still the next working day, where a clock
 * restarted with nothing left would have resumed).
 */
export function computeDeadline(cal: WorkingCalendar, fromMs: number, workingDays: number): Deadline {
  const key = `${fromMs}|${workingDays}`;
  const known = cal.deadlines.get(key);
  if (known) return known;
  const deadline = deriveDeadline(cal, fromMs, workingDays);
  remember(cal.deadlines, key, deadline);
  return deadline;
}

function deriveDeadline(cal: WorkingCalendar, fromMs: number, workingDays: number): Deadline {
  assertCount(workingDays, 0, 'working days');
  const fromDate = cal.localDate(fromMs);
  const startDate = cal.nextWorkingDayAfter(fromDate);
  const countedDays: IsoDate[] = [];
  const skipped: Derivation['skipped'] = [];
  const makeUpDaysUsed: IsoDate[] = [];
  const years = new Map<number, string>(); // year → version label, for every day looked at
  let provisional = false;
  const lookAt = (d: IsoDate) => {
    const c = cal.classify(d);
    const year = yearOf(d);
    if (!years.has(year)) years.set(year, `${year}@${cal.scheduleOf(year).version ?? 'provisional'}`);
    provisional ||= c.provisional;
    return c;
  };
  let d = fromDate;
  while (countedDays.length < workingDays) {
    d = addDays(d, 1);
    const c = lookAt(d);
    if (!c.working) skipped.push({ date: d, reason: c.reason ?? 'weekend' });
    else {
      countedDays.push(d);
      if (c.makeUp) makeUpDaysUsed.push(d);
    }
  }
  if (workingDays === 0) lookAt(startDate);
  const dueDate = d;
  const derivation: Derivation = {
    from: cal.formatInstant(fromMs),
    startDate,
    workingDays,
    dueDate,
    countedDays,
    skipped,
    makeUpDaysUsed,
    calendarVersion: [...years.keys()].sort((a, b) => a - b).map((y) => years.get(y)).join(','),
    provisional,
  };
  const deadlineMs = workingDays === 0 ? fromMs : cal.endOfDay(dueDate);
  return { startDate, dueDate, deadlineMs, derivation };
}

/** SPEC §3 Extension (延长): the n-th working day strictly after dueDate (n = 0 leaves it). */
export function extendDueDate(cal: WorkingCalendar, dueDate: IsoDate, n: number): IsoDate {
  assertCount(n, 0, 'extension');
  return n === 0 ? dueDate : cal.addWorkingDays(cal.nextWorkingDayAfter(dueDate), n);
}

/**
 * SPEC §3 Pause (补正): working days used from startDate up to but excluding the local date of
 * pausedAtMs (0 if paused on or before the start day). Only a count: it exceeds the committed
 * days when the pause comes after the deadline, and callers clamp the remainder at 0.
 */
export function computeUsedWorkingDays(cal: WorkingCalendar, startDate: IsoDate, pausedAtMs: number): number {
  return cal.countWorkingDays(startDate, cal.localDate(pausedAtMs));
}

/**
 * SPEC §3 Light: the instant the yellow window opens, 00:00 local of the first of the last
 * `warningDays` working days up to and including dueDate. With warningDays 0 there is no yellow
 * window: it opens when the due day ends, the moment the light turns red.
 */
export function computeYellowFrom(cal: WorkingCalendar, dueDate: IsoDate, warningDays: number): number {
  assertCount(warningDays, 0, 'warning days');
  if (warningDays === 0) return cal.endOfDay(dueDate) + 1;
  let d = dueDate;
  let found = cal.isWorkingDay(d) ? 1 : 0;
  while (found < warningDays) {
    d = addDays(d, -1);
    if (cal.isWorkingDay(d)) found++;
  }
  return cal.startOfDay(d);
}

/** default warning window: max(1, ceil(committed / 5)) */
export function defaultWarningDays(committedWorkingDays: number): number {
  return Math.max(1, Math.ceil(committedWorkingDays / 5));
}

/**
 * SPEC's workingDaysOverdue: working days strictly after dueDate up to and including `today`,
 * so 1 on the first working day late, and 0 while today <= dueDate.
 */
export function computeWorkingDaysOverdue(cal: WorkingCalendar, dueDate: IsoDate, today: IsoDate): number {
  return today <= dueDate ? 0 : cal.countWorkingDays(addDays(dueDate, 1), addDays(today, 1));
}
