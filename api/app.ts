/**
 * Builds the Fastify app (no listen: tests use `inject`, `server.ts` listens). One error handler
 * maps every failure to SPEC §4's error shape; validation is strict for bodies (no unknown
 * fields, no coercion) and coerces only query strings and path parameters.
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import { Ajv, type Options as AjvOptions } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { WorkingCalendar } from '../domain/calendar.js';
import { AppError } from '../domain/errors.js';
import { isDatabaseUnavailable, type Database } from '../db/client.js';
import { findCalendarYears } from '../db/queries.js';
import { rateLimitKey, registerAuth } from './auth.js';
import { idempotencyKeyOf } from './idempotency.js';
import { registerCalendarRoutes } from './routes/calendar.js';
import { registerCaseRoutes } from './routes/cases.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCertificateRoutes } from './routes/certificates.js';
import { registerSupervisionRoutes } from './routes/supervision.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTaskRoutes } from './routes/tasks.js';

export interface AppOptions {
  db: Database;
  temporal: Client;
  taskQueue: string;
  authJwtSecret: string;
  timeZone: string;
  rateLimitPerMinute: number;
  logLevel?: string;
}

/** What route handlers need. */
export interface AppContext {
  db: Database;
  temporal: Client;
  taskQueue: string;
  timeZone: string;
  /** the working calendar as published now (cached briefly; reset when a year is published) */
  calendar(): Promise<WorkingCalendar>;
  resetCalendar(): void;
}

const ajvBase: AjvOptions = { allErrors: false, useDefaults: false, strict: false, unicodeRegExp: true };
const bodyAjv = new Ajv({ ...ajvBase, coerceTypes: false, removeAdditional: false });
const queryAjv = new Ajv({ ...ajvBase, coerceTypes: true, removeAdditional: false });

const CALENDAR_CACHE_MS = 30_000;

function createCalendarCache(db: Database, timeZone: string): Pick<AppContext, 'calendar' | 'resetCalendar'> {
  let cached: { at: number; value: Promise<WorkingCalendar> } | null = null;
  return {
    calendar() {
      if (!cached || Date.now() - cached.at > CALENDAR_CACHE_MS) {
        const value = findCalendarYears(db).then((years) => new WorkingCalendar(years, timeZone));
        value.catch(() => (cached = null));
        cached = { at: Date.now(), value };
      }
      return cached.value;
    },
    resetCalendar() {
      cached = null;
    },
  };
}

function sendError(reply: import('fastify').FastifyReply, error: AppError) {
  return reply.code(error.statusCode).send({
    error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
  });
}

/** Fastify's own errors (parsing, limits, validation) → our codes. */
function fromFastifyError(error: FastifyError): AppError | null {
  if (error.validation) {
    return new AppError(
      'VALIDATION_FAILED',
      `request ${error.validationContext ?? 'input'} is not valid: ${error.message}`,
      error.validation.map((v) => ({ path: v.instancePath || '/', message: v.message, params: v.params })),
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than 1 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'bodies must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_FAILED', 'the body is not valid JSON');
    default:
      break;
  }
  if (error.statusCode === 429) return new AppError('RATE_LIMITED', 'too many requests; retry later');
  // PostgreSQL class 22 (data exception: invalid text, NUL bytes, out-of-range values) is bad input.
  if (/^22/.test(String((error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code ?? ''))) {
    return new AppError('VALIDATION_FAILED', 'the request contains a value the database cannot store');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return new AppError('VALIDATION_FAILED', 'the request is not valid');
  }
  return null;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: 1024 * 1024,
    // Path parameters are validated by their schemas (up to 200 characters), not cut off by the router.
    routerOptions: { maxParamLength: 256 },
    // the router's own refusals (a malformed or over-long URL) in the same error shape
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, new AppError('VALIDATION_FAILED', `the URL is not valid: ${error.message}`));
    },
  });

  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema as object),
  );

  app.setErrorHandler((raw: FastifyError | AppError | Error, request, reply) => {
    const error =
      raw instanceof AppError
        ? raw
        : (fromFastifyError(raw as FastifyError) ??
          (isDatabaseUnavailable(raw) ? new AppError('DEPENDENCY_UNAVAILABLE', 'the database is unavailable') : null));
    if (error && error.statusCode < 500) return sendError(reply, error);
    if (error?.code === 'DEPENDENCY_UNAVAILABLE') {
      request.log.warn({ err: raw }, 'dependency unavailable');
      return sendError(reply, error);
    }
    request.log.error({ err: raw, url: request.url, method: request.method }, 'unhandled error');
    return sendError(reply, new AppError('INTERNAL', 'internal error'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(rateLimit, {
    // applied below as the first app-level hook, so even refused (401) requests are counted
    global: false,
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => rateLimitKey(request, options.authJwtSecret),
    errorResponseBuilder: (_request, context) => {
      const error = new AppError('RATE_LIMITED', `rate limit of ${context.max} requests a minute exceeded`) as AppError & {
        statusCode: number;
      };
      return error;
    },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Parallel construction-project approval API',
        description: '工程建设项目并联审批: cases, department tasks, working-day clocks and supervision.',
        version: '1',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', app.rateLimit());
  registerAuth(app, options.authJwtSecret);
  // The Idempotency-Key header is validated with the rest of the request (400), before any lookup (404).
  app.addHook('preValidation', async (request) => {
    idempotencyKeyOf(request);
  });

  const context: AppContext = {
    db: options.db,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    timeZone: options.timeZone,
    ...createCalendarCache(options.db, options.timeZone),
  };
  registerSystemRoutes(app, context);
  registerCatalogRoutes(app, context);
  registerCaseRoutes(app, context);
  registerTaskRoutes(app, context);
  registerSupervisionRoutes(app, context);
  registerCalendarRoutes(app, context);
  registerCertificateRoutes(app, context);
  return app;
}

