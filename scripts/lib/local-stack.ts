/**
 * The whole system on one machine, as ./scripts/start and ./scripts/bench run it: the Temporal
 * dev server (unless an address is given), embedded PostgreSQL (unless a URL is given),
 * migrations and seed, then the worker and the API as processes of their own. Every process it
 * starts is supervised: when one exits unexpectedly `onExit` hears of it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '../../db/client.js';
import { embeddedDatabaseUrl } from '../../db/embedded-postgres.js';
import { prepareDatabase } from '../../db/prepare.js';
import { alive, isApiReady, isPortOpen, nodeArgs, startChild, stopChild, waitFor, type Child } from './processes.js';

export interface LocalStackOptions {
  dataDir: string;
  apiPort: number;
  apiHost?: string;
  temporalPort: number;
  /** the dev server's Web UI port (no UI when absent) */
  temporalUiPort?: number;
  postgresPort: number;
  /** an existing Temporal frontend: no dev server is started */
  temporalAddress?: string;
  temporalCli?: string;
  /** an existing PostgreSQL: no embedded cluster is started */
  databaseUrl?: string;
  /** a benchmark or test cluster: durability traded for speed */
  throwawayDatabase?: boolean;
  authJwtSecret?: string;
  /** the demo tokens file the console offers as one-click sign-in (./scripts/start only) */
  consoleDemoTokensFile?: string;
  /** extra environment for the worker and the API (settings under test) */
  env?: NodeJS.ProcessEnv;
  /** pass the worker's and the API's output through (./scripts/start) or keep it quiet (bench) */
  quiet?: boolean;
  /** Node flags for the worker and the API (the benchmark's profiles) */
  nodeFlags?: string[];
  onExit?: (child: Child, code: number | null) => void;
}

export interface LocalStack {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  databaseUrl: string;
  secret: string;
  worker: Child;
  api: Child;
  children: Child[];
  stop(): Promise<void>;
}

/** A local secret, generated once and kept under the data directory. */
export function localJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const children: Child[] = [];
  let stopping = false;
  let started = false;
  /** a child that died while the stack was starting: the start fails with it (and stops the rest) */
  let startFailure: Error | null = null;
  const supervise = (child: Child): Child => {
    children.push(child);
    void child.exited.then((code) => {
      if (stopping) return;
      if (started) options.onExit?.(child, code);
      else startFailure ??= new Error(`${child.name} exited (${code}) while the stack was starting\n${child.recentErrors()}`);
    });
    return child;
  };
  /** waitFor, giving up at once when a child has died meanwhile */
  const waitWhileStarting = (what: string, check: () => Promise<boolean>, timeoutMs?: number) =>
    waitFor(
      what,
      async () => {
        if (startFailure) throw startFailure;
        return check();
      },
      timeoutMs,
    );
  const stop = async () => {
    stopping = true;
    for (const child of [...children].reverse()) await stopChild(child);
  };

  try {
    const temporalAddress = options.temporalAddress ?? (await startTemporal());
    const databaseUrl = options.databaseUrl ?? (await startPostgres());
    const secret = options.authJwtSecret ?? localJwtSecret(dataDir);

    const database = connectDatabase(databaseUrl, { max: 1 });
    try {
      await waitWhileStarting('the database to accept connections', async () => (await database.sql`select 1`.catch(() => null)) !== null);
      await prepareDatabase(database.db);
    } finally {
      await database.close();
    }

    const env = {
      ...process.env,
      ...options.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      AUTH_JWT_SECRET: secret,
      PORT: String(options.apiPort),
      HOST: options.apiHost ?? '127.0.0.1',
      ...(options.temporalUiPort && !options.temporalAddress ? { TEMPORAL_UI_URL: `http://127.0.0.1:${options.temporalUiPort}` } : {}),
      ...(options.consoleDemoTokensFile ? { CONSOLE_DEMO_TOKENS_FILE: options.consoleDemoTokensFile } : {}),
    };
    const worker = supervise(startChild('worker', process.execPath, nodeArgs('worker/main.ts', options.nodeFlags), { env, quiet: options.quiet }));
    const api = supervise(startChild('api', process.execPath, nodeArgs('api/server.ts', options.nodeFlags), { env, quiet: options.quiet }));
    const apiUrl = `http://127.0.0.1:${options.apiPort}`;
    await waitWhileStarting('the API', () => isApiReady(apiUrl), 120_000);
    started = true;
    return {
      apiUrl,
      temporalAddress,
      temporalUiUrl: options.temporalUiPort && !options.temporalAddress ? `http://127.0.0.1:${options.temporalUiPort}` : null,
      databaseUrl,
      secret,
      worker,
      api,
      children,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }

  async function startTemporal(): Promise<string> {
    const port = options.temporalPort;
    if (await isPortOpen(port)) throw new Error(`port ${port} is busy (EADDRINUSE); set TEMPORAL_PORT or TEMPORAL_ADDRESS`);
    const dbFile = path.join(dataDir, 'temporal.sqlite');
    const ui = options.temporalUiPort ? ['--ui-ip', '127.0.0.1', '--ui-port', String(options.temporalUiPort)] : ['--headless'];
    if (options.temporalCli) {
      supervise(
        startChild(
          'temporal',
          options.temporalCli,
          [
            'server', 'start-dev', ...ui, '--ip', '127.0.0.1', '--port', String(port),
            '--db-filename', dbFile, '--log-level', 'error',
            '--search-attribute', 'ProjectCode=Keyword',
          ],
          { quiet: true },
        ),
      );
      await waitWhileStarting('the Temporal dev server', () => isPortOpen(port));
      return `127.0.0.1:${port}`;
    }
    // No CLI could be built: the SDK downloads one (needs internet).
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const environment = await TestWorkflowEnvironment.createLocal({
      server: { ip: '127.0.0.1', port, dbFilename: dbFile, extraArgs: ui },
    });
    process.once('exit', () => void environment.teardown());
    return `127.0.0.1:${port}`;
  }

  async function startPostgres(): Promise<string> {
    const port = options.postgresPort;
    if (await isPortOpen(port)) throw new Error(`port ${port} is busy (EADDRINUSE); set POSTGRES_PORT or DATABASE_URL`);
    const args = [...nodeArgs('db/embedded-postgres.ts'), dataDir, String(port), ...(options.throwawayDatabase ? ['--throwaway'] : [])];
    const child = supervise(startChild('postgres', process.execPath, args, { quiet: true }));
    await waitWhileStarting('the embedded PostgreSQL', async () => alive(child) && (await isPortOpen(port)));
    return embeddedDatabaseUrl(dataDir, port);
  }
}
