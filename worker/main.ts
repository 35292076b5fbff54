/** The worker process: runs case workflows and their activities. */
import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { runWorker } from './run.js';

const config = loadConfig();
Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
try {
  await runWorker(config, database.db);
} finally {
  await database.close();
}
