/** GET /v1/cases and GET /v1/tasks: filters, cursor pagination and department scoping. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let window: string;
let coordinator: string;
const caseIds: string[] = [];

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  window = await stack.token({ role: 'window' });
  coordinator = await stack.token({ role: 'coordinator' });
  for (const projectType of ['gov-building', 'social-small', 'social-small']) {
    const opened = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectType, projectName: `列表 ${projectType}` }));
    caseIds.push(opened.json().caseId);
  }
  const rejectedCase = caseIds[2]!;
  const eco = await stack.token({ role: 'reviewer', department: 'drc' });
  await call(stack.app, 'POST', `/v1/cases/${rejectedCase}/tasks/${rejectedCase}-project-approval/decision`, eco, {
    decision: 'reject',
    opinion: '不符合产业政策',
  });
});
afterAll(async () => stack?.close());

const ids = (response: { json(): { items: { caseId: string }[] } }) => response.json().items.map((c) => c.caseId).sort();

describe('GET /v1/cases', () => {
  it.each([
    ['status=open', () => [caseIds[0], caseIds[1]]],
    ['status=rejected', () => [caseIds[2]]],
    ['projectType=gov-building', () => [caseIds[0]]],
    ['stage=land-use-planning&status=open', () => [caseIds[0], caseIds[1]]],
    ['department=eco', () => [caseIds[0]]],
    ['light=green', () => [caseIds[0], caseIds[1]]],
    ['light=done', () => [caseIds[2]]],
    ['light=red', () => []],
    ['q=social-small', () => [caseIds[1], caseIds[2]]],
  ])('filters by %s', async (query, expected) => {
    const response = await call(stack.app, 'GET', `/v1/cases?${query}`, coordinator);
    expect(response.statusCode).toBe(200);
    expect(ids(response)).toEqual(expected().sort());
  });

  it('pages newest first with an opaque cursor, and refuses a forged one', async () => {
    const first = (await call(stack.app, 'GET', '/v1/cases?limit=2', coordinator)).json();
    expect(first.items.map((c: { caseId: string }) => c.caseId)).toEqual([caseIds[2], caseIds[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await call(stack.app, 'GET', `/v1/cases?limit=2&cursor=${first.nextCursor as string}`, coordinator)).json();
    expect(second.items.map((c: { caseId: string }) => c.caseId)).toEqual([caseIds[0]]);
    expect(second.nextCursor).toBeNull();
    const forged = await call(stack.app, 'GET', '/v1/cases?cursor=not-a-cursor', coordinator);
    expect(forged.statusCode).toBe(400);
    expect((await call(stack.app, 'GET', '/v1/cases?limit=0', coordinator)).statusCode).toBe(400);
    expect((await call(stack.app, 'GET', '/v1/cases?limit=201', coordinator)).statusCode).toBe(400);
  });

  it('shows a reviewer only the cases with its department’s tasks, and only those tasks', async () => {
    const eco = await stack.token({ role: 'reviewer', department: 'eco' });
    const response = await call(stack.app, 'GET', '/v1/cases', eco);
    expect(ids(response)).toEqual([caseIds[0]]);
    const tasks = response.json().items[0].stages.flatMap((s: { tasks: { department: string }[] }) => s.tasks);
    expect(tasks.map((t: { department: string }) => t.department)).toEqual(['eco']);
  });

  it('lists items in the full Case shape', async () => {
    const [item] = (await call(stack.app, 'GET', `/v1/cases?q=${encodeURIComponent('列表 gov-building')}`, coordinator)).json().items;
    expect(Object.keys(item)).toEqual(
      expect.arrayContaining(['caseId', 'projectCode', 'applicant', 'materials', 'status', 'currentStage', 'awaiting', 'light', 'catalogVersion', 'acceptedAt', 'stages', 'escalations', 'certificates']),
    );
    expect(item.stages).toHaveLength(4);
    expect(item.stages[0].tasks).toHaveLength(5);
  });

  it('lists each case exactly as GET /v1/cases/{caseId} shows it, read again after it changes', async () => {
    const asSingles = async () => Promise.all(caseIds.map(async (id) => (await call(stack.app, 'GET', `/v1/cases/${id}`, coordinator)).json()));
    const listed = async () => {
      const response = await call(stack.app, 'GET', '/v1/cases', window);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      return [...response.json().items].reverse();
    };
    // twice: the second page is served from the kept rows and bytes
    expect(await listed()).toEqual(await asSingles());
    expect(await listed()).toEqual(await asSingles());

    const changed = caseIds[0]!;
    await call(stack.app, 'POST', `/v1/cases/${changed}/tasks/${changed}-project-approval/decision`, await stack.token({ role: 'reviewer', department: 'drc' }), {
      decision: 'approve',
      opinion: '同意',
    });
    const after = await listed();
    expect(after[0].stages[0].tasks.find((t: { itemCode: string }) => t.itemCode === 'project-approval').status).toBe('approved');
    expect(after).toEqual(await asSingles());
  });
});

describe('GET /v1/tasks', () => {
  it('orders the inbox by deadline, blocked tasks (no deadline) last, and filters by light', async () => {
    const nrp = await stack.token({ role: 'reviewer', department: 'nrp' });
    const inbox = (await call(stack.app, 'GET', '/v1/tasks', nrp)).json().items as { dueDate: string | null; status: string; department: string }[];
    expect(inbox.every((t) => t.department === 'nrp')).toBe(true);
    const keys = inbox.map((t) => t.dueDate ?? '9999-99-99');
    expect(keys).toEqual([...keys].sort());
    expect(inbox.at(-1)?.status).toBe('blocked');

    const paused = (await call(stack.app, 'GET', '/v1/tasks?light=paused', nrp)).json().items as { status: string }[];
    expect(paused.map((t) => t.status)).toEqual(paused.map(() => 'blocked'));
    const green = (await call(stack.app, 'GET', '/v1/tasks?light=green', coordinator)).json().items as { status: string }[];
    expect(green.length).toBeGreaterThan(0);
    expect(green.every((t) => t.status === 'pending')).toBe(true);
    expect((await call(stack.app, 'GET', '/v1/tasks?light=yellow', coordinator)).statusCode).toBe(200);
  });

  it('forbids a reviewer another department’s inbox, and the window the inbox altogether', async () => {
    const nrp = await stack.token({ role: 'reviewer', department: 'nrp' });
    expect((await call(stack.app, 'GET', '/v1/tasks?department=eco', nrp)).statusCode).toBe(403);
    expect((await call(stack.app, 'GET', '/v1/tasks', window)).statusCode).toBe(403);
  });
});
