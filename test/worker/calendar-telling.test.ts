/**
 * The activity that tells open cases of a published calendar (activities/calendar.ts), against
 * real PostgreSQL and Temporal: it signals the cases after the one it is given, in case-ID order,
 * heartbeats its place, and a retry resumes from its last heartbeat instead of from the batch's start.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForCaseSynced } from '../../api/temporal-edge.js';
import { createCalendarActivities } from '../../activities/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { call, caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let caseIds: string[];
beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  const window = await stack.token({ role: 'window', sub: 'window-telling' });
  for (let i = 0; i < 4; i += 1) expect((await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectType: 'social-small' }))).statusCode).toBe(201);
  caseIds = ((await stack.database.sql`select case_id from cases where status = 'open' order by case_id`) as { case_id: string }[]).map((r) => r.case_id);
  expect(caseIds).toHaveLength(4);
});
afterAll(async () => stack?.close());

const change = (year: number) => ({
  calendar: SEED_SCHEDULES.map((schedule) => ({ ...schedule, version: schedule.version + 100 })),
  year,
  actor: { sub: 'admin-telling', name: 'admin', role: 'admin' as const },
});

/**
 * How many calendar_applied events each case's audit trail holds, once each case has written
 * everything it was sent before (a signal the server accepted is in its history before the Update).
 */
async function appliedCounts(): Promise<number[]> {
  await Promise.all(caseIds.map((caseId) => waitForCaseSynced(stack.client, caseId)));
  const rows = (await stack.database.sql`
    select c.case_id, count(e.seq)::int as n from cases c
    left join audit_events e on e.case_id = c.case_id and e.type = 'calendar_applied'
    where c.case_id = any(${caseIds}) group by c.case_id order by c.case_id`) as { case_id: string; n: number }[];
  return rows.map((row) => row.n);
}

describe('tellOpenCasesAfter', () => {
  it('tells the open cases after the one given, up to the limit, in case-ID order, with its place in each heartbeat', async () => {
    const before = await appliedCounts();
    const environment = new MockActivityEnvironment({}, { client: stack.client });
    const heartbeats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const { tellOpenCasesAfter } = createCalendarActivities({ db: stack.database.db });
    const result = await environment.run(tellOpenCasesAfter, caseIds[0]!, 2, change(2026));
    expect(result).toEqual({ told: 2, lastCaseId: caseIds[2] });
    expect(heartbeats.at(-1)).toEqual({ lastCaseId: caseIds[2], told: 2 });
    expect(await appliedCounts()).toEqual([before[0], before[1]! + 1, before[2]! + 1, before[3]]);
  });

  it('resumes after the case its last heartbeat recorded', async () => {
    const before = await appliedCounts();
    // a first attempt told the first case, heartbeat that, and died
    const environment = new MockActivityEnvironment({ heartbeatDetails: { lastCaseId: caseIds[0], told: 1 } }, { client: stack.client });
    const { tellOpenCasesAfter } = createCalendarActivities({ db: stack.database.db });
    const result = await environment.run(tellOpenCasesAfter, null, 3, change(2027));
    expect(result).toEqual({ told: 3, lastCaseId: caseIds[2] });
    expect(await appliedCounts()).toEqual([before[0], before[1]! + 1, before[2]! + 1, before[3]]);
  });
});
