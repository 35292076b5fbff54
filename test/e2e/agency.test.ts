/**
 * 代办 end to end (SPEC §6.4), on a database of this file's own, through a real listening API, a
 * real worker, the Temporal dev server and PostgreSQL: a key project designated with its agent,
 * a joint meeting, a problem raised and solved, a follow-up visit; the agent's own list; the
 * audit chain; and the `agency` block of /v1/stats computed by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { createHttpClient, createReviewerTokens, listen, type HttpCall } from '../support/http-client.js';
import { caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';
import { todayClearOfMidnight } from '../support/midnight.js';

/** JSON answers, checked field by field. */
type Json = any;

const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
const today = await todayClearOfMidnight(cal);

let stack: Stack;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let window: string;
/** two coordinators, each an agent of one key project */
let agentA: string;
let agentB: string;
const A = { sub: 'coordinator-agent-a', name: '代办员-王' };
const B = { sub: 'coordinator-agent-b', name: '代办员-赵' };
const ids: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  http = createHttpClient(await listen(stack));
  reviewer = createReviewerTokens(stack);
  window = await stack.token({ role: 'window', sub: 'window-agency' });
  agentA = await stack.token({ role: 'coordinator', ...A });
  agentB = await stack.token({ role: 'coordinator', ...B });
  for (const [key, projectType] of [
    ['K1', 'gov-building'],
    ['K2', 'social-small'],
    ['N', 'social-small'],
  ] as const) {
    const opened = await http('POST', '/v1/cases', window, caseBody({ projectType, projectName: `代办-${key}` }));
    expect(opened.status).toBe(201);
    ids[key] = opened.json.caseId as string;
  }
});
afterAll(async () => stack?.close());

async function getCase(caseId: string): Promise<Json> {
  const response = await http('GET', `/v1/cases/${caseId}`, agentA);
  expect(response.status).toBe(200);
  return response.json;
}

async function approve(caseId: string, itemCode: string): Promise<void> {
  const task = (await getCase(caseId)).stages.flatMap((s: Json) => s.tasks).find((t: Json) => t.itemCode === itemCode);
  const response = await http('POST', `/v1/cases/${caseId}/tasks/${task.taskId as string}/decision`, await reviewer(task.department as string), {
    decision: 'approve',
  });
  expect(response.status, JSON.stringify(response.json)).toBe(200);
}

const activity = (caseId: string, token: string, body: Record<string, unknown>) => http('POST', `/v1/cases/${caseId}/agency/activities`, token, body);

describe('a key project and its agent', () => {
  it('designates a case with its agent, once, and refuses activities on a case that is not a key project', async () => {
    const notKey = await activity(ids.N!, agentA, { kind: 'follow_up', summary: '回访' });
    expect(notKey.status).toBe(404);

    const designated = await http('PUT', `/v1/cases/${ids.K1!}/agency`, agentA, { category: 'key', agent: A });
    expect(designated.status, JSON.stringify(designated.json)).toBe(200);
    expect(designated.json.agency).toMatchObject({ category: 'key', agent: A });
    // the same PUT again records nothing new
    const again = await http('PUT', `/v1/cases/${ids.K1!}/agency`, agentA, { category: 'key', agent: A });
    expect(again.status).toBe(200);
    expect(again.json.agency).toEqual(designated.json.agency);

    expect((await http('PUT', `/v1/cases/${ids.K2!}/agency`, agentA, { category: 'industrial', agent: A })).status).toBe(200);
    // reassigned to B: the designation keeps its date
    const reassigned = await http('PUT', `/v1/cases/${ids.K2!}/agency`, agentA, { category: 'investment', agent: B });
    expect(reassigned.status).toBe(200);
    expect(reassigned.json.agency).toMatchObject({ category: 'investment', agent: B });

    const asReviewer = await http('PUT', `/v1/cases/${ids.K1!}/agency`, await reviewer('nrp'), { category: 'key', agent: A });
    expect(asReviewer.status).toBe(403);
    const badCategory = await http('PUT', `/v1/cases/${ids.K1!}/agency`, agentA, { category: 'vip', agent: A });
    expect(badCategory.status).toBe(400);
  });

  it('records a joint meeting, a problem raised and solved by another coordinator, and a follow-up visit', async () => {
    const meeting = await activity(ids.K1!, agentA, {
      kind: 'joint_meeting',
      summary: '召开联审会，自然资源、生态环境部门参加',
      attendees: ['nrp', 'eco'],
    });
    expect(meeting.status, JSON.stringify(meeting.json)).toBe(201);
    expect(meeting.json).toMatchObject({ kind: 'joint_meeting', by: A, attendees: ['nrp', 'eco'] });
    expect(meeting.json.problem).toBeUndefined();

    const unknownDepartment = await activity(ids.K1!, agentA, { kind: 'joint_meeting', summary: '会', attendees: ['nowhere'] });
    expect(unknownDepartment.status).toBe(400);
    const future = await activity(ids.K1!, agentA, { kind: 'follow_up', summary: '回访', at: '2099-01-01T10:00:00+08:00' });
    expect(future.status).toBe(400);

    const problem = await activity(ids.K1!, agentA, { kind: 'problem', summary: '红线图与规划条件不一致，需协调' });
    expect(problem.status).toBe(201);
    expect(problem.json.problem).toEqual({ status: 'open' });
    const problemId = problem.json.activityId as string;

    const list = await http('GET', '/v1/agency?agent=me', agentA);
    expect(list.status).toBe(200);
    expect(list.json.items.map((i: Json) => i.caseId)).toEqual([ids.K1]);
    expect(list.json.items[0]).toMatchObject({ category: 'key', agent: A, openProblems: 1, currentStage: 'land-use-planning', light: 'green' });

    // any coordinator may solve it
    const solved = await http('POST', `/v1/cases/${ids.K1!}/agency/activities/${problemId}/solve`, agentB, { resolution: '经协调，规划部门出具核实意见' });
    expect(solved.status, JSON.stringify(solved.json)).toBe(200);
    expect(solved.json.problem).toMatchObject({ status: 'solved', resolution: '经协调，规划部门出具核实意见' });
    const twice = await http('POST', `/v1/cases/${ids.K1!}/agency/activities/${problemId}/solve`, agentA, { resolution: '再次' });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('PROBLEM_ALREADY_SOLVED');
    const notAProblem = await http('POST', `/v1/cases/${ids.K1!}/agency/activities/${meeting.json.activityId as string}/solve`, agentA, {
      resolution: '无',
    });
    expect(notAProblem.status).toBe(404);

    // a follow-up today, and one two days ago (outside a period of today alone)
    expect((await activity(ids.K1!, agentA, { kind: 'follow_up', summary: '项目回访，企业无新问题' })).status).toBe(201);
    const earlier = new Date(Date.now() - 2 * 86_400_000).toISOString();
    expect((await activity(ids.K2!, agentB, { kind: 'follow_up', summary: '电话回访', at: earlier })).status).toBe(201);

    const activities = await http('GET', `/v1/cases/${ids.K1!}/agency/activities`, agentB);
    expect(activities.status).toBe(200);
    expect(activities.json.items.map((a: Json) => a.kind)).toEqual(['follow_up', 'problem', 'joint_meeting']);

    const mine = await http('GET', '/v1/agency?agent=me', agentA);
    expect(mine.json.items[0]).toMatchObject({ openProblems: 0, lastActivityAt: expect.any(String) });
    const theirs = await http('GET', '/v1/agency?agent=me', agentB);
    expect(theirs.json.items.map((i: Json) => i.caseId)).toEqual([ids.K2]);
    const investment = await http('GET', '/v1/agency?category=investment', agentA);
    expect(investment.json.items.map((i: Json) => i.caseId)).toEqual([ids.K2]);
  });

  it('keeps every change in the case’s audit chain', async () => {
    const events = await http('GET', `/v1/cases/${ids.K1!}/events?limit=200&verify=true`, agentA);
    expect(events.status).toBe(200);
    expect(events.json.verification).toEqual({ verified: true, brokenAtSeq: null });
    const types = events.json.items.map((e: Json) => e.type).filter((t: string) => t.startsWith('agency_'));
    expect(types).toEqual(['agency_designated', 'agency_activity_recorded', 'agency_activity_recorded', 'agency_problem_solved', 'agency_activity_recorded']);
  });

  it('counts the agency figures of a day by hand', async () => {
    // K1 (gov-building): 4 tasks pending at opening (land-use-permit waits for land-site-review);
    // approving land-site-review completes one and makes land-use-permit pending: 5 handled, 1 completed.
    // K2 (social-small): project-approval and land-use-permit pending: 2 handled.
    // N is no key project: its approval counts nowhere.
    await approve(ids.K1!, 'land-site-review');
    await approve(ids.N!, 'project-approval');
    const stats = await http('GET', `/v1/stats?from=${today}&to=${today}`, agentA);
    expect(stats.status).toBe(200);
    expect(stats.json.agency).toEqual({ projects: 2, itemsHandled: 5 + 2, itemsCompleted: 1, problemsSolved: 1, followUps: 1 });
  });

  it('refuses agency work on a closed case with 409 CASE_CLOSED', async () => {
    expect((await http('POST', `/v1/cases/${ids.K2!}/withdraw`, window, { reason: '建设单位撤回' })).status).toBe(200);
    const late = await activity(ids.K2!, agentB, { kind: 'follow_up', summary: '回访' });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('CASE_CLOSED');
    const reassign = await http('PUT', `/v1/cases/${ids.K2!}/agency`, agentA, { category: 'key', agent: A });
    expect(reassign.status).toBe(409);
    expect(reassign.json.error.code).toBe('CASE_CLOSED');
  });
});
