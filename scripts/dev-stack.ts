/**
 * ./scripts/start: the whole system locally (scripts/lib/local-stack.ts) on the embedded
 * defaults, then the URLs and one token per role. Ctrl-C or SIGTERM stops it all. State lives
 * under DATA_DIR, so a restart keeps every case.
 */
import path from 'node:path';
import { loadLocalStackConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { clusterDirectory } from '../db/embedded-postgres.js';
import { formatTokens, mintDemoTokens, writeTokensFile } from './lib/demo-tokens.js';
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
const tokens = await mintDemoTokens(database.db, stack.secret);
await database.close();
writeTokensFile(path.join(dataDir, 'tokens.json'), tokens);

const base = config.host === '0.0.0.0' ? stack.apiUrl : `http://${config.host}:${config.port}`;
console.log(`
Parallel approval engine is up.
  Console  ${base}/console/  (sign in with a demo identity below)
  API      ${base}
  Docs     ${base}/docs${stack.temporalUiUrl ? `\n  Temporal ${stack.temporalAddress} (Web UI ${stack.temporalUiUrl})` : `\n  Temporal ${stack.temporalAddress}`}
  Database ${config.databaseUrl ? '(DATABASE_URL)' : `embedded PostgreSQL on 127.0.0.1:${config.postgresPort}, data in ${clusterDirectory(dataDir)}`}

Demo tokens (valid 7 days; also in ${path.join(dataDir, 'tokens.json')}):
${formatTokens(tokens)}

Press Ctrl-C to stop.`);
