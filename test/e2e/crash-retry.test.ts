/**
 * SPEC §4 Idempotency-Key after a crash: the API process that claimed a key is killed (kill -9)
 * between claiming it and answering; a retry with the same key, to another API process, is
 * answered within seconds with the first request's result, and the decision is applied once.
 * Real processes (worker and API as ./scripts/start runs them), Temporal and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../api/auth.js';
import { findAuditEvents } from '../../db/queries.js';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { alive, findFreePort, isApiReady, nodeArgs, onFreePorts, startChild, stopChild, waitFor, type Child } from '../../scripts/lib/processes.js';
import { caseBody, requireInfrastructure, TEST_SECRET } from '../support/stack.js';

const children: Child[] = [];
let database: DatabaseHandle;
let env: NodeJS.ProcessEnv;

function startWorker(): Child {
  const child = startChild('worker', process.execPath, nodeArgs('worker/main.ts'), { env, quiet: true });
  children.push(child);
  return child;
}

/** An API on a free port (on another when the first was taken before it bound it). */
function startApi(): Promise<{ child: Child; base: string }> {
  return onFreePorts(async () => {
    const port = await findFreePort();
    const child = startChild('api', process.execPath, nodeArgs('api/server.ts'), { env: { ...env, PORT: String(port) }, quiet: true });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the API', async () => alive(child) && (await isApiReady(base)));
    return { child, base };
  });
}

function kill9(child: Child): Promise<number | null> {
  child.process.kill('SIGKILL');
  return child.exited;
}

beforeAll(async () => {
  const { temporalAddress, databaseUrl } = requireInfrastructure();
  database = connectDatabase(databaseUrl, { max: 2 });
  env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `crash-retry-${randomUUID()}`,
    AUTH_JWT_SECRET: TEST_SECRET,
    DATABASE_POOL_SIZE: '4',
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  for (const child of children) await stopChild(child, 5_000);
  await database?.close();
});

describe('an API process killed between claiming an Idempotency-Key and answering', () => {
  it('leaves the key to the retry, which is answered within seconds with the decision applied once', async () => {
    const window = await signToken({ sub: 'window-crash', name: '窗口', role: 'window' }, TEST_SECRET);
    const drc = await signToken({ sub: 'reviewer-crash-drc', name: '发改委', role: 'reviewer', department: 'drc' }, TEST_SECRET);
    const firstWorker = startWorker();
    const first = await startApi();
    const opened = await fetch(`${first.base}/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${window}`, 'content-type': 'application/json' },
      body: JSON.stringify(caseBody({ projectType: 'social-small' })),
    });
    expect(opened.status).toBe(201);
    const { caseId } = (await opened.json()) as { caseId: string };
    const taskId = `${caseId}-project-approval`;

    // No worker: the decision is claimed and sent to Temporal, and then waits.
    await kill9(firstWorker);
    const decide = (base: string) =>
      fetch(`${base}/v1/cases/${caseId}/tasks/${taskId}/decision`, {
        method: 'POST',
        headers: { authorization: `Bearer ${drc}`, 'content-type': 'application/json', 'idempotency-key': 'decide-once' },
        body: JSON.stringify({ decision: 'approve', opinion: '同意立项' }),
      });
    const lost = decide(first.base).catch(() => null);
    await waitFor('the claim', async () => (await database.sql`select 1 from idempotency_keys where key = 'decide-once'`).length > 0, 10_000);
    await kill9(first.child);
    expect(await lost).toBeNull();

    startWorker();
    const second = await startApi();
    const retriedAt = Date.now();
    let answer = await decide(second.base);
    while (answer.status === 409 && Date.now() - retriedAt < 30_000) {
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      await new Promise((resolve) => setTimeout(resolve, 500));
      answer = await decide(second.base);
    }
    expect(answer.status).toBe(200);
    expect(Date.now() - retriedAt).toBeLessThan(15_000);
    expect(((await answer.json()) as { status: string }).status).toBe('approved');

    const again = await decide(second.base);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const decisions = (await findAuditEvents(database.db, caseId)).filter((e) => e.type === 'task_decided');
    expect(decisions).toHaveLength(1);
  }, 120_000);
});
