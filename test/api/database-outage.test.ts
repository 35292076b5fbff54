/**
 * The database goes away in the middle of an operation: the worker reaches PostgreSQL through a
 * TCP proxy that the test cuts while a decision is being written, then restores. Nothing is
 * lost: the read-model activity retries, the decision lands once, the audit chain stays whole.
 */
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../../db/audit-chain.js';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { findAuditEvents, findTaskRow } from '../../db/queries.js';
import { caseWorkflowId } from '../../temporal.config.js';
import { createCaseWorker } from '../../worker/create-worker.js';
import { decideUpdate } from '../../workflows/case-workflow.js';
import { findFreePort } from '../../scripts/lib/processes.js';
import { buildTestApp, call, caseBody, installQuietRuntime, requireInfrastructure, TEST_SECRET, TIME_ZONE } from '../support/stack.js';
import { signToken } from '../../api/auth.js';

/** A TCP proxy that can be cut (every connection dropped, new ones refused) and restored. */
function createProxy(target: { host: string; port: number }, port: number) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  return {
    open,
    async cut(): Promise<void> {
      const closing = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      for (const s of sockets) s.destroy();
      await closing;
    },
  };
}

let direct: DatabaseHandle;
let viaProxy: DatabaseHandle;
let proxy: ReturnType<typeof createProxy>;
let close: () => Promise<void>;
let app: Awaited<ReturnType<typeof buildTestApp>>;
let client: Client;

beforeAll(async () => {
  const { temporalAddress, databaseUrl } = requireInfrastructure();
  installQuietRuntime();
  const target = new URL(databaseUrl);
  const port = await findFreePort();
  proxy = createProxy({ host: target.hostname, port: Number(target.port || 5432) }, port);
  await proxy.open();
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);

  direct = connectDatabase(databaseUrl, { max: 2 });
  viaProxy = connectDatabase(proxied.toString(), { max: 2 });
  const taskQueue = `test-outage-${Date.now()}`;
  const workerConnection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await createCaseWorker({ connection: workerConnection, namespace: 'default', taskQueue, db: viaProxy.db, timeZone: TIME_ZONE });
  const running = worker.run();
  client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
  app = await buildTestApp({
    db: direct.db,
    temporal: client,
    taskQueue,
    logLevel: 'silent',
  });
  close = async () => {
    await app.close();
    worker.shutdown();
    await running;
    await workerConnection.close();
    await client.connection.close();
    await viaProxy.close();
    await direct.close();
  };
});
afterAll(async () => close?.());

describe('the database goes away mid-operation', () => {
  it('loses nothing: the decision lands once when it is back, and the audit chain is whole', async () => {
    const window = await signToken({ sub: 'window-outage', name: 'window', role: 'window' }, TEST_SECRET);
    const opened = await call(app, 'POST', '/v1/cases', window, caseBody());
    expect(opened.statusCode).toBe(201);
    const caseId = opened.json().caseId as string;
    const taskId = `${caseId}-eia`;

    await proxy.cut();
    // accepted by the workflow at once; its write to the read model now fails and is retried
    const update = await client.workflow.getHandle(caseWorkflowId(caseId)).startUpdate(decideUpdate, {
      args: [{ taskId, decision: 'approve', opinion: '同意', actor: { sub: 'eco-1', name: 'eco', role: 'reviewer', department: 'eco' } }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await findTaskRow(direct.db, taskId))?.status).toBe('pending');

    await proxy.open();
    await update.result();
    expect((await findTaskRow(direct.db, taskId))?.status).toBe('approved');

    const events = await findAuditEvents(direct.db, caseId);
    expect(events.filter((e) => e.type === 'task_decided')).toHaveLength(1);
    let prev = GENESIS_HASH;
    for (const event of events) {
      expect(event.prevHash).toBe(prev);
      expect(sha256Hex(event.canonical)).toBe(event.hash);
      prev = event.hash;
    }
    expect(canonicalJson(JSON.parse(events[0]!.canonical))).toBe(events[0]!.canonical);
  });
});
