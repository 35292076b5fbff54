/**
 * When a case's workflow dies anyway (terminated, or stopped at a write the database refuses for
 * good), nothing is lost: the sweep finds it, the board and the case show the fault, requests are
 * refused with CASE_FAULTED, and an administrator retries, resets or closes it. Real worker,
 * Temporal and PostgreSQL throughout; a database of its own, because one test adds a constraint
 * that refuses a write.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepEndedWorkflows } from '../../api/recovery.js';
import { verifyChain } from '../../db/audit-chain.js';
import { findAuditEvents } from '../../db/queries.js';
import { caseWorkflowId } from '../../temporal.config.js';
import { createHttpClient, createReviewerTokens, listen, type HttpCall } from '../support/http-client.js';
import { caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let base: string;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let window: string;
let coordinator: string;
let admin: string;

interface TaskJson {
  taskId: string;
  itemCode: string;
  department: string;
  status: string;
  decision: { opinion: string | null } | null;
}
interface CaseJson {
  caseId: string;
  projectCode: string;
  status: string;
  fault: { kind: string; message: string } | null;
  stages: { code: string; tasks: TaskJson[] }[];
}

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  base = await listen(stack);
  http = createHttpClient(base);
  reviewer = createReviewerTokens(stack);
  window = await stack.token({ role: 'window', sub: 'window-recovery' });
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-recovery' });
  admin = await stack.token({ role: 'admin', sub: 'admin-recovery' });
});
afterAll(async () => stack?.close());

async function openCase(overrides: Record<string, unknown> = {}): Promise<CaseJson> {
  const response = await http('POST', '/v1/cases', window, caseBody({ projectType: 'social-small', ...overrides }));
  expect(response.status).toBe(201);
  return response.json as CaseJson;
}

async function getCase(caseId: string): Promise<CaseJson> {
  return (await http('GET', `/v1/cases/${caseId}`, coordinator)).json as CaseJson;
}

async function taskOf(caseId: string, itemCode: string): Promise<TaskJson> {
  const task = (await getCase(caseId)).stages.flatMap((s) => s.tasks).find((t) => t.itemCode === itemCode);
  if (!task) throw new Error(`no task ${itemCode}`);
  return task;
}

async function decide(caseId: string, itemCode: string, opinion: string) {
  const task = await taskOf(caseId, itemCode);
  return http('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, await reviewer(task.department), { decision: 'approve', opinion });
}

let recoveries = 0;
const recover = (caseId: string, action: string, reason: string) =>
  http('POST', `/v1/admin/cases/${caseId}/recover`, admin, { action, reason }, { 'Idempotency-Key': `${caseId}-${action}-${++recoveries}` });

async function boardReasons(caseId: string): Promise<string[] | undefined> {
  const board = await http('GET', '/v1/supervision/board', coordinator);
  expect(board.status).toBe(200);
  return (board.json.items as { caseId: string; reasons: string[] }[]).find((e) => e.caseId === caseId)?.reasons;
}

async function expectChainWhole(caseId: string): Promise<void> {
  expect(verifyChain(await findAuditEvents(stack.database.db, caseId))).toEqual({ verified: true, brokenAtSeq: null });
}

async function terminate(caseId: string): Promise<void> {
  await stack.client.workflow.getHandle(caseWorkflowId(caseId)).terminate('killed by the test');
}

/**
 * Sweeps until `caseId` shows its fault. The sweep lists closed workflows through
 * Temporal's visibility store, which shows a termination a moment after it happens.
 */
async function expectSweptFaulted(caseId: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await sweepEndedWorkflows(stack.database.db, stack.client, stack.taskQueue, null);
        return (await getCase(caseId)).fault?.kind;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBe('workflow_closed');
}

describe('a case whose workflow was terminated', () => {
  it('is found by the sweep, shown on the board, refuses requests, and is reset to its last good point', async () => {
    const opened = await openCase();
    expect((await decide(opened.caseId, 'project-approval', '同意立项')).status).toBe(200);
    await terminate(opened.caseId);

    await expectSweptFaulted(opened.caseId);
    // a second sweep finds nothing new
    expect(await sweepEndedWorkflows(stack.database.db, stack.client, stack.taskQueue, null)).not.toContain(opened.caseId);
    expect((await getCase(opened.caseId)).fault).toMatchObject({ kind: 'workflow_closed' });
    expect(await boardReasons(opened.caseId)).toContain('fault');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^approval_cases_faulted 1$/m);
    const refused = await decide(opened.caseId, 'land-use-permit', '同意');
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('CASE_FAULTED');
    expect((await http('POST', `/v1/admin/cases/${opened.caseId}/recover`, coordinator, { action: 'reset', reason: '恢复' })).status).toBe(403);

    const reset = await recover(opened.caseId, 'reset', '工作流被误终止，恢复到最后一次写入');
    expect(reset.status).toBe(200);
    expect(reset.json.fault).toBeNull();
    expect(reset.json.status).toBe('open');
    // what was written before the termination is all there; the case goes on from it
    expect((await taskOf(opened.caseId, 'project-approval')).status).toBe('approved');
    expect(await boardReasons(opened.caseId)).toBeUndefined();
    expect((await decide(opened.caseId, 'land-use-permit', '同意')).status).toBe(200);
    const events = await findAuditEvents(stack.database.db, opened.caseId);
    expect(events.map((e) => e.type)).toContain('case_reset');
    await expectChainWhole(opened.caseId);
  });

  it('is closed by an administrator with a reason in its chain, and the project can be filed again', async () => {
    const opened = await openCase();
    await terminate(opened.caseId);
    await expectSweptFaulted(opened.caseId);
    const blocked = await http('POST', '/v1/cases', window, caseBody({ projectType: 'social-small', projectCode: opened.projectCode }));
    expect(blocked.json.error.code).toBe('CASE_ALREADY_OPEN');

    const closed = await recover(opened.caseId, 'close', '项目重新申报');
    expect(closed.status).toBe(200);
    expect(closed.json.status).toBe('withdrawn');
    expect(closed.json.stages.flatMap((s: { tasks: TaskJson[] }) => s.tasks).every((t: TaskJson) => t.status !== 'pending')).toBe(true);
    const events = await findAuditEvents(stack.database.db, opened.caseId);
    expect(events.at(-1)?.type).toBe('case_closed_by_admin');
    expect(JSON.parse(events.at(-1)!.canonical).data).toMatchObject({ reason: '项目重新申报' });
    await expectChainWhole(opened.caseId);

    const again = await http('POST', '/v1/cases', window, caseBody({ projectType: 'social-small', projectCode: opened.projectCode }));
    expect(again.status).toBe(201);
    expect((await recover(opened.caseId, 'close', '再次关闭')).json.error.code).toBe('CASE_CLOSED');
  });
});

describe('a case stopped at a write the database refuses for good', () => {
  // stands for any value the database cannot take that slipped past validation
  const POISON = '毒药意见';
  const addPoison = () =>
    stack.database.db.execute(
      sql.raw(`alter table tasks add constraint test_poison check (coalesce(decision_text->>'opinion', '') <> '${POISON}') not valid`),
    );
  const removePoison = () => stack.database.db.execute(sql.raw('alter table tasks drop constraint if exists test_poison'));

  it('stops with a fault instead of retrying forever; after the repair a retry writes what was held back', async () => {
    const opened = await openCase();
    await addPoison();
    try {
      const poisoned = await decide(opened.caseId, 'project-approval', POISON);
      expect(poisoned.status).toBe(409);
      expect(poisoned.json.error.code).toBe('CASE_FAULTED');
      await expect.poll(async () => (await getCase(opened.caseId)).fault?.kind, { timeout: 10_000 }).toBe('data_error');
      expect(await boardReasons(opened.caseId)).toContain('fault');
      expect((await http('POST', `/v1/cases/${opened.caseId}/withdraw`, window, { reason: '撤回' })).json.error.code).toBe('CASE_FAULTED');
      // not repaired yet: the retry stops at the same write
      expect((await recover(opened.caseId, 'retry', '第一次重试')).json.error.code).toBe('CASE_FAULTED');
    } finally {
      await removePoison();
    }
    await expect.poll(async () => (await getCase(opened.caseId)).fault?.kind, { timeout: 10_000 }).toBe('data_error');
    const retried = await recover(opened.caseId, 'retry', '约束已修复');
    expect(retried.status).toBe(200);
    expect(retried.json.fault).toBeNull();
    expect(await taskOf(opened.caseId, 'project-approval')).toMatchObject({ status: 'approved', decision: { opinion: POISON } });
    expect((await decide(opened.caseId, 'land-use-permit', '同意')).status).toBe(200);
    await expectChainWhole(opened.caseId);
  });

  it('is reset to before the refused request, which is dropped; the case goes on', async () => {
    const opened = await openCase();
    await addPoison();
    try {
      expect((await decide(opened.caseId, 'project-approval', POISON)).json.error.code).toBe('CASE_FAULTED');
      await expect.poll(async () => (await getCase(opened.caseId)).fault?.kind, { timeout: 10_000 }).toBe('data_error');
      const reset = await recover(opened.caseId, 'reset', '丢弃无法写入的决定');
      expect(reset.json, JSON.stringify(reset.json)).toMatchObject({ status: 'open', fault: null });
    } finally {
      await removePoison();
    }
    expect((await taskOf(opened.caseId, 'project-approval')).status).toBe('pending');
    expect((await decide(opened.caseId, 'project-approval', '同意立项')).status).toBe(200);
    const opinions = (await findAuditEvents(stack.database.db, opened.caseId))
      .filter((e) => e.type === 'task_decided')
      .map((e) => (JSON.parse(e.canonical) as { data: { opinion: string } }).data.opinion);
    expect(opinions).toEqual(['同意立项']);
    await expectChainWhole(opened.caseId);
  });
});
