import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

/** drizzle over postgres.js; `$client` is the driver itself, for statements sent together (activities/read-model.ts). */
export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

export interface DatabaseHandle {
  db: Database;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function connectDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
  });
  return {
    db: drizzle(sql, { schema }),
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}

/**
 * The same database, with every statement sent as a named prepared statement (parsed and planned
 * once per connection). drizzle's postgres.js driver sends even a `.prepare()`d query through
 * `client.unsafe()` without `prepare: true`, so PostgreSQL parsed and planned it on every call
 * (drizzle-orm#5502): the task-with-case read of each decision spent 0.33 ms planning for
 * 0.11 ms running. (`simple: false`: postgres.js sends a statement without parameters unprepared
 * otherwise.) Only for a fixed set of statements (db/queries.ts, the hot reads): each text
 * prepared stays in every connection's cache.
 */
export function preparingDatabase(db: Database): Database {
  const client = db.$client;
  const unsafe = ((query: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
    client.unsafe(query, parameters, { prepare: true, simple: false, ...options } as postgres.UnsafeQueryOptions)) as postgres.Sql['unsafe'];
  const preparing = new Proxy(client, { get: (target, key, receiver) => (key === 'unsafe' ? unsafe : Reflect.get(target, key, receiver)) });
  return drizzle(preparing, { schema });
}

/** A transient database failure (connection refused, reset, shutting down), as opposed to bad SQL. */
export function isDatabaseUnavailable(error: unknown): boolean {
  // drizzle wraps the driver's error; look down the cause chain.
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (isUnavailableCode((current as { code?: unknown }).code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Socket and driver codes of a connection that failed or was lost (not of a statement refused). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
]);

function isUnavailableCode(code: unknown): boolean {
  // SQLSTATE class 08: connection exception
  return typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

/** The SQLSTATE of a PostgreSQL error (drizzle wraps the driver's error), if there is one. */
export function sqlStateOf(error: unknown): string | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
