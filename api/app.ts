/**
 * Builds the Fastify app (no listen: tests use `inject`, `server.ts` listens).
 *
 * The root instance holds what every request goes through, in this order: request ID →
 * authentication (the token verified once) → rate limit (keyed on the verified `sub`) → access
 * policy (api/policy.ts: 401, 403) → Idempotency-Key header check → validation (400) → the route.
 * Services are decorators (api/services.ts); each resource is an encapsulated plugin under
 * `api/routes/<resource>/` with its routes and schemas.
 */
import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../domain/errors.js';
import { createCaseRowCache } from '../db/case-cache.js';
import { createCaseSyncWriter } from '../db/case-sync.js';
import type { Database } from '../db/client.js';
import { rateLimitKey, registerAuthentication } from './auth.js';
import { answerClientError, registerHttpEdge, sendError } from './http-edge.js';
import { createIdempotencyStore, idempotencyKeyOf } from './idempotency.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerAccessPolicy, ROUTE_ROLES, type RouteAccess } from './policy.js';
import { loadReferenceData } from './reference-data.js';
import { adminRoutes } from './routes/admin/index.js';
import { agencyRoutes } from './routes/agency/index.js';
import { bulletinRoutes } from './routes/bulletin/index.js';
import { calendarRoutes } from './routes/calendar/index.js';
import { caseRoutes } from './routes/cases/index.js';
import { catalogRoutes } from './routes/catalog/index.js';
import { certificateRoutes } from './routes/certificates/index.js';
import { consoleRoutes, type ConsoleOptions } from './routes/console/index.js';
import { intakeRoutes } from './routes/intake/index.js';
import { supervisionRoutes } from './routes/supervision/index.js';
import { systemRoutes } from './routes/system/index.js';
import { taskRoutes } from './routes/tasks/index.js';
import { decorateServices } from './services.js';

export interface AppOptions {
  db: Database;
  temporal: Client;
  taskQueue: string;
  authJwtSecret: string;
  /** longest token lifetime accepted, seconds (default 30 days) */
  authMaxTokenLifetimeSeconds?: number;
  timeZone: string;
  rateLimitPerMinute: number;
  /** cases whose rows each API process keeps between list reads (0: none; default 2,000) */
  caseCacheSize?: number;
  /** when set, `GET /metrics` needs `Authorization: Bearer <metricsToken>` */
  metricsToken?: string | undefined;
  logLevel?: string;
  /** the web console's local-mode settings (Temporal Web UI link, demo sign-in); none in production */
  console?: ConsoleOptions;
  /**
   * Routes besides the API's own, with their roles: the benchmark's yardstick, an Update behind
   * everything a request goes through here (scripts/benchmark/bare-api.ts). None in production.
   */
  extraRoutes?: { plugin: FastifyPluginAsync; roles: Readonly<Record<string, RouteAccess>> };
}

/** A client's X-Request-Id is kept when it is a plain token; otherwise the server makes one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The access policy's table: the API's own routes, and extra ones that may not change any of them. */
function routeTable(extra: Readonly<Record<string, RouteAccess>> = {}): Readonly<Record<string, RouteAccess>> {
  const clash = Object.keys(extra).find((key) => key in ROUTE_ROLES);
  if (clash) throw new Error(`extra route ${clash} is one of the API's own (api/policy.ts ROUTE_ROLES)`);
  return { ...ROUTE_ROLES, ...extra };
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: 1024 * 1024,
    genReqId: requestIdOf,
    clientErrorHandler: answerClientError,
    // Path parameters are validated by their schemas (up to 200 characters), not cut off by the router.
    routerOptions: { maxParamLength: 256 },
    // the router's own refusals (a malformed or over-long URL) in the same error shape
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, new AppError('VALIDATION_FAILED', `the URL is not valid: ${error.message}`));
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerHttpEdge(app);

  const reference = await loadReferenceData(options.db, options.timeZone);
  const idempotency = createIdempotencyStore(options.db, (error) => app.log.warn({ err: error }, 'idempotency heartbeat failed'));
  app.addHook('onReady', () => idempotency.start());
  app.addHook('onClose', () => idempotency.stop());
  decorateServices(app, {
    db: options.db,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    timeZone: options.timeZone,
    reference,
    idempotency,
    caseRows: createCaseRowCache(options.db, { limit: options.caseCacheSize ?? 2000 }),
    opening: {
      db: options.db,
      temporal: options.temporal,
      taskQueue: options.taskQueue,
      timeZone: options.timeZone,
      reference,
      writer: createCaseSyncWriter({ sql: options.db.$client, timeZone: options.timeZone }),
    },
  });

  await app.register(rateLimit, {
    // applied below as the first hook after authentication, so even refused (401) requests count
    global: false,
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => rateLimitKey(request),
    errorResponseBuilder: (_request, context) => new AppError('RATE_LIMITED', `rate limit of ${context.max} requests a minute exceeded`),
  });
  await registerOpenApi(app);
  await registerMetrics(app, { db: options.db, metricsToken: options.metricsToken });

  // The token is verified first (the rate limit keys on its sub), the route's roles checked after.
  registerAuthentication(app, {
    secret: options.authJwtSecret,
    maxLifetimeSeconds: options.authMaxTokenLifetimeSeconds ?? 30 * 86_400,
    isDepartment: (code) => reference.isDepartment(code),
  });
  app.addHook('onRequest', app.rateLimit());
  registerAccessPolicy(app, routeTable(options.extraRoutes?.roles));
  // The Idempotency-Key header is validated with the rest of the request (400), before any lookup (404).
  app.addHook('preValidation', async (request) => {
    idempotencyKeyOf(request);
  });

  await app.register(systemRoutes);
  await app.register(catalogRoutes);
  await app.register(caseRoutes);
  await app.register(taskRoutes);
  await app.register(supervisionRoutes);
  await app.register(bulletinRoutes);
  await app.register(calendarRoutes);
  await app.register(certificateRoutes);
  await app.register(intakeRoutes);
  await app.register(agencyRoutes);
  await app.register(adminRoutes);
  await app.register(consoleRoutes, options.console ?? {});
  if (options.extraRoutes) await app.register(options.extraRoutes.plugin);
  return app;
}
