/**
 * ./scripts/start: the whole system locally (scripts/lib/local-stack.ts) on the embedded
 * defaults, then the URLs and one token per role. Ctrl-C or SIGTERM stops it all. State lives
 * under DATA_DIR, so a restart keeps every case.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { signToken } from '../api/auth.js';
import { loadLocalStackConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { clusterDirectory } from '../db/embedded-postgres.js';
import { getLatestCatalog } from '../db/queries.js';
import { startLocalStack, type LocalStack } from './lib/local-stack.js';

const config = loadLocalStackConfig();
const dataDir = path.resolve(config.dataDir);
let stack: LocalStack | null = null;

async function stopAll(code: number): Promise<never> {
  await stack?.stop();
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

stack = await startLocalStack({
  dataDir,
  apiPort: config.port,
  apiHost: config.host,
  temporalPort: config.temporalPort,
  temporalUiPort: config.temporalUiPort,
  postgresPort: config.postgresPort,
  temporalAddress: config.temporalAddress,
  temporalCli: config.temporalCli,
  databaseUrl: config.databaseUrl,
  authJwtSecret: config.authJwtSecret,
  consoleDemoTokensFile: path.join(dataDir, 'tokens.json'),
  onExit: (child, code) => {
    console.error(`${child.name} exited (${code}); stopping the stack\n${child.recentErrors()}`);
    void stopAll(1);
  },
});

const database = connectDatabase(stack.databaseUrl, { max: 1 });
const catalog = await getLatestCatalog(database.db);
await database.close();

const { secret } = stack;
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

const base = config.host === '0.0.0.0' ? stack.apiUrl : `http://${config.host}:${config.port}`;
console.log(`
Parallel approval engine is up.
  Console  ${base}/console/  (sign in with a demo identity below)
  API      ${base}
  Docs     ${base}/docs${stack.temporalUiUrl ? `\n  Temporal ${stack.temporalAddress} (Web UI ${stack.temporalUiUrl})` : `\n  Temporal ${stack.temporalAddress}`}
  Database ${config.databaseUrl ? '(DATABASE_URL)' : `embedded PostgreSQL on 127.0.0.1:${config.postgresPort}, data in ${clusterDirectory(dataDir)}`}

Demo tokens (valid 7 days; also in ${path.join(dataDir, 'tokens.json')}):
${tokens.map(([role, token]) => `  ${role.padEnd(18)} ${token}`).join('\n')}

Press Ctrl-C to stop.`);
