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
