/**
 * The access policy (api/policy.ts) route by route: every route of the table, called anonymously,
 * with each role, and by a reviewer of another department; the table against the app's routes;
 * and the OpenAPI document built from it (x-roles, the error responses, enums, valid OpenAPI 3).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../domain/case-types.js';
import { registerAccessPolicy, ROUTE_ROLES, rolesOf, type RouteKey } from '../../api/policy.js';
import { call, caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const tokens: Record<string, string | null> = {};
let params: Record<string, string>;
/** the department of the task the path names, and one with no task in the case */
let ownDepartment: string;
const otherDepartment = 'heritage';

beforeAll(async () => {
  stack = await startStack();
  const window = await stack.token({ role: 'window', sub: 'window-policy' });
  const opened = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectType: 'social-small' }));
  expect(opened.statusCode).toBe(201);
  const task = opened.json().stages[0].tasks[0] as { taskId: string; department: string };
  ownDepartment = task.department;
  expect(opened.json().stages.flatMap((s: { tasks: { department: string }[] }) => s.tasks.map((t) => t.department))).not.toContain(
    otherDepartment,
  );
  const coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-policy' });
  const escalated = await call(stack.app, 'POST', `/v1/cases/${opened.json().caseId}/escalations`, coordinator, { reason: '督办', level: 3 });
  expect(escalated.statusCode).toBe(201);
  params = {
    caseId: opened.json().caseId,
    taskId: task.taskId,
    stage: 'engineering-permit',
    escalationId: escalated.json().escalationId,
    year: '2027',
    publicationId: '2027-v1',
    number: 'NO-SUCH-CERTIFICATE',
  };
  tokens.anonymous = null;
  tokens.window = window;
  tokens.reviewer = await stack.token({ role: 'reviewer', department: ownDepartment, sub: 'reviewer-policy' });
  tokens.coordinator = coordinator;
  tokens.admin = await stack.token({ role: 'admin', sub: 'admin-policy' });
  tokens.otherReviewer = await stack.token({ role: 'reviewer', department: otherDepartment, sub: 'reviewer-other-policy' });
});
afterAll(async () => stack?.close());

const routes = Object.keys(ROUTE_ROLES) as RouteKey[];

function request(key: RouteKey): { method: 'GET' | 'POST' | 'PUT'; path: string; body?: object } {
  const [method, url] = key.split(' ') as ['GET' | 'POST' | 'PUT', string];
  const path = url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? name));
  // An empty body: a caller who may use the route gets 400 for it (nothing changes), one who may
  // not gets 403 first (SPEC §4: 401 → 403 → 400).
  return method === 'GET' ? { method, path } : { method, path, body: {} };
}

describe('the route table', () => {
  it('names exactly the routes the app serves', () => {
    for (const key of routes) {
      const [method, url] = key.split(' ') as [string, string];
      expect(stack.app.hasRoute({ method: method as 'GET', url }), key).toBe(true);
    }
  });

  it('refuses to register a route that has no entry', async () => {
    const app = Fastify();
    registerAccessPolicy(app);
    expect(() => app.get('/v1/forgotten', async () => ({}))).toThrow(/GET \/v1\/forgotten has no entry in ROUTE_ROLES/);
    await app.close();
  });

  it("enforces a table given in its place (the benchmark's app with its one route more)", async () => {
    const app = Fastify();
    app.decorateRequest('authentication', null);
    app.addHook('onRequest', async (request) => {
      const role = request.headers['x-test-role'];
      if (typeof role === 'string') request.authentication = { actor: { sub: `test-${role}`, name: role, role } as never };
    });
    registerAccessPolicy(app, { ...ROUTE_ROLES, 'POST /bench/extra': ['reviewer'] });
    app.post('/bench/extra', async () => ({ done: true }));
    expect(() => app.get('/v1/forgotten', async () => ({}))).toThrow(/GET \/v1\/forgotten has no entry/);
    const as = (role?: string) => app.inject({ method: 'POST', url: '/bench/extra', headers: role ? { 'x-test-role': role } : {} });
    expect((await as()).statusCode).toBe(401);
    expect((await as('window')).statusCode).toBe(403);
    expect((await as('reviewer')).json()).toEqual({ done: true });
    expect((await as('admin')).statusCode).toBe(200);
    // the table given does not leak into the API's own
    expect(rolesOf('POST', '/bench/extra')).toBeUndefined();
    await app.close();
  });
});

describe.each(['anonymous', 'window', 'reviewer', 'coordinator', 'admin', 'otherReviewer'])('as %s', (caller) => {
  it.each(routes)('%s', async (key) => {
    const { method, path, body } = request(key);
    const response = await call(stack.app, method, path, tokens[caller] ?? null, body);
    const roles = rolesOf(method, key.split(' ')[1]!);
    const role = caller === 'otherReviewer' ? 'reviewer' : caller;
    if (roles === 'public') {
      expect([401, 403], `${key}: ${response.body}`).not.toContain(response.statusCode);
    } else if (caller === 'anonymous') {
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    } else if (!roles!.includes(role as never)) {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error.code).toBe('FORBIDDEN');
    } else if (caller === 'otherReviewer' && key.includes(':caseId')) {
      // another department's case: invisible (404), its task not to be decided (403)
      expect([403, 404], `${key}: ${response.body}`).toContain(response.statusCode);
    } else {
      expect([401, 403], `${key}: ${response.body}`).not.toContain(response.statusCode);
      expect(response.statusCode, `${key}: ${response.body}`).toBeLessThan(500);
    }
  });
});

describe('the OpenAPI document', () => {
  let document: {
    paths: Record<string, Record<string, { 'x-roles': string[]; responses: Record<string, unknown>; parameters?: { name: string; schema: { enum?: string[] } }[] }>>;
  };
  beforeAll(async () => {
    document = (await call(stack.app, 'GET', '/docs/json', null)).json();
  });

  it('is valid OpenAPI 3', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('lists each operation’s roles as x-roles, from the policy, and the errors it can answer', () => {
    let operations = 0;
    for (const [path, byMethod] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(byMethod)) {
        operations += 1;
        const roles = rolesOf(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ':$1'));
        expect(operation['x-roles'], `${method} ${path}`).toEqual(roles === 'public' ? [] : roles);
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '429', '431']));
        if (roles !== 'public') expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '503']));
        if (method === 'post') expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['409', '413', '415']));
      }
    }
    expect(operations).toBe(routes.filter((key) => key !== 'GET /metrics').length);
    expect(document.paths['/v1/cases']!.post!['x-roles']).toEqual(['window', 'admin']);
    expect(document.paths['/v1/certificates/{number}']!.get!['x-roles']).toEqual([]);
  });

  it('shows closed lists as enums, and refuses values outside them', async () => {
    const status = document.paths['/v1/tasks']!.get!.parameters!.find((p) => p.name === 'status');
    expect(status?.schema.enum).toEqual([...TASK_STATUSES]);
    const refused = await call(stack.app, 'GET', '/v1/tasks?status=nonsense', tokens.coordinator!);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('VALIDATION_FAILED');
    const board = await call(stack.app, 'GET', '/v1/supervision/board?reason=bored', tokens.coordinator!);
    expect(board.statusCode).toBe(400);
  });
});
