import { describe, it, expect } from 'vitest';
import {
  WorkingCalendar,
  addDays,
  computeDeadline,
  computeStatutoryHolidays,
  computeUsedWorkingDays,
  computeWorkingDaysOverdue,
  computeYellowFrom,
  defaultWarningDays,
  extendDueDate,
  type HolidayRange,
  type IsoDate,
  type YearSchedule,
} from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { LUNAR_FIRST_YEAR, LUNAR_LAST_YEAR } from '../../domain/lunar-dates.js';
import { provisionalWorkingDays } from '../../domain/provisional-working-days.js';
import { countProvisionalWorkingDays } from '../../scripts/generate-provisional-working-days.js';

const cal = new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai');
/** an instant written in Shanghai local time */
const at = (local: string): number => Date.parse(`${local}+08:00`);
const expand = (ranges: HolidayRange[]): IsoDate[] =>
  ranges.flatMap((r) => {
    const days: IsoDate[] = [];
    for (let d = r.from; d <= r.to; d = addDays(d, 1)) days.push(d);
    return days;
  });

describe('SEED_SCHEDULES (State Council 2025 and 2026)', () => {
  const seeded = SEED_SCHEDULES.map((s) => [s.year, s] as const);

  it.each(seeded)('%i has 248 working days', (year) => {
    expect(cal.workingDaysInYear(year)).toBe(248);
  });

  it.each(seeded)('every %i make-up day (调休上班) is a weekend working day', (_year, s) => {
    for (const d of s.makeUpDays) expect(cal.classify(d)).toEqual({ working: true, makeUp: true, provisional: false });
  });

  it.each(seeded)('no day of a %i holiday is a working day', (_year, s) => {
    for (const d of expand(s.holidays)) expect(cal.classify(d)).toMatchObject({ working: false, reason: 'holiday' });
  });

  it('is published at version 1, not provisional', () => {
    expect(cal.scheduleOf(2026)).toMatchObject({ year: 2026, version: 1, provisional: false });
    expect(cal.scheduleOf(2026).holidays.map((h) => h.name)).toEqual(['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节']);
  });
});

describe('WorkingCalendar.classify', () => {
  it.each([
    ['2026-03-04', { working: true, makeUp: false, provisional: false }, 'an ordinary Wednesday'],
    ['2026-03-07', { working: false, reason: 'weekend', makeUp: false, provisional: false }, 'an ordinary Saturday'],
    ['2026-10-01', { working: false, reason: 'holiday', makeUp: false, provisional: false }, 'National Day'],
    ['2026-10-03', { working: false, reason: 'holiday', makeUp: false, provisional: false }, 'a Saturday inside National Day'],
    ['2026-10-10', { working: true, makeUp: true, provisional: false }, 'the make-up Saturday after National Day'],
    ['2027-02-08', { working: false, reason: 'holiday', makeUp: false, provisional: true }, 'provisional 春节 2027'],
    ['2027-03-01', { working: true, makeUp: false, provisional: true }, 'a provisional Monday'],
  ] as const)('%s is %o (%s)', (date, expected, _why) => {
    expect(cal.classify(date)).toEqual(expected);
    expect(cal.isWorkingDay(date)).toBe(expected.working);
  });

  it.each(['2026-02-30', '2026-9-1', '20260901', ''])('rejects the malformed date %j', (date) => {
    expect(() => cal.classify(date)).toThrow(RangeError);
  });
});

describe('computeStatutoryHolidays (years without a published schedule)', () => {
  it('gives exactly the statutory 2027 holidays', () => {
    expect(expand(computeStatutoryHolidays(2027))).toEqual([
      '2027-01-01',
      '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08',
      '2027-04-05',
      '2027-05-01', '2027-05-02',
      '2027-06-09',
      '2027-09-15',
      '2027-10-01', '2027-10-02', '2027-10-03',
    ]);
  });

  it('puts 2028 春节 on 除夕 01-25 through 正月初三 01-28 and 国庆 on 10-01..10-03', () => {
    const byName = Object.fromEntries(computeStatutoryHolidays(2028).map((h) => [h.name, [h.from, h.to]]));
    expect(byName['春节']).toEqual(['2028-01-25', '2028-01-28']);
    expect(byName['国庆节']).toEqual(['2028-10-01', '2028-10-03']);
    expect(byName['中秋节']).toEqual(['2028-10-03', '2028-10-03']); // falls inside 国庆
  });

  it.each([2025, 2026])('finds every statutory %i holiday inside the published schedule', (year) => {
    const published = new Set(expand(cal.scheduleOf(year).holidays));
    for (const d of expand(computeStatutoryHolidays(year))) expect(published).toContain(d);
  });

  it('serves 2027 as a provisional schedule with no make-up days', () => {
    expect(cal.scheduleOf(2027)).toEqual({
      year: 2027, holidays: computeStatutoryHolidays(2027), makeUpDays: [], version: null, provisional: true,
    });
    expect(cal.workingDaysInYear(2027)).toBe(254);
  });

  it('counts a year by its own rules when calendars share the running counts (a publication changes the count)', () => {
    const provisional = new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai');
    expect(provisional.workingDaysInYear(2027)).toBe(254);
    // the same year published with one more holiday and two make-up Saturdays, in a second calendar
    const published = new WorkingCalendar(
      [...SEED_SCHEDULES, { year: 2027, version: 1, holidays: [...computeStatutoryHolidays(2027), { from: '2027-03-03', to: '2027-03-03', name: '测试' }], makeUpDays: ['2027-03-06', '2027-03-13'] }],
      'Asia/Shanghai',
    );
    expect(published.workingDaysInYear(2027)).toBe(254 - 1 + 2);
    expect(provisional.countWorkingDays('2000-01-01', '2027-12-31')).toBe(published.countWorkingDays('2000-01-01', '2027-12-31') - 1);
    expect(provisional.workingDaysInYear(2027)).toBe(254);
  });

  it('counts whole provisional years from the generated table exactly as day by day', () => {
    for (let year = LUNAR_FIRST_YEAR; year <= LUNAR_LAST_YEAR; year += 1) {
      expect(provisionalWorkingDays(year), String(year)).toBe(countProvisionalWorkingDays(year));
    }
    expect(provisionalWorkingDays(LUNAR_LAST_YEAR + 1)).toBeUndefined();
  });

  it('counts across years (table, published and partial years) as a day-by-day count does', () => {
    const dayByDay = (calendar: WorkingCalendar, from: IsoDate, to: IsoDate) => {
      let n = 0;
      for (let d = from; d < to; d = addDays(d, 1)) if (calendar.isWorkingDay(d)) n += 1;
      return n;
    };
    // a published year with extra holidays and make-up days between provisional ones
    const mixed = new WorkingCalendar(
      [...SEED_SCHEDULES, { year: 2012, version: 3, holidays: [{ from: '2012-06-11', to: '2012-06-15', name: '测试' }], makeUpDays: ['2012-06-16'] }],
      'Asia/Shanghai',
    );
    for (const [from, to] of [
      ['2000-01-01', '2027-03-15'],
      ['2000-01-01', '2013-01-01'],
      ['2011-12-31', '2012-01-02'],
      ['2003-07-09', '2026-11-30'],
      ['2012-01-01', '2013-01-01'],
      ['2024-02-29', '2031-10-08'],
    ] as const) {
      expect(new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai').countWorkingDays(from, to), `${from}..${to}`).toBe(
        dayByDay(new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai'), from, to),
      );
      expect(mixed.countWorkingDays(from, to), `${from}..${to} with 2012 published`).toBe(dayByDay(mixed, from, to));
    }
  });
});

describe('computeDeadline', () => {
  it('starts on the Sunday make-up day after a Friday acceptance (SPEC example 1)', () => {
    const d = computeDeadline(cal, at('2026-09-18T10:00:00'), 5);
    expect(d.startDate).toBe('2026-09-20');
    expect(d.dueDate).toBe('2026-09-24');
    expect(d.deadlineMs).toBe(at('2026-09-24T23:59:59.999'));
    expect(cal.formatInstant(d.deadlineMs)).toBe('2026-09-24T23:59:59.999+08:00');
    expect(d.derivation).toEqual({
      from: '2026-09-18T10:00:00.000+08:00',
      startDate: '2026-09-20',
      workingDays: 5,
      dueDate: '2026-09-24',
      countedDays: ['2026-09-20', '2026-09-21', '2026-09-22', '2026-09-23', '2026-09-24'],
      skipped: [{ date: '2026-09-19', reason: 'weekend' }],
      makeUpDaysUsed: ['2026-09-20'],
      calendarVersion: '2026@1',
      provisional: false,
    });
  });

  it('skips the National Day holiday and counts the 10-10 make-up Saturday (SPEC example 2)', () => {
    const { dueDate, derivation } = computeDeadline(cal, at('2026-09-30T15:00:00'), 3);
    expect(dueDate).toBe('2026-10-10');
    expect(derivation.countedDays).toEqual(['2026-10-08', '2026-10-09', '2026-10-10']);
    expect(derivation.skipped).toEqual(
      ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']
        .map((date) => ({ date, reason: 'holiday' })),
    );
    expect(derivation.makeUpDaysUsed).toEqual(['2026-10-10']);
  });

  it('skips an ordinary weekend (SPEC example 3)', () => {
    const { startDate, dueDate, derivation } = computeDeadline(cal, at('2026-03-02T09:00:00'), 5);
    expect([startDate, dueDate]).toEqual(['2026-03-03', '2026-03-09']);
    expect(derivation.skipped).toEqual([
      { date: '2026-03-07', reason: 'weekend' },
      { date: '2026-03-08', reason: 'weekend' },
    ]);
    expect(derivation.makeUpDaysUsed).toEqual([]);
  });

  it.each([
    ['2026-09-18T00:00:00', '2026-09-24', 'accepted at midnight'],
    ['2026-09-18T23:59:59.999', '2026-09-24', 'accepted in the last millisecond of the day'],
    ['2026-09-19T11:00:00', '2026-09-24', 'accepted on Saturday: still starts on the make-up Sunday'],
    ['2026-09-20T11:00:00', '2026-09-28', 'accepted on the make-up Sunday: that day is not counted'],
  ] as const)('counts from the local date of %s → due %s (%s)', (local, due, _why) => {
    expect(computeDeadline(cal, at(local), 5).dueDate).toBe(due);
  });

  it('counts from the Shanghai date, not the UTC date, of the instant', () => {
    // 2026-09-17T16:30Z is already Friday 09-18 00:30 in Shanghai
    expect(computeDeadline(cal, Date.parse('2026-09-17T16:30:00Z'), 5).dueDate).toBe('2026-09-24');
  });

  it('crosses 2025 → 2026 over 元旦 and the 01-04 make-up Sunday', () => {
    const { dueDate, derivation } = computeDeadline(cal, at('2025-12-30T10:00:00'), 5);
    expect(dueDate).toBe('2026-01-07');
    expect(derivation.countedDays).toEqual(['2025-12-31', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07']);
    expect(derivation.skipped).toEqual(['2026-01-01', '2026-01-02', '2026-01-03'].map((date) => ({ date, reason: 'holiday' })));
    expect(derivation.makeUpDaysUsed).toEqual(['2026-01-04']);
    expect(derivation).toMatchObject({ calendarVersion: '2025@1,2026@1', provisional: false });
  });

  it('crosses 2026 → 2027 into the provisional calendar and says so', () => {
    const { dueDate, derivation } = computeDeadline(cal, at('2026-12-29T10:00:00'), 5);
    expect(dueDate).toBe('2027-01-06');
    expect(derivation.skipped).toEqual([
      { date: '2027-01-01', reason: 'holiday' },
      { date: '2027-01-02', reason: 'weekend' },
      { date: '2027-01-03', reason: 'weekend' },
    ]);
    expect(derivation).toMatchObject({ calendarVersion: '2026@1,2027@provisional', provisional: true });
  });

  it('stops being provisional once 2027 is published', () => {
    const published: YearSchedule = { year: 2027, version: 1, holidays: [{ from: '2027-01-01', to: '2027-01-04', name: '元旦' }], makeUpDays: [] };
    const later = new WorkingCalendar([...SEED_SCHEDULES, published], 'Asia/Shanghai');
    const { dueDate, derivation } = computeDeadline(later, at('2026-12-29T10:00:00'), 5);
    expect(dueDate).toBe('2027-01-07');
    expect(derivation).toMatchObject({ calendarVersion: '2026@1,2027@1', provisional: false });
  });

  it('runs 20 working days across Mid-Autumn and National Day 2026', () => {
    const { dueDate, derivation } = computeDeadline(cal, at('2026-09-14T10:00:00'), 20);
    expect(dueDate).toBe('2026-10-16');
    expect(derivation.countedDays).toHaveLength(20);
    expect(derivation.makeUpDaysUsed).toEqual(['2026-09-20', '2026-10-10']);
    expect(derivation.skipped.filter((s) => s.reason === 'holiday').map((s) => s.date)).toEqual([
      '2026-09-25', '2026-09-26', '2026-09-27',
      '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
    ]);
    expect(derivation.skipped.filter((s) => s.reason === 'weekend').map((s) => s.date)).toEqual(['2026-09-19', '2026-10-11']);
  });

  it('is due at once with 0 working days', () => {
    const fromMs = at('2026-03-05T14:00:00');
    const d = computeDeadline(cal, fromMs, 0);
    expect(d).toMatchObject({ dueDate: '2026-03-05', deadlineMs: fromMs, startDate: '2026-03-06' });
    expect(d.derivation).toMatchObject({ countedDays: [], skipped: [], makeUpDaysUsed: [], calendarVersion: '2026@1' });
  });

  it.each([-1, 1.5, Number.NaN])('rejects %d working days', (n) => {
    expect(() => computeDeadline(cal, at('2026-03-02T09:00:00'), n)).toThrow(RangeError);
  });
});

describe('pause and resume (补正, SPEC example 3)', () => {
  it('uses 2 days when paused on Thursday 03-05 and restarts Monday 03-09 with the other 3', () => {
    const first = computeDeadline(cal, at('2026-03-02T09:00:00'), 5);
    const used = computeUsedWorkingDays(cal, first.startDate, at('2026-03-05T16:00:00'));
    expect(used).toBe(2);
    const resumed = computeDeadline(cal, at('2026-03-06T10:00:00'), 5 - used);
    expect(resumed).toMatchObject({ startDate: '2026-03-09', dueDate: '2026-03-11' });
    expect(cal.formatInstant(resumed.deadlineMs)).toBe('2026-03-11T23:59:59.999+08:00');
  });

  it.each([
    ['2026-03-02T17:00:00', 0, 'on the acceptance day'],
    ['2026-03-03T09:00:00', 0, 'on the start day itself'],
    ['2026-03-04T09:00:00', 1, 'on the second working day'],
    ['2026-03-20T09:00:00', 13, 'long after the 5-day deadline: a plain count, callers clamp the remainder'],
  ] as const)('counts used days when paused %s → %i (%s)', (local, used, _why) => {
    expect(computeUsedWorkingDays(cal, '2026-03-03', at(local))).toBe(used);
  });
});

describe('extendDueDate (延长)', () => {
  it.each([
    ['2026-09-24', 3, '2026-09-30', 'over Mid-Autumn'],
    ['2026-09-30', 1, '2026-10-08', 'over National Day'],
    ['2026-10-09', 1, '2026-10-10', 'onto the make-up Saturday'],
    ['2026-03-09', 0, '2026-03-09', 'by nothing'],
    ['2026-12-30', 10, '2027-01-14', 'into provisional 2027'],
  ] as const)('moves %s by %i working days to %s (%s)', (due, n, expected, _why) => {
    expect(extendDueDate(cal, due, n)).toBe(expected);
  });

  it.each([
    ['2026-09-18T10:00:00', 5, 3],
    ['2026-09-14T10:00:00', 20, 10],
    ['2026-09-30T15:00:00', 3, 7],
    ['2026-12-29T10:00:00', 5, 10],
    ['2025-12-30T10:00:00', 2, 4],
  ] as const)('from %s with %i days extended by %i equals counting the sum directly', (local, committed, extension) => {
    const fromMs = at(local);
    const extended = extendDueDate(cal, computeDeadline(cal, fromMs, committed).dueDate, extension);
    expect(computeDeadline(cal, fromMs, committed + extension).dueDate).toBe(extended);
  });
});

describe('computeYellowFrom', () => {
  it.each([
    ['2026-09-24', 1, '2026-09-24', 'the due day alone'],
    ['2026-03-09', 2, '2026-03-06', 'back over a weekend'],
    ['2026-10-10', 3, '2026-10-08', 'the make-up Saturday counts'],
    ['2026-10-09', 3, '2026-09-30', 'back over National Day'],
  ] as const)('opens yellow for due %s with %i warning days at 00:00 of %s (%s)', (due, warningDays, opens, _why) => {
    expect(computeYellowFrom(cal, due, warningDays)).toBe(at(`${opens}T00:00:00`));
  });

  it('opens no yellow window with 0 warning days: it would open as the deadline passes', () => {
    expect(computeYellowFrom(cal, '2026-09-24', 0)).toBe(cal.endOfDay('2026-09-24') + 1);
  });
});

describe('defaultWarningDays', () => {
  it.each([[0, 1], [1, 1], [3, 1], [5, 1], [6, 2], [10, 2], [20, 4], [21, 5]])('gives %i committed days %i warning days', (committed, warning) => {
    expect(defaultWarningDays(committed)).toBe(warning);
  });
});

describe('computeWorkingDaysOverdue', () => {
  it.each([
    ['2026-09-24', '2026-09-23', 0, 'before the due day'],
    ['2026-09-24', '2026-09-24', 0, 'on the due day'],
    ['2026-09-24', '2026-09-25', 0, 'on a holiday right after it'],
    ['2026-09-24', '2026-09-28', 1, 'on the first working day late'],
    ['2026-09-24', '2026-09-30', 3, 'three working days late'],
    ['2026-03-06', '2026-03-09', 1, 'Monday after a Friday due day'],
    ['2026-12-31', '2027-01-04', 1, 'into provisional 2027'],
  ] as const)('due %s, today %s → %i (%s)', (due, today, overdue, _why) => {
    expect(computeWorkingDaysOverdue(cal, due, today)).toBe(overdue);
  });
});

describe('WorkingCalendar counting', () => {
  it.each([
    ['2026-09-18', '2026-09-20'],
    ['2026-09-30', '2026-10-08'],
    ['2026-12-31', '2027-01-04'],
  ])('finds the next working day strictly after %s: %s', (date, next) => {
    expect(cal.nextWorkingDayAfter(date)).toBe(next);
  });

  it.each([
    ['2026-10-01', 1, '2026-10-08', 'a holiday start is not counted'],
    ['2026-10-08', 3, '2026-10-10', 'a working start counts as the first day'],
    ['2026-09-20', 1, '2026-09-20', 'a make-up start counts too'],
  ] as const)('addWorkingDays(%s, %i) = %s (%s)', (start, n, expected, _why) => {
    expect(cal.addWorkingDays(start, n)).toBe(expected);
  });

  it.each([
    ['2026-10-01', '2026-10-12', 3],
    ['2026-03-03', '2026-03-03', 0],
    ['2026-03-09', '2026-03-03', 0],
  ])('counts working days in [%s, %s): %i', (from, to, n) => {
    expect(cal.countWorkingDays(from, to)).toBe(n);
  });
});

describe('WorkingCalendar time zones', () => {
  it('reads Shanghai local dates and day bounds', () => {
    expect(cal.localDate(Date.parse('2026-09-24T15:59:59.999Z'))).toBe('2026-09-24');
    expect(cal.localDate(Date.parse('2026-09-24T16:00:00Z'))).toBe('2026-09-25');
    expect(cal.startOfDay('2026-09-24')).toBe(Date.parse('2026-09-23T16:00:00Z'));
    expect(cal.endOfDay('2026-09-24')).toBe(Date.parse('2026-09-24T15:59:59.999Z'));
    expect(cal.formatInstant(Date.parse('2026-09-18T02:00:00Z'))).toBe('2026-09-18T10:00:00.000+08:00');
  });

  const berlin = new WorkingCalendar(SEED_SCHEDULES, 'Europe/Berlin');

  it.each([
    ['2026-01-15T12:00:00Z', '2026-01-15T13:00:00.000+01:00', 'winter time'],
    ['2026-07-01T21:59:59.999Z', '2026-07-01T23:59:59.999+02:00', 'summer time'],
    ['2026-03-29T01:00:00Z', '2026-03-29T03:00:00.000+02:00', 'the instant clocks spring forward'],
  ])('formats %s in Berlin as %s (%s)', (utc, local, _why) => {
    expect(berlin.formatInstant(Date.parse(utc))).toBe(local);
  });

  it('takes the Berlin date, not the UTC date', () => {
    expect(berlin.localDate(Date.parse('2026-03-28T23:30:00Z'))).toBe('2026-03-29');
    expect(berlin.localDate(Date.parse('2026-07-01T22:30:00Z'))).toBe('2026-07-02');
  });

  it.each([
    ['2026-03-29', 23, '2026-03-29T00:00:00.000+01:00', '2026-03-29T23:59:59.999+02:00'],
    ['2026-10-25', 25, '2026-10-25T00:00:00.000+02:00', '2026-10-25T23:59:59.999+01:00'],
    ['2026-07-01', 24, '2026-07-01T00:00:00.000+02:00', '2026-07-01T23:59:59.999+02:00'],
  ] as const)('gives Berlin %s %i hours from start to end', (date, hours, start, end) => {
    expect(berlin.formatInstant(berlin.startOfDay(date))).toBe(start);
    expect(berlin.formatInstant(berlin.endOfDay(date))).toBe(end);
    expect(berlin.endOfDay(date) + 1 - berlin.startOfDay(date)).toBe(hours * 3_600_000);
  });

  it('writes Berlin deadlines with the summer offset', () => {
    const d = computeDeadline(berlin, Date.parse('2026-09-18T10:00:00+02:00'), 5);
    expect(d.dueDate).toBe('2026-09-24');
    expect(d.derivation.from).toBe('2026-09-18T10:00:00.000+02:00');
    expect(berlin.formatInstant(d.deadlineMs)).toBe('2026-09-24T23:59:59.999+02:00');
  });

  it('starts the day when the clocks jump where DST skips midnight (America/Santiago)', () => {
    const santiago = new WorkingCalendar([], 'America/Santiago');
    expect(santiago.formatInstant(santiago.startOfDay('2026-09-06'))).toBe('2026-09-06T01:00:00.000-03:00');
    expect(santiago.formatInstant(santiago.endOfDay('2026-09-05'))).toBe('2026-09-05T23:59:59.999-04:00');
    expect(santiago.formatInstant(santiago.startOfDay('2026-04-05'))).toBe('2026-04-05T00:00:00.000-04:00');
  });

  it('writes half-hour offsets (Asia/Kolkata)', () => {
    const kolkata = new WorkingCalendar([], 'Asia/Kolkata');
    expect(kolkata.formatInstant(kolkata.endOfDay('2026-09-24'))).toBe('2026-09-24T23:59:59.999+05:30');
  });

  it('rejects an unknown time zone', () => {
    expect(() => new WorkingCalendar(SEED_SCHEDULES, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('WorkingCalendar schedule validation', () => {
  const base: YearSchedule = { year: 2027, version: 1, holidays: [], makeUpDays: [] };
  it.each([
    ['a make-up day on a weekday', { ...base, makeUpDays: ['2027-03-03'] }],
    ['a make-up day that is also a holiday', { ...base, holidays: [{ from: '2027-02-06', to: '2027-02-07', name: '春节' }], makeUpDays: ['2027-02-06'] }],
    ['a holiday outside its year', { ...base, holidays: [{ from: '2026-12-31', to: '2027-01-01', name: '元旦' }] }],
    ['a holiday ending before it starts', { ...base, holidays: [{ from: '2027-01-03', to: '2027-01-01', name: '元旦' }] }],
    ['a malformed date', { ...base, makeUpDays: ['2027-02-30'] }],
    ['a version of 0', { ...base, version: 0 }],
  ])('rejects %s', (_why, schedule) => {
    expect(() => new WorkingCalendar([schedule], 'Asia/Shanghai')).toThrow(RangeError);
  });

  it('rejects two schedules for one year', () => {
    expect(() => new WorkingCalendar([base, { ...base, version: 2 }], 'Asia/Shanghai')).toThrow(/two schedules/);
  });
});
