/**
 * The OpenAPI contract at `/docs/json` (UI at `/docs`), complete by construction:
 * - each route declares only its success response; the responses every route of its kind can give
 *   are added here when it is registered (so they are also serialized by their schema): 400, 429
 *   and 431 everywhere, 401/403 where a token is needed, 404 where the path (or the body) names
 *   something, 409/413/415 where a body is sent, 422 for opening a case and commands on one, 503
 *   where a dependency is used;
 * - each operation lists the roles that may call it as `x-roles`, from the access policy
 *   (`[]`: anonymous), and its security (none for public routes);
 * - POST and PUT operations document the `Idempotency-Key` header, every response `X-Request-Id`,
 *   and 429 its `Retry-After`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { DOCS_PREFIX, rolesOf } from './policy.js';
import { ErrorResponse } from './schemas.js';

const ERROR_MEANING: Record<number, string> = {
  400: 'VALIDATION_FAILED: the request is not valid',
  401: 'UNAUTHENTICATED: no token, or a token this server does not accept',
  403: 'FORBIDDEN: the role may not use this route, or a reviewer acting on another department',
  404: 'NOT_FOUND: nothing by that name (or nothing the caller may see)',
  409: 'a conflict with the current state (code names it) or with an earlier request under the same Idempotency-Key',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than 1 MiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: bodies must be application/json',
  422: 'the request is valid but the case cannot take it (CASE_BUDGET_EXCEEDED, …)',
  429: 'RATE_LIMITED: too many requests; see Retry-After',
  431: 'HEADERS_TOO_LARGE: the request headers are too large',
  503: 'DEPENDENCY_UNAVAILABLE: Temporal, a worker or the database is unavailable; safe to retry with the same Idempotency-Key',
};

/** The error statuses a route can answer, from what it is (the check order is SPEC §4's). */
export function errorStatusesOf(route: Pick<RouteOptions, 'method' | 'url' | 'schema'>): number[] {
  const method = [route.method].flat()[0] ?? 'GET';
  const roles = rolesOf(method, route.url);
  const statuses = new Set([400, 429, 431]);
  if (roles !== 'public') [401, 403].forEach((s) => statuses.add(s));
  // a body may name a case too (an intake notice for a later stage)
  const bodyNamesCase = JSON.stringify(route.schema?.body ?? {}).includes('"caseId"');
  if (route.url.includes(':') || bodyNamesCase) statuses.add(404);
  if (route.schema?.body) [409, 413, 415].forEach((s) => statuses.add(s));
  // opening a case (MATERIALS_INCOMPLETE) and every command on one (budget, materials)
  if (method === 'POST' && (route.url === '/v1/cases' || route.url.startsWith('/v1/cases/:caseId/') || bodyNamesCase)) statuses.add(422);
  if (route.url.startsWith('/v1/') || route.url === '/readyz') statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/** Adds the error responses of every route registered after it (before validation and serialization are compiled). */
function addErrorResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(DOCS_PREFIX) || route.schema?.hide) return;
    const schema = (route.schema ??= {});
    const response = (schema.response ??= {}) as Record<string, unknown>;
    for (const status of errorStatusesOf(route)) {
      response[status] ??= { ...ErrorResponse, description: ERROR_MEANING[status] };
    }
  });
}

type Operation = {
  parameters?: { in: string; name: string }[];
  responses?: Record<string, { headers?: Record<string, unknown> }>;
  security?: unknown[];
  [key: `x-${string}`]: unknown;
};

/** `/v1/cases/{caseId}` → `/v1/cases/:caseId`, the policy's spelling. */
const routeUrl = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/**
 * OpenAPI 3.0 schemas take one `example`, not JSON Schema's `examples` array; @fastify/swagger
 * converts the top level of each schema but not inside anyOf. (A media type's or parameter's
 * `examples` is a map, not an array: left as it is.)
 */
function convertExamples(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(convertExamples);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record.examples)) {
    if (record.example === undefined && record.examples.length > 0) record.example = record.examples[0];
    delete record.examples;
  }
  Object.values(record).forEach(convertExamples);
}

function annotate(document: { paths?: Record<string, Record<string, Operation>> }) {
  convertExamples(document.paths);
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const roles = rolesOf(method.toUpperCase(), routeUrl(path));
      operation['x-roles'] = roles === 'public' || roles === undefined ? [] : roles;
      if (roles === 'public') operation.security = [];
      if (method === 'post' || method === 'put') {
        (operation.parameters ??= []).push({
          in: 'header',
          name: 'Idempotency-Key',
          required: false,
          description: 'a repeat with the same body returns the first response; scoped to the token’s sub',
          schema: { type: 'string', minLength: 1, maxLength: 200 },
        } as { in: string; name: string });
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        response.headers = {
          ...response.headers,
          'X-Request-Id': { description: 'this request’s ID, also in the log lines', schema: { type: 'string' } },
          ...(status === '429' ? { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } : {}),
        };
      }
    }
  }
  return document;
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  addErrorResponses(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Parallel construction-project approval API',
        description:
          '工程建设项目并联审批: cases, department tasks, working-day clocks and supervision. Each operation lists the roles that may call it as `x-roles` (administrators may call every route that takes a token; `[]`: no token needed). Errors are `{"error": {"code", "message", "details"}}`.',
        version: '1',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256; claims sub, name, role, department' } },
      },
      security: [{ bearer: [] }],
    },
    transformObject: (documents) =>
      'openapiObject' in documents ? (annotate(documents.openapiObject as Parameters<typeof annotate>[0]) as typeof documents.openapiObject) : documents.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
