/**
 * The audit trail verified (GET …/events?verify=true, scripts/verify-audit's check), its pages,
 * and what operations see: Prometheus metrics and request IDs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStoredChains } from '../../db/audit-verification.js';
import { buildTestApp, call, caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let window: string;
let caseId: string;

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  window = await stack.token({ role: 'window', sub: 'window-audit' });
  const opened = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectType: 'social-small' }));
  expect(opened.statusCode).toBe(201);
  caseId = opened.json().caseId;
  await call(stack.app, 'POST', `/v1/cases/${caseId}/escalations`, await stack.token({ role: 'coordinator' }), { reason: '督办' });
});
afterAll(async () => stack?.close());

describe('the audit trail', () => {
  it('pages oldest first, and a cursor the server did not issue is a 400', async () => {
    const all = (await call(stack.app, 'GET', `/v1/cases/${caseId}/events?limit=200`, window)).json();
    expect(all.items.length).toBeGreaterThan(3);
    expect(all.nextCursor).toBeNull();
    const first = (await call(stack.app, 'GET', `/v1/cases/${caseId}/events?limit=2`, window)).json();
    expect(first.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    const second = (await call(stack.app, 'GET', `/v1/cases/${caseId}/events?limit=2&cursor=${first.nextCursor}`, window)).json();
    expect(second.items.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
    expect(second.items[0].prevHash).toBe(first.items[1].hash);
    const bogus = await call(stack.app, 'GET', `/v1/cases/${caseId}/events?cursor=bm90LW91cnM`, window);
    expect(bogus.statusCode).toBe(400);
  });

  it('is verified on the server, and a tampered event is named as the first broken link', async () => {
    const intact = (await call(stack.app, 'GET', `/v1/cases/${caseId}/events?verify=true&limit=1`, window)).json();
    expect(intact.verification).toEqual({ verified: true, brokenAtSeq: null });
    expect(intact.items).toHaveLength(1);
    expect((await verifyStoredChains(stack.database.db)).broken).toEqual([]);

    // The table refuses UPDATE; only a superuser who switches triggers off can rewrite history.
    const sql = stack.database.db.$client;
    await expect(sql`update audit_events set type = type where case_id = ${caseId} and seq = 2`).rejects.toThrow();
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update audit_events set canonical = replace(canonical, '"seq":2', '"seq":2,"forged":true') where case_id = ${caseId} and seq = 2`;
    });
    const broken = (await call(stack.app, 'GET', `/v1/cases/${caseId}/events?verify=true`, window)).json();
    expect(broken.verification).toEqual({ verified: false, brokenAtSeq: 2 });
    const report = await verifyStoredChains(stack.database.db);
    expect(report.broken).toEqual([{ caseId, brokenAtSeq: 2 }]);
    expect(report.cases).toBe(1);
  });
});

describe('operations', () => {
  it('answers every request with an X-Request-Id, keeping a well-formed one the client sent', async () => {
    const generated = await call(stack.app, 'GET', '/healthz', null);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await call(stack.app, 'GET', '/v1/catalog', null, undefined, { 'x-request-id': 'lb-7f3a.42' });
    expect(kept.statusCode).toBe(401);
    expect(kept.headers['x-request-id']).toBe('lb-7f3a.42');
    const replaced = await call(stack.app, 'GET', '/healthz', null, undefined, { 'x-request-id': 'no spaces allowed' });
    expect(replaced.headers['x-request-id']).not.toBe('no spaces allowed');
  });

  it('exposes request latency by route and the caseload in Prometheus format', async () => {
    await call(stack.app, 'GET', '/v1/catalog', window);
    const metrics = await call(stack.app, 'GET', '/metrics', null);
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/v1\/catalog"[^}]*status_code="200"/);
    expect(metrics.body).toMatch(/^approval_cases_open 1$/m);
    expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('keeps /metrics for the scraper when METRICS_TOKEN is set', async () => {
    const app = await buildTestApp({ db: stack.database.db, temporal: stack.client, taskQueue: stack.taskQueue, metricsToken: 'scrape-secret-0123456789' });
    try {
      expect((await call(app, 'GET', '/metrics', null)).statusCode).toBe(401);
      expect((await call(app, 'GET', '/metrics', window)).statusCode).toBe(401);
      const scraped = await call(app, 'GET', '/metrics', 'scrape-secret-0123456789');
      expect(scraped.statusCode).toBe(200);
      expect(scraped.body).toContain('approval_cases_open');
    } finally {
      await app.close();
    }
  });
});
