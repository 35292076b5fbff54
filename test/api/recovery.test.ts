/**
 * Nothing is lost: a case whose workflow never started is started by the sweep; a request made
 * while no worker runs completes when one comes back; an unreachable database or Temporal
 * answers 503 DEPENDENCY_UNAVAILABLE, never 500. Real Temporal and PostgreSQL throughout.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startOpenedCase, writeOpening } from '../../api/opening.js';
import { startUnstartedCases } from '../../api/sweeper.js';
import { waitForCaseSynced } from '../../api/temporal-edge.js';
import { createCaseSyncWriter } from '../../db/case-sync.js';
import { connectDatabase } from '../../db/client.js';
import { findAuditEvents, findCalendarYears, findCaseRow, getRules, insertCaseRow } from '../../db/queries.js';
import { cases, idempotencyKeys } from '../../db/schema.js';
import { WorkingCalendar } from '../../domain/calendar.js';
import { createCaseWorker } from '../../worker/create-worker.js';
import { caseWorkflowId } from '../../temporal.config.js';
import {
  call,
  caseBody,
  requireInfrastructure,
  startInputOf,
  startStack,
  TIME_ZONE,
  buildTestApp,
  type Stack,
} from '../support/stack.js';

let stack: Stack;
let window: string;

beforeAll(async () => {
  stack = await startStack();
  window = await stack.token({ role: 'window' });
});
afterAll(async () => stack?.close());

describe('a case whose workflow never started (the API died after writing its row)', () => {
  const actor = { sub: 'window-1', name: 'window', role: 'window' as const };
  /** A case accepted now by the window, with today's calendar and rules. */
  const inputOf = async (caseId: string, projectName: string) =>
    startInputOf(caseId, {
      projectName,
      acceptedAtMs: Date.now(),
      openedBy: actor,
      calendar: await findCalendarYears(stack.database.db),
      rules: await getRules(stack.database.db),
    });

  it('is started by the sweep and its read model catches up', async () => {
    const input = await inputOf(`C20261128-SWEEP${Date.now() % 1000}`, '断电时受理的项目');
    await insertCaseRow(stack.database.db, input, actor);
    expect((await findCaseRow(stack.database.db, input.caseId))?.version).toBe(0);

    const started = await startUnstartedCases(stack.database.db, stack.client, stack.taskQueue, 0);
    expect(started).toContain(input.caseId);
    await waitForCaseSynced(stack.client, input.caseId);

    const view = (await call(stack.app, 'GET', `/v1/cases/${input.caseId}`, window)).json();
    expect(view.stages[0].tasks.map((t: { itemCode: string }) => t.itemCode).sort()).toEqual(['land-use-permit', 'project-approval']);
    // a second sweep finds nothing left to start
    expect(await startUnstartedCases(stack.database.db, stack.client, stack.taskQueue, 0)).not.toContain(input.caseId);
  });

  it('is started by the sweep when the API had written its opening, which the workflow does not write again', async () => {
    const opening = await inputOf(`C20261128-SWEPT${Date.now() % 1000}`, '受理后断电的项目');
    const writer = createCaseSyncWriter({ sql: stack.database.db.$client, timeZone: TIME_ZONE });
    const { input } = await writeOpening(
      { db: stack.database.db, writer },
      opening,
      new WorkingCalendar(opening.calendar, TIME_ZONE).localDate(opening.acceptedAtMs),
    );
    expect(input.openingWritten).toBe(true);
    const written = await findAuditEvents(stack.database.db, input.caseId);
    expect(written.length).toBeGreaterThan(0);
    expect((await findCaseRow(stack.database.db, input.caseId))?.workflowRan).toBe(false);

    expect(await startUnstartedCases(stack.database.db, stack.client, stack.taskQueue, 0)).toContain(input.caseId);
    await waitForCaseSynced(stack.client, input.caseId);
    expect((await findCaseRow(stack.database.db, input.caseId))?.workflowRan).toBe(true);
    expect(await findAuditEvents(stack.database.db, input.caseId)).toEqual(written);
    const view = (await call(stack.app, 'GET', `/v1/cases/${input.caseId}`, window)).json();
    expect(view.stages[0].tasks.map((t: { itemCode: string }) => t.itemCode).sort()).toEqual(['land-use-permit', 'project-approval']);
  });

  it('is left alone by the sweep once an administrator has closed it', async () => {
    const input = await inputOf(`C20261128-SHUT${Date.now() % 1000}`, '已关闭的项目');
    await insertCaseRow(stack.database.db, input, actor);
    await stack.database.db.update(cases).set({ status: 'withdrawn' }).where(eq(cases.caseId, input.caseId));
    expect(await startUnstartedCases(stack.database.db, stack.client, stack.taskQueue, 0)).not.toContain(input.caseId);
  });
});

describe('a request made while no worker is running', () => {
  it('completes once a worker comes back', async () => {
    const { temporalAddress, databaseUrl } = requireInfrastructure();
    const database = connectDatabase(databaseUrl, { max: 2 });
    const connection = await NativeConnection.connect({ address: temporalAddress });
    const taskQueue = `test-no-worker-${Date.now()}`;
    const client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
    const app = await buildTestApp({
      db: database.db,
      temporal: client,
      taskQueue,
    });
    try {
      const pending = call(app, 'POST', '/v1/cases', window, caseBody());
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const worker = await createCaseWorker({ connection, namespace: 'default', taskQueue, db: database.db, timeZone: TIME_ZONE });
      const running = worker.run();
      try {
        const response = await pending;
        expect(response.statusCode).toBe(201);
        expect(response.json().stages[0].tasks.length).toBeGreaterThan(0);
      } finally {
        worker.shutdown();
        await running;
      }
    } finally {
      await app.close();
      await client.connection.close();
      await connection.close();
      await database.close();
    }
  });
});

describe('dependencies down', () => {
  it('answers 503 DEPENDENCY_UNAVAILABLE when the database is unreachable, and /readyz says so', async () => {
    const database = connectDatabase('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    const app = await buildTestApp({
      db: database.db,
      temporal: stack.client,
      taskQueue: stack.taskQueue,
      logLevel: 'silent',
    });
    try {
      const list = await call(app, 'GET', '/v1/cases', window);
      expect(list.statusCode).toBe(503);
      expect(list.json().error.code).toBe('DEPENDENCY_UNAVAILABLE');
      const ready = await call(app, 'GET', '/readyz', null);
      expect(ready.statusCode).toBe(503);
      // bad input is still a 400, not a 503 or a 500
      const bad = await call(app, 'POST', '/v1/cases', window, { nonsense: true });
      expect(bad.statusCode).toBe(400);
    } finally {
      await app.close();
      await database.close();
    }
  });

  /** POST /v1/cases through an API whose Temporal is unreachable. */
  const openWhileTemporalIsDown = async (body: unknown, headers: Record<string, string>) => {
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = await buildTestApp({ db: stack.database.db, temporal, taskQueue: stack.taskQueue, logLevel: 'silent' });
    try {
      return await call(app, 'POST', '/v1/cases', window, body, headers);
    } finally {
      await app.close();
    }
  };

  it('answers 503 when Temporal is unreachable; a retry with the same Idempotency-Key opens that very case', async () => {
    const body = caseBody();
    const headers = { 'idempotency-key': `temporal-down-${Date.now()}` };
    const response = await openWhileTemporalIsDown(body, headers);
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('DEPENDENCY_UNAVAILABLE');
    // The row was kept (Temporal may or may not have taken the start): the project is not free
    // for another case, and the retry names and starts the same one.
    const other = await call(stack.app, 'POST', '/v1/cases', window, body);
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('CASE_ALREADY_OPEN');
    // the released claim remembers the case the attempt named, so the retry names it again
    // whatever the date (a derived ID would change at midnight)
    const [claim] = await stack.database.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, headers['idempotency-key']));
    expect(claim?.resourceId).toBe(other.json().error.details.caseId);
    expect(claim?.statusCode).toBeNull();
    const retried = await call(stack.app, 'POST', '/v1/cases', window, body, headers);
    expect(retried.statusCode).toBe(201);
    expect(retried.json().caseId).toBe(other.json().error.details.caseId);
    expect(retried.json().stages[0].tasks.length).toBeGreaterThan(0);
  });

  it('a retry that comes after the case it named has closed starts no second run of it', async () => {
    const body = caseBody();
    const headers = { 'idempotency-key': `late-retry-${Date.now()}` };
    expect((await openWhileTemporalIsDown(body, headers)).statusCode).toBe(503);
    // Meanwhile the sweep starts the case, and the applicant withdraws it: its workflow ends.
    const [claim] = await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, headers['idempotency-key']));
    const caseId = claim!.resourceId!;
    await startUnstartedCases(stack.database.db, stack.client, stack.taskQueue, 0);
    expect((await call(stack.app, 'POST', `/v1/cases/${caseId}/withdraw`, window, { reason: '申请人撤回' })).statusCode).toBe(200);
    const handle = stack.client.workflow.getHandle(caseWorkflowId(caseId));
    await handle.result();
    const { runId } = await handle.describe();

    // The client's retry of the first request, with the same key, comes only now.
    const retried = await call(stack.app, 'POST', '/v1/cases', window, body, headers);
    expect(retried.statusCode).toBe(201);
    expect(retried.json()).toMatchObject({ caseId, status: 'withdrawn' });
    const after = await handle.describe();
    expect(after.runId).toBe(runId);
    expect(after.status.name).toBe('COMPLETED');
    const row = await findCaseRow(stack.database.db, caseId);
    expect(row?.status).toBe('withdrawn');
    // A start that read the row while the case was still open (a sweep, a retry) comes too late.
    await startOpenedCase(stack.database.db, stack.client, stack.taskQueue, row!.startInput);
    expect((await handle.describe()).runId).toBe(runId);
  });
});

describe('rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the per-token limit', async () => {
    const limited = await startStack({ rateLimitPerMinute: 3 });
    try {
      const token = await limited.token({ role: 'coordinator' });
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i += 1) {
        last = await call(limited.app, 'GET', '/v1/catalog', token);
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last?.json().error.code).toBe('RATE_LIMITED');
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      // another token has its own budget
      const other = await limited.token({ role: 'admin' });
      expect((await call(limited.app, 'GET', '/v1/catalog', other)).statusCode).toBe(200);
      // on the public route, junk tokens buy no fresh budget: they share the caller's address
      const junk = [];
      for (let i = 0; i < 4; i += 1) {
        junk.push((await call(limited.app, 'GET', '/v1/certificates/NO-SUCH', `junk.${i}.token`)).statusCode);
      }
      expect(junk).toEqual([404, 404, 404, 429]);
      // refused requests count too: junk tokens on a protected route share the address's budget
      const limitedAgain = await startStack({ rateLimitPerMinute: 3 });
      try {
        const refused = [];
        for (let i = 0; i < 4; i += 1) refused.push((await call(limitedAgain.app, 'GET', '/v1/catalog', `junk.${i}.token`)).statusCode);
        expect(refused).toEqual([401, 401, 401, 429]);
      } finally {
        await limitedAgain.close();
      }
    } finally {
      await limited.close();
    }
  });
});
