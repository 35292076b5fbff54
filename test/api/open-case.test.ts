import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../../db/audit-chain.js';
import { findCaseRow } from '../../db/queries.js';
import { call, caseBody, startStack, TEST_SECRET, type Stack } from '../support/stack.js';

let stack: Stack;
let window: string;
let drcReviewer: string;

beforeAll(async () => {
  stack = await startStack();
  window = await stack.token({ role: 'window', sub: 'window-1' });
  drcReviewer = await stack.token({ role: 'reviewer', department: 'drc' });
});
afterAll(async () => stack?.close());

describe('POST /v1/cases', () => {
  it('opens a gov-building case whose stage-1 tasks come back from the read model', async () => {
    const created = await call(stack.app, 'POST', '/v1/cases', window, caseBody());
    expect(created.statusCode).toBe(201);
    const opened = created.json();
    expect(opened.status).toBe('open');
    expect(opened.currentStage).toBe('land-use-planning');
    expect(opened.catalogVersion).toBe(2);
    // its workflow is started, and marked so: the sweep leaves it alone
    expect((await findCaseRow(stack.database.db, opened.caseId))?.workflowRan).toBe(true);

    const fetched = await call(stack.app, 'GET', `/v1/cases/${opened.caseId}`, window);
    expect(fetched.statusCode).toBe(200);
    const view = fetched.json();
    expect(view.stages.map((s: { code: string }) => s.code)).toEqual([
      'land-use-planning',
      'engineering-permit',
      'construction-permit',
      'completion-acceptance',
    ]);
    const tasks = view.stages[0].tasks as { itemCode: string; department: string; status: string; dueDate: string | null }[];
    expect(tasks.map((t) => t.department).sort()).toEqual(['drc', 'eco', 'heritage', 'nrp', 'nrp']);
    const byItem = Object.fromEntries(tasks.map((t) => [t.itemCode, t]));
    expect(byItem['land-use-permit']?.status).toBe('blocked');
    expect(byItem['land-use-permit']?.dueDate).toBeNull();
    for (const code of ['project-approval', 'land-site-review', 'eia', 'heritage-survey']) {
      expect(byItem[code]?.status).toBe('pending');
      expect(byItem[code]?.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(view.stages[0].committedDays).toBe(20);
    expect(view.light).toBe('green');
  });

  it('answers a retried request with the first response and opens nothing twice', async () => {
    const body = caseBody();
    const headers = { 'idempotency-key': 'open-retry-1' };
    const first = await call(stack.app, 'POST', '/v1/cases', window, body, headers);
    const again = await call(stack.app, 'POST', '/v1/cases', window, body, headers);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().caseId).toBe(first.json().caseId);
    const list = await call(stack.app, 'GET', `/v1/cases?q=${body.projectCode as string}`, window);
    expect(list.json().items).toHaveLength(1);

    const reused = await call(stack.app, 'POST', '/v1/cases', window, { ...body, projectName: 'other' }, headers);
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses a second open case for the same project, naming the open one', async () => {
    const body = caseBody();
    const first = await call(stack.app, 'POST', '/v1/cases', window, body);
    const second = await call(stack.app, 'POST', '/v1/cases', window, body);
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'CASE_ALREADY_OPEN', details: { caseId: first.json().caseId } });
  });

  it.each([
    ['an unknown field', { surprise: true }],
    ['a number given as a string', { totalInvestment: '12' }],
    ['a string given as a number', { projectName: 12345 }],
    ['a malformed project code', { projectCode: '2026-61-47-01-1' }],
    ['a credit code with a wrong check character', { applicant: { name: 'x', creditCode: '91350100M000100Y44' } }],
    ['a control character in a name', { projectName: 'bad\u0007name' }],
    ['an unknown project type', { projectType: 'castle' }],
    ['more than 100 materials', { materials: Array.from({ length: 101 }, () => ({ name: 'm' })) }],
    ['copies out of range', { materials: [{ name: 'm', copies: 100 }] }],
  ])('answers 400 VALIDATION_FAILED for %s and opens nothing', async (_name, override) => {
    const body = caseBody(override);
    const response = await call(stack.app, 'POST', '/v1/cases', window, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    const list = await call(stack.app, 'GET', `/v1/cases?q=${encodeURIComponent(String(body.projectCode))}`, window);
    expect(list.json().items).toHaveLength(0);
  });

  it('keeps text exactly as given, any Unicode', async () => {
    const name = '西安 — “新校区” 🏫\ttab\nnewline';
    const response = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectName: name }));
    expect(response.statusCode).toBe(201);
    expect(response.json().projectName).toBe(name);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const response = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectName: 'x'.repeat(1_100_000) }));
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a window that back-dates with 403, before looking at the rest of the body', async () => {
    const response = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ acceptedAt: 'garbage', projectCode: 'bad' }));
    expect(response.statusCode).toBe(403);
  });

  it('answers a repeated refused request with the same refusal, without acting again', async () => {
    const body = caseBody();
    await call(stack.app, 'POST', '/v1/cases', window, body);
    const headers = { 'idempotency-key': `refused-${Date.now()}` };
    const first = await call(stack.app, 'POST', '/v1/cases', window, body, headers);
    const again = await call(stack.app, 'POST', '/v1/cases', window, body, headers);
    expect(first.statusCode).toBe(409);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('checks the body (400) before the Idempotency-Key (409)', async () => {
    const headers = { 'idempotency-key': `order-${Date.now()}` };
    expect((await call(stack.app, 'POST', '/v1/cases', window, caseBody(), headers)).statusCode).toBe(201);
    const invalid = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectCode: 'nope' }), headers);
    expect(invalid.statusCode).toBe(400);
  });

  it('lets only an administrator back-date a case', async () => {
    const acceptedAt = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const byWindow = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ acceptedAt }));
    expect(byWindow.statusCode).toBe(403);
    const admin = await stack.token({ role: 'admin' });
    const future = await call(stack.app, 'POST', '/v1/cases', admin, caseBody({ acceptedAt: '2099-01-01T00:00:00+08:00' }));
    expect(future.statusCode).toBe(400);
  });
});

describe('authentication and the 401 → 403 → 400 order', () => {
  const sign = (claims: Record<string, unknown>, alg = 'HS256', secret = TEST_SECRET, exp = '1h') =>
    new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

  it.each([
    ['no token', async () => null],
    ['a bad signature', async () => sign({ sub: 'a', name: 'a', role: 'window' }, 'HS256', 'another-secret-another-secret-another')],
    ['another algorithm than HS256', async () => sign({ sub: 'a', name: 'a', role: 'window' }, 'HS512')],
    ['an expired token', async () => sign({ sub: 'a', name: 'a', role: 'window' }, 'HS256', TEST_SECRET, '-1m')],
    ['a missing name claim', async () => sign({ sub: 'a', role: 'window' })],
    ['an unknown role', async () => sign({ sub: 'a', name: 'a', role: 'mayor' })],
    ['a reviewer without a department', async () => sign({ sub: 'a', name: 'a', role: 'reviewer' })],
  ])('answers 401 for %s, even with a bad body', async (_name, makeToken) => {
    const response = await call(stack.app, 'POST', '/v1/cases', await makeToken(), { nonsense: 1 });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('answers 403 before 400 to a role the route does not allow', async () => {
    const response = await call(stack.app, 'POST', '/v1/cases', drcReviewer, { nonsense: 1 });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['a path parameter', '/v1/cases/a%00b', true],
    ['a public path parameter', '/v1/certificates/a%00b', false],
    ['a query parameter', '/v1/cases?q=a%00b', true],
  ])('answers 400, not 500, for a NUL byte in %s', async (_name, url, withToken) => {
    const response = await call(stack.app, 'GET', url, withToken ? window : null);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 for a lone UTF-16 surrogate (PostgreSQL cannot store it) and keeps well-formed emoji', async () => {
    const bad = await stack.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { authorization: `Bearer ${window}`, 'content-type': 'application/json' },
      payload: JSON.stringify(caseBody()).replace('西安市第一中学新校区', 'bad \\ud800 name'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['an over-long path parameter', `/v1/cases/${'x'.repeat(300)}`],
    ['a malformed percent-encoding', '/v1/cases/%E0%A4%A'],
  ])('answers %s in the error shape', async (_name, url) => {
    const response = await call(stack.app, 'GET', url, window);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.json().error.code).toEqual(expect.any(String));
  });

  it('checks the Idempotency-Key header (400) before looking the case up (404)', async () => {
    const response = await call(stack.app, 'POST', '/v1/cases/C20260101-NOPE/withdraw', window, { reason: '撤回' }, {
      'idempotency-key': 'k'.repeat(201),
    });
    expect(response.statusCode).toBe(400);
  });

  it('answers 404 in the error shape for unknown cases and routes', async () => {
    const missing = await call(stack.app, 'GET', '/v1/cases/C20260101-NOPE', window);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    const route = await call(stack.app, 'GET', '/v1/nowhere', window);
    expect(route.json().error.code).toBe('NOT_FOUND');
  });
});

describe('audit trail', () => {
  it('chains each event to the previous one by SHA-256 of its canonical JSON', async () => {
    const opened = (await call(stack.app, 'POST', '/v1/cases', window, caseBody())).json();
    const response = await call(stack.app, 'GET', `/v1/cases/${opened.caseId}/events?limit=200`, window);
    const events = response.json().items as { seq: number; hash: string; prevHash: string; type: string }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('case_opened');
    let prev = GENESIS_HASH;
    for (const event of events) {
      const { hash, ...body } = event;
      expect(event.prevHash).toBe(prev);
      expect(sha256Hex(canonicalJson(body))).toBe(hash);
      prev = hash;
    }
  });
});

describe('system routes', () => {
  it('reports liveness, readiness and the OpenAPI document', async () => {
    expect((await call(stack.app, 'GET', '/healthz', null)).statusCode).toBe(200);
    const ready = await call(stack.app, 'GET', '/readyz', null);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
    const docs = await call(stack.app, 'GET', '/docs/json', null);
    expect(Object.keys(docs.json().paths)).toContain('/v1/cases/{caseId}');
  });

  it('serves the catalog: types → stages → items', async () => {
    const catalog = (await call(stack.app, 'GET', '/v1/catalog', drcReviewer)).json();
    const govBuilding = catalog.projectTypes.find((t: { code: string }) => t.code === 'gov-building');
    expect(govBuilding.stages.map((s: { committedDays: number }) => s.committedDays)).toEqual([20, 15, 13, 10]);
    expect(catalog.departments.length).toBeGreaterThanOrEqual(8);
    const items = govBuilding.stages.flatMap((stage: { items: { code: string }[] }) => stage.items);
    expect(items).toHaveLength(17);
    expect(items.find((i: { code: string }) => i.code === 'heritage-survey')).toMatchObject({ deemedConsent: true, department: 'heritage' });
    expect(items.find((i: { code: string }) => i.code === 'land-use-permit')).toMatchObject({
      certificate: { zh: '建设用地规划许可证' },
      after: ['land-site-review'],
      statutoryDays: 20,
      committedDays: 5,
    });
  });
});
