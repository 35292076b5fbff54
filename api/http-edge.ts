/**
 * The API's HTTP edge: strict validation and one error shape (SPEC §4 Errors) for everything a
 * request can meet, Fastify's own refusals and the HTTP parser's included. Validation is strict
 * for bodies (no unknown fields, no coercion, finite numbers, well-formed UTF-8) and coerces only
 * query strings and path parameters; `format`s (dates) are checked by ajv-formats.
 */
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../db/client.js';

// strictNumbers: JSON's 1e309 parses to Infinity, which is a number to JavaScript but no figure
const ajvBase: AjvOptions = { allErrors: false, useDefaults: false, strict: false, unicodeRegExp: true, strictNumbers: true };
const bodyAjv = addFormats.default(new Ajv({ ...ajvBase, coerceTypes: false, removeAdditional: false }), ['date', 'date-time']);
const queryAjv = addFormats.default(new Ajv({ ...ajvBase, coerceTypes: true, removeAdditional: false }), ['date', 'date-time']);

export function errorBody(error: AppError) {
  return { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } };
}

export function sendError(reply: FastifyReply, error: AppError) {
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
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
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


/** Validators, the JSON parser and the error and not-found handlers: every refusal in the error shape. */
export function registerHttpEdge(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema as object));

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
}
