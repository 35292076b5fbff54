/**
 * Prometheus metrics of the API process at `GET /metrics` (README: Metrics):
 * - request latency by route template, method and status, through `fastify-metrics`
 *   (`http_request_duration_seconds`, `http_request_summary_seconds`) and Node's process
 *   metrics (CPU, memory, event-loop lag, GC);
 * - the caseload as the read model shows it when scraped (`approval_cases_open`,
 *   `approval_cases_faulted`, `approval_tasks_overdue`).
 *
 * With `METRICS_TOKEN` set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>` (a static
 * secret for the scraper, not a user's JWT); without it the endpoint is public, for a local stack.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import metricsPlugin from 'fastify-metrics';
import { timingSafeEqual } from 'node:crypto';
import promClient from 'prom-client';
import type { Database } from '../db/client.js';
import { AppError } from '../domain/errors.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function metricsAuthorization(token: string | undefined) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!token) return;
    const given = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!given || !sameSecret(given, token)) {
      throw new AppError('UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
  };
}

/** Registers the request metrics (for every route registered after it) and the `/metrics` route. */
export async function registerMetrics(app: FastifyInstance, options: { db: Database; metricsToken?: string | undefined }): Promise<void> {
  await app.register(metricsPlugin.default, {
    // one registry per process; an app built again (tests) starts it afresh
    clearRegisterOnInit: true,
    promClient,
    endpoint: {
      url: '/metrics',
      method: 'GET',
      logLevel: 'warn' as const,
      onRequest: metricsAuthorization(options.metricsToken),
      schema: { tags: ['system'], summary: 'Prometheus metrics (Bearer METRICS_TOKEN when set)', hide: true },
      handler: () => undefined, // replaced by the plugin's
    },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      routeBlacklist: ['/metrics', '/healthz', '/readyz'],
      invalidRouteGroup: 'unknown_route',
    },
  });
  const gauge = (name: string, help: string, query: ReturnType<typeof sql>) =>
    new promClient.Gauge({
      name,
      help,
      async collect() {
        const [row] = await options.db.execute<{ n: number }>(query);
        this.set(Number(row?.n ?? 0));
      },
    });
  gauge('approval_cases_open', 'open cases', sql`select count(*)::int as n from cases where status = 'open'`);
  gauge(
    'approval_cases_faulted',
    'open cases stopped by a fault, waiting for an administrator (README: Recovering a case)',
    sql`select count(*)::int as n from cases where fault is not null and status = 'open'`,
  );
  gauge(
    'approval_tasks_overdue',
    'pending tasks past their deadline',
    sql`select count(*)::int as n from tasks where status = 'pending' and deadline < now()`,
  );
}
