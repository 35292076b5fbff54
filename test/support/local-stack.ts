/**
 * `./scripts/start`'s stack (scripts/dev-stack.ts) as a child process on ports and a DATA_DIR of
 * its own, on the embedded defaults: for tests that need the whole thing as a user runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeDataDirectory } from '../../db/embedded-postgres.js';
import { findFreePort, hasExited, onFreePorts } from '../../scripts/lib/processes.js';

export interface LocalStackPorts {
  api: number;
  temporal: number;
  ui: number;
  postgres: number;
}

export interface LocalStackProcess {
  dataDir: string;
  ports: LocalStackPorts;
  child: ChildProcess;
  /** the demo tokens ./scripts/start wrote (window, reviewer:<dept>, coordinator, admin) */
  tokens(): Record<string, string>;
}

async function freePorts(): Promise<LocalStackPorts> {
  return { api: await findFreePort(), temporal: await findFreePort(), ui: await findFreePort(), postgres: await findFreePort() };
}

export function newDataDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `approval-${name}-`));
}

/** Starts the stack on free ports, again on others when one was taken before the stack bound it. */
export async function startLocalStackOnFreePorts(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<LocalStackProcess> {
  return onFreePorts(async () => startLocalStack(dataDir, await freePorts(), env));
}

/** Starts the stack and resolves once it says it is up. `env` adds settings (e.g. a rate limit). */
export async function startLocalStack(dataDir: string, ports: LocalStackPorts, env: NodeJS.ProcessEnv = {}): Promise<LocalStackProcess> {
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('the local stack needs TEMPORAL_CLI: run the tests through ./scripts/test');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    POSTGRES_PORT: String(ports.postgres),
    TEMPORAL_CLI: cli,
    LOG_LEVEL: 'warn',
    ...env,
  };
  // embedded defaults: nothing external
  delete childEnv.DATABASE_URL;
  delete childEnv.TEMPORAL_ADDRESS;
  delete childEnv.AUTH_JWT_SECRET;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev-stack.ts'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return {
    dataDir,
    ports,
    child,
    tokens: () => JSON.parse(readFileSync(path.join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>,
  };
}

/** Ctrl-C: the stack stops its services in order and the database cleanly. */
export async function stopLocalStack(stack: LocalStackProcess | null): Promise<void> {
  if (!stack || hasExited(stack.child)) return;
  const exited = new Promise((resolve) => stack.child.once('exit', resolve));
  stack.child.kill('SIGTERM');
  await exited;
}

export function removeDataDir(dataDir: string): void {
  removeDataDirectory(dataDir);
}
