/**
 * Files that fix "today" when they load and play a scenario against it fail if local midnight
 * falls in the middle (the server's today moves on, the file's does not). Such a file waits, at
 * load, until midnight has passed when it is due within `marginMs`: a short wait on the rare run
 * that starts just before midnight, instead of figures counted across two days.
 */
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';

export async function clearOfLocalMidnight(timeZone: string, marginMs = 120_000): Promise<void> {
  const cal = new WorkingCalendar(SEED_SCHEDULES, timeZone);
  const now = Date.now();
  const untilMidnight = cal.endOfDay(cal.localDate(now)) + 1 - now;
  if (untilMidnight < marginMs) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
}
