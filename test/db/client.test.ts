/** Which database failures the API answers with 503 DEPENDENCY_UNAVAILABLE rather than 500. Pure. */
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../db/client.js';

const failure = (code: string) => Object.assign(new Error(code), { code });
/** as drizzle wraps the driver's error */
const wrapped = (cause: Error) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('isDatabaseUnavailable', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '08006', '08001'])(
    'takes %s, bare or wrapped, for an unavailable database',
    (code) => {
      expect(isDatabaseUnavailable(failure(code))).toBe(true);
      expect(isDatabaseUnavailable(wrapped(failure(code)))).toBe(true);
    },
  );

  it.each(['23505', '22001', '42P01', '40001', 'UNDEFINED_VALUE'])('does not take %s (a statement refused) for an outage', (code) => {
    expect(isDatabaseUnavailable(wrapped(failure(code)))).toBe(false);
  });

  it('does not take an error without a code for an outage', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
