/**
 * End to end through a real listening HTTP server, a real worker, the Temporal dev server and
 * PostgreSQL: what a window clerk and the department reviewers do, over the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, createReviewerTokens, listen, type HttpCall } from '../support/http-client.js';
import { completeMaterials, withChecklist } from '../support/materials.js';
import type { StageCode } from '../../domain/catalog.js';
import { caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let window: string;

interface TaskJson {
  taskId: string;
  itemCode: string;
  department: string;
  status: string;
  dueDate: string | null;
  usedWorkingDays: number;
  remainingWorkingDays: number;
  light: string;
  decision: { decision: string } | null;
  supplement: { missingMaterials: string[]; resubmittedAt: string | null } | null;
}
interface CaseJson {
  caseId: string;
  status: string;
  currentStage: string;
  awaiting: string | null;
  light: string;
  stages: { code: string; status: string; tasks: TaskJson[] }[];
  certificates: { number: string; itemCode: string; name: string; verificationCode: string }[];
}



async function getCase(caseId: string): Promise<CaseJson> {
  const response = await http('GET', `/v1/cases/${caseId}`, window);
  expect(response.status).toBe(200);
  return response.json as CaseJson;
}

function stageOf(view: CaseJson, code: string) {
  const stage = view.stages.find((s) => s.code === code);
  if (!stage) throw new Error(`no stage ${code}`);
  return stage;
}

async function decide(caseId: string, task: TaskJson, body: Record<string, unknown>) {
  return http('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, await reviewer(task.department), body);
}

async function openCase(overrides: Record<string, unknown> = {}): Promise<CaseJson> {
  const response = await http('POST', '/v1/cases', window, caseBody(overrides));
  expect(response.status).toBe(201);
  return response.json as CaseJson;
}

/** Approves pending tasks one at a time until the stage is approved; returns the approval order. */
async function approveStage(caseId: string, stageCode: string): Promise<string[]> {
  const order: string[] = [];
  for (;;) {
    const stage = stageOf(await getCase(caseId), stageCode);
    if (stage.status === 'approved') return order;
    const pending = stage.tasks.find((t) => t.status === 'pending');
    if (!pending) throw new Error(`stage ${stageCode} is ${stage.status} with no pending task`);
    const decided = await decide(caseId, pending, { decision: 'approve', opinion: '同意', conditions: ['按图施工'] });
    expect(decided.status).toBe(200);
    expect(decided.json.status).toBe('approved');
    order.push(pending.itemCode);
  }
}

beforeAll(async () => {
  stack = await startStack();
  http = createHttpClient(await listen(stack));
  reviewer = createReviewerTokens(stack);
  window = await stack.token({ role: 'window', sub: 'window-e2e' });
});
afterAll(async () => stack?.close());

describe('a gov-building case from acceptance to completion', () => {
  it('runs all four stages, 17 tasks, respecting prerequisites, and issues the four certificates', async () => {
    const opened = await openCase();
    const { caseId } = opened;
    const stageCodes = ['land-use-planning', 'engineering-permit', 'construction-permit', 'completion-acceptance'];
    const approved: string[] = [];

    for (const [index, code] of stageCodes.entries()) {
      if (index > 0) {
        const later = stageCodes[index + 1];
        if (later) {
          const early = await http('POST', `/v1/cases/${caseId}/stages/${later}/application`, window, {
            materials: [{ name: '申请表' }],
          });
          expect(early.json.error.code).toBe('STAGE_NOT_AWAITED');
        }
        const applied = await http('POST', `/v1/cases/${caseId}/stages/${code}/application`, window, {
          materials: completeMaterials('gov-building', code as StageCode),
        });
        expect(applied.status).toBe(200);
        expect(applied.json.currentStage).toBe(code);
      }
      const order = await approveStage(caseId, code);
      approved.push(...order);
      const view = await getCase(caseId);
      if (code !== 'completion-acceptance') {
        expect(view.awaiting).toBe('applicant');
        expect(view.light).toBe('paused');
      }
    }

    expect(approved).toHaveLength(17);
    // prerequisites: each named item is approved only after what it waits for
    const position = (item: string) => approved.indexOf(item);
    expect(position('land-use-permit')).toBeGreaterThan(position('land-site-review'));
    expect(position('planning-permit')).toBeGreaterThan(position('design-scheme-review'));
    for (const other of ['drawing-review', 'fire-design-review']) {
      expect(position('construction-permit')).toBeGreaterThan(position(other));
    }
    for (const other of ['planning-verification', 'fire-acceptance', 'cad-acceptance', 'archives-acceptance']) {
      expect(position('completion-filing')).toBeGreaterThan(position(other));
    }

    const done = await getCase(caseId);
    expect(done.status).toBe('completed');
    expect(done.light).toBe('done');
    expect(done.certificates.map((c) => c.itemCode).sort()).toEqual(
      ['completion-filing', 'construction-permit', 'land-use-permit', 'planning-permit'].sort(),
    );
    for (const certificate of done.certificates) {
      const verified = await http(
        'GET',
        `/v1/certificates/${encodeURIComponent(certificate.number)}?code=${encodeURIComponent(certificate.verificationCode)}`,
        null,
      );
      expect(verified.status).toBe(200);
      expect(verified.json.certificate.number).toBe(certificate.number);
    }
    const late = await http('POST', `/v1/cases/${caseId}/withdraw`, window, { reason: '撤回' });
    expect(late.status).toBe(409);
  });
});

describe('a rejection', () => {
  it('rejects the stage and the case and cancels the other open tasks', async () => {
    const { caseId } = await openCase();
    const stage = stageOf(await getCase(caseId), 'land-use-planning');
    const eia = stage.tasks.find((t) => t.itemCode === 'eia')!;
    const missingOpinion = await decide(caseId, eia, { decision: 'reject' });
    expect(missingOpinion.status).toBe(400);

    const rejected = await decide(caseId, eia, { decision: 'reject', opinion: '项目选址位于水源保护区' });
    expect(rejected.status).toBe(200);
    expect(rejected.json.status).toBe('rejected');

    const view = await getCase(caseId);
    expect(view.status).toBe('rejected');
    const after = stageOf(view, 'land-use-planning');
    expect(after.status).toBe('rejected');
    expect(after.tasks.filter((t) => t.itemCode !== 'eia').every((t) => t.status === 'cancelled')).toBe(true);
  });
});

describe('a supplement round trip', () => {
  it('pauses the clock for the applicant and restarts it with the remaining days', async () => {
    const { caseId } = await openCase();
    const drc = stageOf(await getCase(caseId), 'land-use-planning').tasks.find((t) => t.itemCode === 'project-approval')!;

    const noMaterials = await decide(caseId, drc, { decision: 'request_supplement', opinion: '材料不全' });
    expect(noMaterials.status).toBe(400);
    const paused = await decide(caseId, drc, {
      decision: 'request_supplement',
      opinion: '请一次性补正以下材料',
      missingMaterials: ['可行性研究报告', '资金来源证明'],
    });
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ status: 'awaiting_supplement', light: 'paused' });
    expect(paused.json.supplement.missingMaterials).toEqual(['可行性研究报告', '资金来源证明']);

    const whileWaiting = await decide(caseId, drc, { decision: 'approve' });
    expect(whileWaiting.json.error.code).toBe('TASK_NOT_PENDING');
    const wrongTask = stageOf(await getCase(caseId), 'land-use-planning').tasks.find((t) => t.itemCode === 'eia')!;
    const notAwaiting = await http('POST', `/v1/cases/${caseId}/tasks/${wrongTask.taskId}/supplement`, window, {
      materials: [{ name: 'x' }],
    });
    expect(notAwaiting.json.error.code).toBe('TASK_NOT_AWAITING_SUPPLEMENT');

    const resumed = await http('POST', `/v1/cases/${caseId}/tasks/${drc.taskId}/supplement`, window, {
      materials: [{ name: '可行性研究报告' }, { name: '资金来源证明', copies: 2 }],
    });
    expect(resumed.status).toBe(200);
    expect(resumed.json.status).toBe('pending');
    expect(resumed.json.supplement.resubmittedAt).not.toBeNull();
    // accepted and paused the same day: nothing was used, all five days remain
    expect(resumed.json.remainingWorkingDays).toBe(5);

    const approved = await decide(caseId, resumed.json as TaskJson, { decision: 'approve' });
    expect(approved.json.status).toBe('approved');
    const types = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, window)).json.items.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['supplement_requested', 'supplement_submitted', 'task_decided']));
  });
});

describe('an application at the size limits', () => {
  // 100 materials with a 200-character name and a 2,000-character note each, in Chinese: about
  // 700 KB of JSON, under the 1 MiB body limit. It must not push a workflow payload past
  // Temporal's limits (materials cross the workflow boundary once, in their event).
  const bigMaterials = (label: string) =>
    Array.from({ length: 100 }, (_, i) => ({
      name: `${label}${i}`.padEnd(200, '材'),
      copies: 99,
      note: '说明'.repeat(1000),
    }));

  it('opens the case and takes a supplement of the same size, and the case goes on', async () => {
    const opened = await http('POST', '/v1/cases', window, caseBody({ materials: withChecklist(bigMaterials('申请'), 'gov-building', 'land-use-planning') }));
    expect(opened.status).toBe(201);
    const caseId = opened.json.caseId as string;
    const view = await getCase(caseId);
    expect((view as unknown as { materials: unknown[] }).materials).toHaveLength(100);
    const drc = stageOf(view, 'land-use-planning').tasks.find((t) => t.itemCode === 'project-approval')!;
    expect(
      (await decide(caseId, drc, { decision: 'request_supplement', opinion: '补正', missingMaterials: ['全部材料'] })).status,
    ).toBe(200);
    const supplemented = await http('POST', `/v1/cases/${caseId}/tasks/${drc.taskId}/supplement`, window, {
      materials: bigMaterials('补正'),
    });
    expect(supplemented.status).toBe(200);
    expect(supplemented.json.supplement.materials).toHaveLength(100);
    expect(supplemented.json.supplement.materials[99].note).toHaveLength(2000);
    const approved = await decide(caseId, drc, { decision: 'approve' });
    expect(approved.status).toBe(200);
    const events = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, window)).json.items as { type: string; data: { materials?: unknown[] } }[];
    expect(events.find((e) => e.type === 'stage_opened')?.data.materials).toHaveLength(100);
  });
});

describe('text that cannot be stored', () => {
  it('refuses a lone surrogate in an opinion before it reaches the workflow; the case goes on', async () => {
    const { caseId } = await openCase();
    const task = stageOf(await getCase(caseId), 'land-use-planning').tasks.find((t) => t.itemCode === 'eia')!;
    // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse restores
    const response = await decide(caseId, task, { decision: 'approve', opinion: '同意 \ud800' });
    expect(response.status).toBe(400);
    const approved = await decide(caseId, task, { decision: 'approve', opinion: '同意 🏗️' });
    expect(approved.status).toBe(200);
    expect(approved.json.decision.opinion).toBe('同意 🏗️');
  });
});

describe('two reviewers deciding the same task at the same moment', () => {
  it('lets exactly one win; the other gets 409 and the audit trail has one decision', async () => {
    const { caseId } = await openCase();
    const task = stageOf(await getCase(caseId), 'land-use-planning').tasks.find((t) => t.itemCode === 'eia')!;
    const first = await stack.token({ role: 'reviewer', department: 'eco', sub: 'eco-reviewer-a' });
    const second = await stack.token({ role: 'reviewer', department: 'eco', sub: 'eco-reviewer-b' });
    const path = `/v1/cases/${caseId}/tasks/${task.taskId}/decision`;
    const results = await Promise.all([
      http('POST', path, first, { decision: 'approve', opinion: 'A 同意' }),
      http('POST', path, second, { decision: 'reject', opinion: 'B 不同意' }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)?.json.error.code).toBe('TASK_NOT_PENDING');

    const events = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, window)).json.items as {
      type: string;
      data: { taskId?: string };
    }[];
    expect(events.filter((e) => e.type === 'task_decided' && e.data.taskId === task.taskId)).toHaveLength(1);
  });
});

describe('department scoping', () => {
  it('shows a reviewer only its own department and forbids deciding another department’s task', async () => {
    const { caseId } = await openCase();
    const eia = stageOf(await getCase(caseId), 'land-use-planning').tasks.find((t) => t.itemCode === 'eia')!;
    const water = await reviewer('water');
    const forbidden = await http('POST', `/v1/cases/${caseId}/tasks/${eia.taskId}/decision`, await reviewer('drc'), {
      bogus: true,
    });
    expect(forbidden.status).toBe(403);
    expect((await http('GET', `/v1/cases/${caseId}`, water)).status).toBe(404);

    const ecoView = (await http('GET', `/v1/cases/${caseId}`, await reviewer('eco'))).json as CaseJson;
    expect(ecoView.stages.flatMap((s) => s.tasks).map((t) => t.department)).toEqual(['eco']);
    await decide(caseId, stageOf(await getCase(caseId), 'land-use-planning').tasks.find((t) => t.department === 'drc')!, {
      decision: 'approve',
      opinion: '内部意见',
    });
    type EventJson = { seq: number; type: string; data: { opinion?: string; taskId?: string } | null; hash: string; prevHash: string };
    const ecoEvents = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, await reviewer('eco'))).json.items as EventJson[];
    const allEvents = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, window)).json.items as EventJson[];
    // the whole chain, linked; the drc decision is there with its data withheld
    expect(ecoEvents.map((e) => [e.seq, e.hash, e.prevHash])).toEqual(allEvents.map((e) => [e.seq, e.hash, e.prevHash]));
    expect(ecoEvents.some((e) => e.data?.opinion === '内部意见')).toBe(false);
    const drcDecision = allEvents.find((e) => e.type === 'task_decided' && e.data?.opinion === '内部意见')!;
    expect(ecoEvents.find((e) => e.seq === drcDecision.seq)?.data).toBeNull();
    expect(ecoEvents.filter((e) => e.type === 'task_started' && e.data !== null).map((e) => e.data?.taskId)).toEqual([eia.taskId]);

    const inbox = await http('GET', '/v1/tasks?status=pending', await reviewer('eco'));
    expect(inbox.status).toBe(200);
    expect(inbox.json.items.length).toBeGreaterThan(0);
    expect(inbox.json.items.every((t: TaskJson) => t.department === 'eco')).toBe(true);
    const deadlines = inbox.json.items.map((t: TaskJson) => t.dueDate ?? '9999');
    expect(deadlines).toEqual([...deadlines].sort());
  });
});
