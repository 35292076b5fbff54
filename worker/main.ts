/** The worker process: runs case workflows and their activities. */
import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { runWorker } from './run.js';

const config = loadConfig();
Runtime.install({
  shutdownSignals: ['SIGINT', 'SIGTERM'],
  // the SDK's own metrics (workflow cache, task latencies, …) on a Prometheus endpoint
  ...(config.worker.metricsPort
    ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.worker.metricsPort}` } } } }
    : {}),
});
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
try {
  await runWorker(config, database.db);
} finally {
  await database.close();
}
