/**
 * Files that fix "today" when they load and play a scenario against it fail if local midnight
 * falls in the middle (the server's today moves on, the file's does not). Such a file waits, at
 * load, until midnight has passed when it is due within `marginMs`: a short wait on the rare run
 * that starts just before midnight, instead of figures counted across two days.
 */
import type { WorkingCalendar } from '../../domain/calendar.js';

/** `cal` is the file's own calendar: its time zone says where midnight is. */
export async function clearOfLocalMidnight(cal: WorkingCalendar, marginMs = 120_000): Promise<void> {
  const now = Date.now();
  const untilMidnight = cal.endOfDay(cal.localDate(now)) + 1 - now;
  if (untilMidnight < marginMs) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
}
