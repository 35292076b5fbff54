/**
 * The worker and the API in one process, for ./scripts/start on the embedded PGlite database:
 * PGlite is a single session, and its socket server interleaves the protocol messages of
 * separate connections, so everything that talks to it shares one connection here. With a real
 * PostgreSQL (DATABASE_URL) the two run as separate processes instead.
 */
import { Runtime } from '@temporalio/worker';
import { runApi } from '../api/run.js';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { runWorker } from '../worker/run.js';

const config = loadConfig();
Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
const database = connectDatabase(config.databaseUrl, { max: 1 });
const stopApi = await runApi(config, database.db);
try {
  // returns when the Runtime's shutdown signal has drained the worker
  await runWorker(config, database.db);
} finally {
  await stopApi();
  await database.close();
}
