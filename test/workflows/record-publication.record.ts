/**
 * Records a calendar publication's history for replay.test.ts: a year published with two cases
 * open, carried to both. Not part of the normal suite (run with RECORD_HISTORIES=1):
 *
 *   RECORD_HISTORIES=1 ./scripts/test test/workflows/record-publication.record.ts
 *
 * writes test/workflows/histories/calendar-publication.json (RECORD_AS=<name> for another name,
 * to keep an older one: calendar-publication-v1-signals.json was recorded so, before the cases
 * were told by an activity); commit it.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { calendarPublicationWorkflowId } from '../../temporal.config.js';
import { HISTORIES_DIR } from '../support/history-scenarios.js';
import { call, caseBody, startStack, type Stack } from '../support/stack.js';
import { historyToJson } from '../support/workflow-env.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
});
afterAll(async () => stack?.close());

it('records a publication carried to two open cases', async () => {
  const window = await stack.token({ role: 'window', sub: 'window-record' });
  const admin = await stack.token({ role: 'admin', sub: 'admin-record' });
  for (let i = 0; i < 2; i += 1) expect((await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectType: 'social-small' }))).statusCode).toBe(201);
  const year = 2027;
  const current = (await call(stack.app, 'GET', `/v1/calendar/${year}`, admin)).json();
  const schedule = { holidays: [...current.holidays, { from: `${year}-03-03`, to: `${year}-03-03`, name: '临时假日' }], makeUpDays: current.makeUpDays };
  const published = await call(stack.app, 'PUT', `/v1/calendar/${year}`, admin, schedule);
  expect(published.statusCode).toBe(202);
  const handle = stack.client.workflow.getHandle(calendarPublicationWorkflowId(published.json().publication.publicationId));
  expect((await handle.result()).told).toBe(2);
  writeFileSync(`${HISTORIES_DIR}${process.env.RECORD_AS ?? 'calendar-publication'}.json`, `${historyToJson(await handle.fetchHistory())}\n`);
});
