/** Over-the-wire helpers for end-to-end tests against a listening stack. */
import { connect } from 'node:net';
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

/**
 * Sends bytes as they are over a socket (for requests no HTTP client would send) and returns
 * the status and body of the first answer.
 */
export async function sendRaw(base: string, data: string | Buffer): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  const text = await new Promise<string>((resolve) => {
    let out = '';
    const socket = connect(Number(port), hostname, () => socket.write(data));
    socket.on('data', (chunk) => (out += chunk.toString('utf8')));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    setTimeout(() => socket.destroy(), 3_000).unref();
  });
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(text)?.[1] ?? 0);
  const bodyStart = text.indexOf('\r\n\r\n') + 4;
  return { status, body: Buffer.from(text.slice(bodyStart)).subarray(0, length).toString('utf8') };
}
