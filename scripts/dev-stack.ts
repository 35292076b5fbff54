/**
 * The local stack behind ./scripts/start: the Temporal dev server (unless TEMPORAL_ADDRESS),
 * embedded PostgreSQL (unless DATABASE_URL), migrations and seed, the worker and the API as two
 * processes with their own pools, as in production. Prints the URLs and one token per role;
 * Ctrl-C or SIGTERM stops it all. State lives under DATA_DIR, so a restart keeps every case.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { signToken } from '../api/auth.js';
import { loadLocalStackConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { clusterDirectory, embeddedDatabaseUrl } from '../db/embedded-postgres.js';
import { prepareDatabase } from '../db/prepare.js';
import { getLatestCatalog } from '../db/queries.js';
import { isPortOpen, nodeArgs, startChild, stopChild, waitFor, type Child } from './lib/processes.js';

const stack = loadLocalStackConfig();
const dataDir = path.resolve(stack.dataDir);
mkdirSync(dataDir, { recursive: true });
const children: Child[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const child of [...children].reverse()) await stopChild(child);
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

function supervise(child: Child): Child {
  children.push(child);
  void child.exited.then((code) => {
    if (stopping) return;
    console.error(`${child.name} exited (${code}); stopping the stack\n${child.recentErrors()}`);
    void stopAll(1);
  });
  return child;
}

/** A local secret, generated once and kept under DATA_DIR. */
function localJwtSecret(): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function startTemporal(): Promise<string> {
  if (stack.temporalAddress) return stack.temporalAddress;
  const port = stack.temporalPort;
  const address = `127.0.0.1:${port}`;
  if (await isPortOpen(port)) throw new Error(`port ${port} is busy; set TEMPORAL_PORT or TEMPORAL_ADDRESS`);
  const dbFile = path.join(dataDir, 'temporal.sqlite');
  if (stack.temporalCli) {
    supervise(
      startChild(
        'temporal',
        stack.temporalCli,
        [
          'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port),
          '--db-filename', dbFile, '--log-level', 'error',
          '--search-attribute', 'ProjectCode=Keyword',
        ],
        { quiet: true },
      ),
    );
    await waitFor('the Temporal dev server', () => isPortOpen(port));
    return address;
  }
  // No CLI could be built: the SDK downloads one (needs internet).
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const environment = await TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', port, dbFilename: dbFile, extraArgs: ['--headless'] },
  });
  process.once('exit', () => void environment.teardown());
  return address;
}

async function startDatabase(): Promise<string> {
  if (stack.databaseUrl) return stack.databaseUrl;
  const port = stack.postgresPort;
  if (await isPortOpen(port)) throw new Error(`port ${port} is busy; set POSTGRES_PORT or DATABASE_URL`);
  supervise(startChild('postgres', process.execPath, [...nodeArgs('db/embedded-postgres.ts'), dataDir, String(port)], { quiet: true }));
  await waitFor('the embedded PostgreSQL', () => isPortOpen(port));
  return embeddedDatabaseUrl(dataDir, port);
}

const temporalAddress = await startTemporal();
const databaseUrl = await startDatabase();
const secret = stack.authJwtSecret ?? localJwtSecret();

const database = connectDatabase(databaseUrl, { max: 1 });
await waitFor('the database to accept connections', async () => (await database.sql`select 1`.catch(() => null)) !== null);
await prepareDatabase(database.db);
const catalog = await getLatestCatalog(database.db);
await database.close();

const childEnv = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  TEMPORAL_ADDRESS: temporalAddress,
  AUTH_JWT_SECRET: secret,
};
supervise(startChild('worker', process.execPath, nodeArgs('worker/main.ts'), { env: childEnv }));
supervise(startChild('api', process.execPath, nodeArgs('api/server.ts'), { env: childEnv }));

const { port, host } = stack;
const base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
await waitFor('the API', async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok === true, 120_000);

const tokens: [string, string][] = [
  ['window', await signToken({ sub: 'window-1', name: '综合窗口', role: 'window' }, secret, '7d')],
  ...(await Promise.all(
    catalog.departments.map(async (d): Promise<[string, string]> => [
      `reviewer:${d.code}`,
      await signToken({ sub: `reviewer-${d.code}`, name: `${d.name.zh}审查员`, role: 'reviewer', department: d.code }, secret, '7d'),
    ]),
  )),
  ['coordinator', await signToken({ sub: 'coordinator-1', name: '协调员', role: 'coordinator' }, secret, '7d')],
  ['admin', await signToken({ sub: 'admin-1', name: '管理员', role: 'admin' }, secret, '7d')],
];
writeFileSync(path.join(dataDir, 'tokens.json'), JSON.stringify(Object.fromEntries(tokens), null, 2));

console.log(`
Parallel approval engine is up.
  API      ${base}
  Docs     ${base}/docs
  Temporal ${temporalAddress}
  Database ${stack.databaseUrl ? '(DATABASE_URL)' : `embedded PostgreSQL on 127.0.0.1:${stack.postgresPort}, data in ${clusterDirectory(dataDir)}`}

Demo tokens (valid 7 days; also in ${path.join(dataDir, 'tokens.json')}):
${tokens.map(([role, token]) => `  ${role.padEnd(18)} ${token}`).join('\n')}

Press Ctrl-C to stop.`);
