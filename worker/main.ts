/** The worker process: runs case workflows and their activities. */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { buildConnectionOptions } from '../temporal.config.js';
import { WorkingCalendar } from '../domain/calendar.js';
import { createCaseWorker } from './create-worker.js';
import { createNotificationDeliverer } from './notification-deliverer.js';

const config = loadConfig();
Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
const connection = await NativeConnection.connect(buildConnectionOptions(config.temporal, (p) => readFileSync(p)));
const worker = await createCaseWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  db: database.db,
  timeZone: config.timeZone,
});
console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);

const clock = new WorkingCalendar([], config.timeZone);
const deliverer = config.notifyWebhookUrl
  ? createNotificationDeliverer({
      db: database.db,
      url: config.notifyWebhookUrl,
      secret: config.notifyWebhookSecret,
      formatInstant: (ms) => clock.formatInstant(ms),
      log: (message) => console.warn(message),
    })
  : null;
deliverer?.start();
try {
  await worker.run();
} finally {
  await deliverer?.stop();
  await connection.close();
  await database.close();
}
