/**
 * Builds the Fastify app (no listen: tests use `inject`, `server.ts` listens). One error handler
 * maps every failure to SPEC §4's error shape, Fastify's own and the HTTP parser's included;
 * validation is strict for bodies (no unknown fields, no coercion, finite numbers, well-formed
 * UTF-8) and coerces only query strings and path parameters.
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import { Ajv, type Options as AjvOptions } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { WorkingCalendar } from '../domain/calendar.js';
import { AppError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js';
import { isDatabaseUnavailable, type Database } from '../db/client.js';
import { rateLimitKey, registerAccessCheck, registerAuthentication } from './auth.js';
import { createIdempotencyStore, idempotencyKeyOf, type IdempotencyStore } from './idempotency.js';
import { createCaseSyncWriter } from '../db/case-sync.js';
import type { OpeningDependencies } from './opening.js';
import { loadReferenceData, type ReferenceData } from './reference-data.js';
import { registerAdminRoutes } from './routes/admin.js';
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
  /** longest token lifetime accepted, seconds (default 30 days) */
  authMaxTokenLifetimeSeconds?: number;
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
  /** catalog, rules and calendar, held in memory */
  reference: ReferenceData;
  idempotency: IdempotencyStore;
  /** what opening a case needs (api/opening.ts) */
  opening: OpeningDependencies;
  /** the working calendar as published now */
  calendar(): Promise<WorkingCalendar>;
  /** drops cached reference data (after this process published a calendar year) */
  resetCalendar(): void;
}

// strictNumbers: JSON's 1e309 parses to Infinity, which is a number to JavaScript but no figure
const ajvBase: AjvOptions = { allErrors: false, useDefaults: false, strict: false, unicodeRegExp: true, strictNumbers: true };
const bodyAjv = new Ajv({ ...ajvBase, coerceTypes: false, removeAdditional: false });
const queryAjv = new Ajv({ ...ajvBase, coerceTypes: true, removeAdditional: false });

function errorBody(error: AppError) {
  return { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } };
}

function sendError(reply: FastifyReply, error: AppError) {
  return reply.code(error.statusCode).send(errorBody(error));
}

/** The codes a bare HTTP status maps to, for errors raised by plugins with only a status. */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/**
 * What the HTTP parser refuses before Fastify sees a request (oversized headers, a malformed
 * request line or Content-Length): answered in the error shape too, then the connection closes.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, appError] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, new AppError('HEADERS_TOO_LARGE', 'the request headers are larger than this server accepts')]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, null]
        : [400, new AppError('VALIDATION_FAILED', 'the request is not valid HTTP')];
  if (socket.writable) {
    const body = JSON.stringify(appError ? errorBody(appError) : { error: { code: 'REQUEST_TIMEOUT', message: 'the request took too long to arrive' } });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('VALIDATION_FAILED', 'the body does not match its Content-Length');
    default:
      break;
  }
  if (error.statusCode === 429) return new AppError('RATE_LIMITED', 'too many requests; retry later');
  // PostgreSQL class 22 (data exception: invalid text, NUL bytes, out-of-range values) is bad input.
  if (/^22/.test(String((error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code ?? ''))) {
    return new AppError('VALIDATION_FAILED', 'the request contains a value the database cannot store');
  }
  if (error instanceof SyntaxError) return new AppError('VALIDATION_FAILED', 'the request is not valid');
  // anything else a plugin raised with a 4xx status (a static file refused, a method not allowed)
  const code = error.statusCode !== undefined ? CODE_OF_STATUS[error.statusCode] : undefined;
  if (code) return new AppError(code, ERROR_STATUS[code] === error.statusCode ? error.message : STATUS_CODES[error.statusCode!] ?? 'refused');
  return null;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: 1024 * 1024,
    clientErrorHandler: answerClientError,
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

  // JSON bodies must be well-formed UTF-8: a replacement character would silently change the text.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new AppError('VALIDATION_FAILED', 'the body is not valid UTF-8'), undefined);
      return;
    }
    // the default parser answers through `done` (its return value is not a promise to await)
    void parseJson(request, text, done);
  });

  app.setErrorHandler((raw: FastifyError | AppError | Error, request, reply) => {
    const error =
      raw instanceof AppError
        ? raw
        : (fromFastifyError(raw as FastifyError) ??
          (isDatabaseUnavailable(raw) ? new AppError('DEPENDENCY_UNAVAILABLE', 'the database is unavailable', { dependency: 'database' }) : null));
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
    keyGenerator: (request) => rateLimitKey(request),
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

  const reference = await loadReferenceData(options.db, options.timeZone);
  // The token is verified first (the rate limit keys on its sub), the route's roles checked after.
  registerAuthentication(app, {
    secret: options.authJwtSecret,
    maxLifetimeSeconds: options.authMaxTokenLifetimeSeconds ?? 30 * 86_400,
    isDepartment: (code) => reference.isDepartment(code),
  });
  app.addHook('onRequest', app.rateLimit());
  registerAccessCheck(app);
  // The Idempotency-Key header is validated with the rest of the request (400), before any lookup (404).
  app.addHook('preValidation', async (request) => {
    idempotencyKeyOf(request);
  });

  const idempotency = createIdempotencyStore(options.db, (error) => app.log.warn({ err: error }, 'idempotency heartbeat failed'));
  app.addHook('onReady', () => idempotency.start());
  app.addHook('onClose', () => idempotency.stop());

  const context: AppContext = {
    db: options.db,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    timeZone: options.timeZone,
    reference,
    idempotency,
    opening: {
      db: options.db,
      temporal: options.temporal,
      taskQueue: options.taskQueue,
      timeZone: options.timeZone,
      reference,
      writer: createCaseSyncWriter({ sql: options.db.$client, timeZone: options.timeZone }),
    },
    calendar: () => reference.calendar(),
    resetCalendar: () => reference.invalidate(),
  };
  registerSystemRoutes(app, context);
  registerCatalogRoutes(app, context);
  registerCaseRoutes(app, context);
  registerTaskRoutes(app, context);
  registerSupervisionRoutes(app, context);
  registerCalendarRoutes(app, context);
  registerCertificateRoutes(app, context);
  registerAdminRoutes(app, context);
  return app;
}

