/**
 * What a reviewer sees of a case (SPEC §6.0 Reviewers): its department's tasks, stage and case
 * lights computed from those alone, and the whole audit chain with other departments' task
 * events emptied (a calendar publication keeps only the reviewer's entries) but hashes intact.
 * A database of its own: the test publishes a calendar year.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { createHttpClient, createReviewerTokens, listen, workingDayBefore, type HttpCall } from '../support/http-client.js';
import { caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';

let stack: Stack;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let coordinator: string;
let admin: string;

interface TaskJson {
  taskId: string;
  itemCode: string;
  department: string;
  light: string;
}
interface CaseJson {
  caseId: string;
  light: string;
  currentStage: string;
  stages: { code: string; light: string; tasks: TaskJson[] }[];
}
interface EventJson {
  seq: number;
  type: string;
  data: Record<string, unknown> | null;
  hash: string;
  prevHash: string;
}

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  http = createHttpClient(await listen(stack));
  reviewer = createReviewerTokens(stack);
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-views' });
  admin = await stack.token({ role: 'admin', sub: 'admin-views' });
});
afterAll(async () => stack?.close());

describe('a reviewer’s view of a case where another department is late', () => {
  let caseId: string;

  beforeAll(async () => {
    // accepted 8 working days ago: drc's 5-day project approval is red, eco's 20-day review green
    const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
    const accepted = workingDayBefore(cal, cal.localDate(Date.now()), 9);
    const opened = await http('POST', '/v1/cases', admin, caseBody({ acceptedAt: `${accepted}T10:00:00+08:00` }));
    expect(opened.status).toBe(201);
    caseId = opened.json.caseId as string;
  });

  it('shows the coordinator red, and the eco reviewer the light of eco’s own task', async () => {
    const whole = (await http('GET', `/v1/cases/${caseId}`, coordinator)).json as CaseJson;
    const lights = Object.fromEntries(whole.stages[0]!.tasks.map((t) => [t.itemCode, t.light]));
    expect(lights['project-approval']).toBe('red');
    expect(lights.eia).toBe('green');
    expect([whole.light, whole.stages[0]!.light]).toEqual(['red', 'red']);

    const eco = (await http('GET', `/v1/cases/${caseId}`, await reviewer('eco'))).json as CaseJson;
    expect(eco.stages[0]!.tasks.map((t) => t.itemCode)).toEqual(['eia']);
    expect([eco.light, eco.stages[0]!.light]).toEqual(['green', 'green']);
    const byProject = (await http('GET', `/v1/cases?department=eco`, await reviewer('eco'))).json.items as CaseJson[];
    expect(byProject.find((c) => c.caseId === caseId)?.light).toBe('green');
  });

  it('shows the eco reviewer the whole chain, other departments’ task events without data, a publication with eco’s entries only', async () => {
    const decided = await http('POST', `/v1/cases/${caseId}/tasks/${caseId}-project-approval/decision`, await reviewer('drc'), {
      decision: 'approve',
      opinion: '发改委内部意见',
    });
    expect(decided.status).toBe(200);
    const published = await http('PUT', '/v1/calendar/2027', admin, { holidays: [{ from: '2027-01-01', to: '2027-01-03', name: '元旦' }], makeUpDays: [] });
    expect(published.status).toBeLessThan(300);
    await expect
      .poll(async () => ((await http('GET', `/v1/cases/${caseId}/events?limit=200`, coordinator)).json.items as EventJson[]).some((e) => e.type === 'calendar_applied'))
      .toBe(true);

    const all = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, coordinator)).json.items as EventJson[];
    const eco = (await http('GET', `/v1/cases/${caseId}/events?limit=200`, await reviewer('eco'))).json.items as EventJson[];
    expect(eco.map((e) => [e.seq, e.type, e.hash, e.prevHash])).toEqual(all.map((e) => [e.seq, e.type, e.hash, e.prevHash]));

    const decision = (list: EventJson[]) => list.find((e) => e.type === 'task_decided' && e.data?.taskId !== `${caseId}-heritage-survey`);
    expect(decision(all)?.data).toMatchObject({ opinion: '发改委内部意见' });
    expect(eco.find((e) => e.seq === decision(all)?.seq)?.data).toBeNull();

    const applied = (list: EventJson[]) => list.find((e) => e.type === 'calendar_applied')?.data?.tasks as { taskId: string }[];
    expect(applied(all).length).toBeGreaterThan(1);
    expect(applied(eco).map((t) => t.taskId)).toEqual([`${caseId}-eia`]);
    // events of eco's own task keep their data
    expect(eco.find((e) => e.type === 'task_started' && e.data?.taskId === `${caseId}-eia`)).toBeTruthy();
  });
});
