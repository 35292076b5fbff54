/** Instants as clients write them (ISO 8601 with an offset), parsed strictly. */
import { AppError } from '../domain/errors.js';

const INSTANT_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Date.parse rolls 02-30 into March and reads T24:00; a deadline needs the instant as written. */
export function parseInstant(value: string, field: string): number {
  const m = INSTANT_PARTS.exec(value);
  const [, y, mo, d, h, mi, s, oh, om] = (m ?? []).map((p) => (p === undefined ? 0 : Number(p)));
  const realDate =
    m !== null && new Date(Date.UTC(y!, mo! - 1, d!)).toISOString().slice(0, 10) === value.slice(0, 10);
  const ms = Date.parse(value);
  if (!realDate || h! > 23 || mi! > 59 || s! > 59 || oh! > 23 || om! > 59 || Number.isNaN(ms)) {
    throw new AppError('VALIDATION_FAILED', `${field} is not a valid ISO 8601 instant`, { field });
  }
  return ms;
}

const CLOCK_SKEW_MS = 60_000;
const MAX_BACKDATE_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * An instant that has already happened (a back-dated acceptance, when an activity took place):
 * not ahead of `now` beyond a minute of clock skew, at most 365 days back.
 */
export function parsePastInstant(value: string, field: string, now: number): number {
  const at = parseInstant(value, field);
  if (at > now + CLOCK_SKEW_MS) throw new AppError('VALIDATION_FAILED', `${field} is in the future`, { field });
  if (at < now - MAX_BACKDATE_MS) throw new AppError('VALIDATION_FAILED', `${field} is more than 365 days back`, { field });
  return at;
}
