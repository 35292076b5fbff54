/** Over-the-wire helpers for end-to-end tests against a listening stack. */
import { addDays, type IsoDate, type WorkingCalendar } from '../../domain/calendar.js';
import type { Stack } from './stack.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** the parsed body; tests check it field by field */
  json: any;
}

export type HttpCall = (
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<HttpAnswer>;

/** Starts the stack's app on a free loopback port; returns its base URL. */
export async function listen(stack: Stack): Promise<string> {
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  const address = stack.app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export function createHttpClient(base: string): HttpCall {
  return async (method, path, token, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
  };
}

/** One reviewer token per department, minted once. */
export function createReviewerTokens(stack: Stack): (department: string) => Promise<string> {
  const tokens = new Map<string, Promise<string>>();
  return (department) => {
    let token = tokens.get(department);
    if (!token) {
      token = stack.token({ role: 'reviewer', department, sub: `reviewer-${department}` });
      tokens.set(department, token);
    }
    return token;
  };
}

/** The n-th working day strictly before `date`. */
export function workingDayBefore(cal: WorkingCalendar, date: IsoDate, n: number): IsoDate {
  let d = date;
  for (let found = 0; found < n; ) {
    d = addDays(d, -1);
    if (cal.isWorkingDay(d)) found += 1;
  }
  return d;
}
