/**
 * No request the API accepts can terminate, wedge or poison a case (SPEC §6.0 Case budget).
 * Over the wire, against the real worker, Temporal and PostgreSQL: the three requests that once
 * broke a case, then one case driven to its budget along each path, still alive at the end.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../db/audit-chain.js';
import { findAuditEvents, findCaseRow, findEscalationsOfCase } from '../../db/queries.js';
import { createHttpClient, createReviewerTokens, listen, sendRaw, type HttpCall } from '../support/http-client.js';
import { caseBody, startStack, TEST_SECRET, type Stack } from '../support/stack.js';
import { withChecklist } from '../support/materials.js';

let stack: Stack;
let base: string;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let window: string;
let coordinator: string;

interface TaskJson {
  taskId: string;
  itemCode: string;
  department: string;
  status: string;
}
interface CaseJson {
  caseId: string;
  status: string;
  stages: { code: string; tasks: TaskJson[] }[];
}

beforeAll(async () => {
  stack = await startStack();
  base = await listen(stack);
  http = createHttpClient(base);
  reviewer = createReviewerTokens(stack);
  window = await stack.token({ role: 'window', sub: 'window-budget' });
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-budget' });
});
afterAll(async () => stack?.close());

/** A character that weighs four bytes in UTF-8. */
const FOUR_BYTES = '𠀀';
const text = (characters: number, unit = FOUR_BYTES) => unit.repeat(characters);

async function openCase(overrides: Record<string, unknown> = {}): Promise<CaseJson> {
  const response = await http('POST', '/v1/cases', window, caseBody(overrides));
  expect(response.status).toBe(201);
  return response.json as CaseJson;
}

async function getCase(caseId: string): Promise<CaseJson> {
  const response = await http('GET', `/v1/cases/${caseId}`, window);
  expect(response.status).toBe(200);
  return response.json as CaseJson;
}

async function taskOf(caseId: string, itemCode: string): Promise<TaskJson> {
  const task = (await getCase(caseId)).stages.flatMap((s) => s.tasks).find((t) => t.itemCode === itemCode);
  if (!task) throw new Error(`no task ${itemCode}`);
  return task;
}

async function decide(caseId: string, itemCode: string, body: Record<string, unknown>) {
  const task = await taskOf(caseId, itemCode);
  return http('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, await reviewer(task.department), body);
}

async function supplement(caseId: string, itemCode: string, materials: unknown[]) {
  const task = await taskOf(caseId, itemCode);
  return http('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/supplement`, window, { materials });
}

/** The case is alive: its chain verifies, a decision lands, and it can be withdrawn. */
async function expectAlive(caseId: string, pendingItem: string): Promise<void> {
  const approved = await decide(caseId, pendingItem, { decision: 'approve', opinion: '同意' });
  expect(approved.status).toBe(200);
  expect(approved.json.status).toBe('approved');
  const withdrawn = await http('POST', `/v1/cases/${caseId}/withdraw`, window, { reason: '测试结束，撤回' });
  expect(withdrawn.status).toBe(200);
  expect(withdrawn.json.status).toBe('withdrawn');
  expect(verifyChain(await findAuditEvents(stack.database.db, caseId))).toEqual({ verified: true, brokenAtSeq: null });
}

function expectBudgetRefusal(response: { status: number; json: any }, budget: string): void {
  expect(response.status).toBe(422);
  expect(response.json.error).toMatchObject({ code: 'CASE_BUDGET_EXCEEDED', details: { budget } });
}

describe('the requests that once broke a case', () => {
  it('refuses 100 conditions of 2,000 four-byte characters (a valid 800 KB body) with 422; the case goes on', async () => {
    const { caseId } = await openCase();
    const huge = { decision: 'approve', conditions: Array.from({ length: 100 }, () => text(2000)) };
    expectBudgetRefusal(await decide(caseId, 'land-site-review', huge), 'taskTextBytes');
    expect((await decide(caseId, 'land-site-review', { decision: 'approve', opinion: '同意' })).status).toBe(200);
    expectBudgetRefusal(await decide(caseId, 'land-use-permit', huge), 'taskTextBytes');
    // nothing of the refusal was written, and the case takes the next request at once
    expect((await taskOf(caseId, 'land-use-permit')).status).toBe('pending');
    await expectAlive(caseId, 'land-use-permit');
  });

  it('refuses Infinity (1e309) in every figure with 400 and opens nothing; lists still answer', async () => {
    for (const field of ['totalInvestment', 'landArea', 'floorArea']) {
      const body = caseBody();
      const raw = JSON.stringify({ ...body, [field]: 1 }).replace(`"${field}":1`, `"${field}":1e309`);
      const response = await fetch(`${base}/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${window}`, 'content-type': 'application/json' },
        body: raw,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
      const listed = await http('GET', `/v1/cases?q=${body.projectCode as string}`, window);
      expect(listed.status).toBe(200);
      expect(listed.json.items).toEqual([]);
    }
  });

  it('refuses a token whose name holds U+0000 with 401, and applies nothing', async () => {
    const { caseId } = await openCase();
    const task = await taskOf(caseId, 'project-approval');
    const now = Math.floor(Date.now() / 1000);
    const poisoned = await new SignJWT({ name: 'drc\u0000', role: 'reviewer', department: 'drc' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('reviewer-poison')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const refused = await http('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, poisoned, { decision: 'approve' });
    expect(refused.status).toBe(401);
    expect((await taskOf(caseId, 'project-approval')).status).toBe('pending');
    await expectAlive(caseId, 'project-approval');
  });
});

describe('a case driven to its budget', () => {
  it('takes conditions up to 64 KiB of text per task, refuses the byte past it, and goes on', async () => {
    const { caseId } = await openCase();
    // 32 conditions of 2,000 ASCII characters: 64,000 bytes, within 65,536
    const within = await decide(caseId, 'project-approval', { decision: 'approve', conditions: Array.from({ length: 32 }, () => text(2000, 'a')) });
    expect(within.status).toBe(200);
    const past = await decide(caseId, 'eia', { decision: 'approve', conditions: Array.from({ length: 33 }, () => text(2000, 'a')) });
    expectBudgetRefusal(past, 'taskTextBytes');
    await expectAlive(caseId, 'eia');
  });

  it('counts opinions and missing materials over supplement rounds, refusing the round that passes the budget', async () => {
    const { caseId } = await openCase();
    // each round: an opinion of 2,000 four-byte characters and 10 missing materials of 200 (16,000 bytes)
    const round = {
      decision: 'request_supplement',
      opinion: text(2000),
      missingMaterials: Array.from({ length: 10 }, () => text(200)),
    };
    for (let i = 0; i < 4; i += 1) {
      expect((await decide(caseId, 'eia', round)).status).toBe(200);
      expect((await supplement(caseId, 'eia', [{ name: `补正材料 ${i + 1}` }])).status).toBe(200);
    }
    expectBudgetRefusal(await decide(caseId, 'eia', round), 'taskTextBytes');
    await expectAlive(caseId, 'eia');
  });

  it('takes 10 supplement rounds on a task and refuses the eleventh', async () => {
    const { caseId } = await openCase();
    const round = { decision: 'request_supplement', opinion: '请补正', missingMaterials: ['图纸'] };
    for (let i = 0; i < 10; i += 1) {
      expect((await decide(caseId, 'project-approval', round)).status).toBe(200);
      expect((await supplement(caseId, 'project-approval', [{ name: '图纸' }])).status).toBe(200);
    }
    expectBudgetRefusal(await decide(caseId, 'project-approval', round), 'supplementRounds');
    await expectAlive(caseId, 'project-approval');
  });

  it('takes 20 open escalations and 100 in all, refusing the next of each; they keep their reasons', async () => {
    const { caseId } = await openCase();
    const escalate = (i: number) =>
      http('POST', `/v1/cases/${caseId}/escalations`, coordinator, { reason: `${text(1990)}${String(i).padStart(4, '0')}`, level: 3 });
    const opened: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const response = await escalate(i);
      expect(response.status).toBe(201);
      opened.push(response.json.escalationId as string);
    }
    expectBudgetRefusal(await escalate(20), 'openEscalations');
    for (let i = 20; i < 100; i += 1) {
      const resolved = await http('POST', `/v1/cases/${caseId}/escalations/${opened.shift()}/resolve`, coordinator, { resolution: '已协调' });
      expect(resolved.status).toBe(200);
      const response = await escalate(i);
      expect(response.status).toBe(201);
      opened.push(response.json.escalationId as string);
    }
    await http('POST', `/v1/cases/${caseId}/escalations/${opened.shift()}/resolve`, coordinator, { resolution: '已协调' });
    expectBudgetRefusal(await escalate(100), 'totalEscalations');
    const ours = await findEscalationsOfCase(stack.database.db, caseId);
    expect(ours).toHaveLength(100);
    expect(ours.every((e) => e.reason.length === 1990 * 2 + 4)).toBe(true);
    await expectAlive(caseId, 'project-approval');
  }, 180_000);

  it('takes 500 materials of maximal text (near 1 MiB a request) over the case, refusing the 501st', async () => {
    const material = (i: number) => ({ name: text(200), note: `${text(1990)}${String(i).padStart(4, '0')}`, copies: 1 });
    const hundred = (round: number) => Array.from({ length: 100 }, (_, i) => material(round * 100 + i));
    const { caseId } = await openCase({ materials: withChecklist(hundred(0), 'gov-building', 'land-use-planning') });
    for (let round = 1; round < 5; round += 1) {
      expect((await decide(caseId, 'eia', { decision: 'request_supplement', opinion: '请补正', missingMaterials: ['报告'] })).status).toBe(200);
      expect((await supplement(caseId, 'eia', hundred(round))).status).toBe(200);
    }
    expect((await decide(caseId, 'eia', { decision: 'request_supplement', opinion: '请补正', missingMaterials: ['报告'] })).status).toBe(200);
    expectBudgetRefusal(await supplement(caseId, 'eia', [{ name: '再补一份' }]), 'materials');
    // the refusal changed nothing: the task still waits for the applicant, and the case lives
    expect((await taskOf(caseId, 'eia')).status).toBe('awaiting_supplement');
    const row = await findCaseRow(stack.database.db, caseId);
    expect(row?.fault).toBeNull();
    await expectAlive(caseId, 'project-approval');
  }, 120_000);
});

describe('what the HTTP layer refuses, in the error shape', () => {
  it('answers oversized headers with 431 HEADERS_TOO_LARGE', async () => {
    const answer = await sendRaw(base, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
  });

  it('answers a malformed Content-Length, or one beside chunked encoding, with 400 VALIDATION_FAILED', async () => {
    for (const head of ['Content-Length: abc', 'Content-Length: 3\r\nTransfer-Encoding: chunked']) {
      const answer = await sendRaw(base, `POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${head}\r\n\r\n{}`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('answers a path climbing out of the docs’ static files in the error shape, never 500', async () => {
    for (const path of ['/docs/static/..', '/docs/static/%2e%2e/%2e%2e/package.json']) {
      const answer = await sendRaw(base, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(JSON.parse(answer.body)).toHaveProperty('error.code');
    }
  });

  it('refuses a body that is not valid UTF-8 with 400 instead of repairing it', async () => {
    const { caseId } = await openCase();
    const body = Buffer.concat([Buffer.from('{"reason":"撤回'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const head = `POST /v1/cases/${caseId}/withdraw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${window}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const answer = await sendRaw(base, Buffer.concat([Buffer.from(head), body]));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await getCase(caseId)).status).toBe('open');
  });
});
