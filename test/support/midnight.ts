/**
 * Files that fix "today" when they load and play a scenario against it fail if local midnight
 * falls in the middle (the server's today moves on, the file's does not). Such a file takes its
 * today from here, at load, which waits past midnight when it is due within `marginMs`: a short
 * wait on the rare run that starts just before midnight, instead of figures counted across two days.
 */
import type { WorkingCalendar } from '../../domain/calendar.js';

/** Today's local date in `cal`'s time zone (the file's own calendar), once clear of midnight. */
export async function todayClearOfMidnight(cal: WorkingCalendar, marginMs = 120_000): Promise<string> {
  const now = Date.now();
  const untilMidnight = cal.endOfDay(cal.localDate(now)) + 1 - now;
  if (untilMidnight < marginMs) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
  return cal.localDate(Date.now());
}
