/** The API process: listens, and restarts any case whose workflow never started. */
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { buildConnectionOptions } from '../temporal.config.js';
import { buildApp } from './app.js';
import { startUnstartedCases } from './sweeper.js';

const SWEEP_INTERVAL_MS = 30_000;

const config = loadConfig();
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
const connection = await Connection.connect(buildConnectionOptions(config.temporal, (p) => readFileSync(p)));
const temporal = new Client({ connection, namespace: config.temporal.namespace });
const app = await buildApp({
  db: database.db,
  temporal,
  taskQueue: config.temporal.taskQueue,
  authJwtSecret: config.authJwtSecret,
  timeZone: config.timeZone,
  rateLimitPerMinute: config.rateLimitPerMinute,
  logLevel: config.logLevel,
});

const sweeper = setInterval(() => {
  startUnstartedCases(database.db, temporal, config.temporal.taskQueue, SWEEP_INTERVAL_MS)
    .then((caseIds) => {
      if (caseIds.length > 0) app.log.info({ caseIds }, 'started the workflows of cases left unstarted');
    })
    .catch((error: unknown) => app.log.warn({ err: error }, 'sweep of unstarted cases failed'));
}, SWEEP_INTERVAL_MS);

async function shutdown(signal: string): Promise<void> {
  app.log.info(`${signal}: shutting down`);
  clearInterval(sweeper);
  await app.close();
  await connection.close();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', (s) => void shutdown(s));
process.once('SIGTERM', (s) => void shutdown(s));

await app.listen({ port: config.port, host: config.host });
