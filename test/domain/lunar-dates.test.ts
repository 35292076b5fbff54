/** The generated lunar-date table (domain/lunar-dates.ts) against tyme4ts, year by year. */
import { describe, expect, it } from 'vitest';
import { LunarDay, SolarTerm } from 'tyme4ts';
import { lunarDatesOf, LUNAR_FIRST_YEAR, LUNAR_LAST_YEAR } from '../../domain/lunar-dates.js';
import { lunarRow } from '../../scripts/generate-lunar-dates.js';

describe('the lunar-date table', () => {
  it('holds for every year what tyme4ts computes', () => {
    for (let year = LUNAR_FIRST_YEAR; year <= LUNAR_LAST_YEAR; year += 1) {
      const { springFestival, qingming, dragonBoat, midAutumn } = lunarDatesOf(year);
      expect([springFestival, qingming, dragonBoat, midAutumn].map((d) => d.slice(5).replace('-', '')).join(''), String(year)).toBe(lunarRow(year));
    }
  });

  it('gives 2026 the dates of its published schedule', () => {
    expect(lunarDatesOf(2026)).toEqual({ springFestival: '2026-02-17', qingming: '2026-04-05', dragonBoat: '2026-06-19', midAutumn: '2026-09-25' });
    // and the same as tyme4ts read directly
    expect(LunarDay.fromYmd(2026, 1, 1).getSolarDay().toString()).toContain('2026年2月17日');
    expect(SolarTerm.fromName(2026, '清明').getJulianDay().getSolarDay().getDay()).toBe(5);
  });

  it('refuses a year outside the table', () => {
    expect(() => lunarDatesOf(LUNAR_FIRST_YEAR - 1)).toThrow(RangeError);
    expect(() => lunarDatesOf(LUNAR_LAST_YEAR + 1)).toThrow(RangeError);
  });
});
