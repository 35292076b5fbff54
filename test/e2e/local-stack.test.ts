/**
 * What ./scripts/start runs (scripts/dev-stack.ts): the Temporal dev server, embedded PostgreSQL,
 * migrations and seed, the worker and the API as two processes, on ports of its own and a DATA_DIR of
 * its own. A case opened and decided concurrently survives a restart of the whole stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../scripts/lib/processes.js';
import { createHttpClient } from '../support/http-client.js';
import { caseBody } from '../support/stack.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'approval-local-stack-'));
let running: ChildProcess | null = null;

async function startLocalStack(ports: { api: number; temporal: number; ui: number; postgres: number }): Promise<ChildProcess> {
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('the local stack test needs TEMPORAL_CLI: run it through ./scripts/test');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    POSTGRES_PORT: String(ports.postgres),
    TEMPORAL_CLI: cli,
    LOG_LEVEL: 'warn',
  };
  // embedded defaults: nothing external
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.AUTH_JWT_SECRET;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev-stack.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local stack did not come up:\n${output}`)), 150_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('engine is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local stack exited (${code}):\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

afterAll(async () => {
  if (running) await stop(running);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('./scripts/start on the embedded defaults', () => {
  it('serves a case decided concurrently, and keeps it across a restart', async () => {
    const ports = { api: await findFreePort(), temporal: await findFreePort(), ui: await findFreePort(), postgres: await findFreePort() };
    running = await startLocalStack(ports);
    const http = createHttpClient(`http://127.0.0.1:${ports.api}`);
    expect((await http('GET', '/readyz', null)).status).toBe(200);

    const tokens = JSON.parse(readFileSync(path.join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(tokens)).toEqual(expect.arrayContaining(['window', 'reviewer:drc', 'reviewer:eco', 'coordinator', 'admin']));
    const opened = await http('POST', '/v1/cases', tokens.window!, caseBody());
    expect(opened.status).toBe(201);
    const { caseId } = opened.json as { caseId: string };
    const pending = (opened.json.stages[0].tasks as { taskId: string; department: string; status: string }[]).filter(
      (t) => t.status === 'pending',
    );
    expect(pending).toHaveLength(4);
    // all at once, from three departments
    const decided = await Promise.all(
      pending.map((t) =>
        http('POST', `/v1/cases/${caseId}/tasks/${t.taskId}/decision`, tokens[`reviewer:${t.department}`]!, { decision: 'approve' }),
      ),
    );
    expect(decided.map((d) => d.status)).toEqual([200, 200, 200, 200]);

    await stop(running);
    running = await startLocalStack(ports);
    const after = await http('GET', `/v1/cases/${caseId}`, tokens.coordinator!);
    expect(after.status).toBe(200);
    const statuses = Object.fromEntries(
      (after.json.stages[0].tasks as { itemCode: string; status: string }[]).map((t) => [t.itemCode, t.status]),
    );
    expect(statuses).toEqual({
      'project-approval': 'approved',
      'land-site-review': 'approved',
      'land-use-permit': 'pending',
      eia: 'approved',
      'heritage-survey': 'approved',
    });
  });
});
