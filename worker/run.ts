/** The worker's services: case workflows with their activities, and the notification deliverer. */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { WorkingCalendar } from '../domain/calendar.js';
import { buildConnectionOptions } from '../temporal.config.js';
import { createCaseWorker } from './create-worker.js';
import { createNotificationDeliverer } from './notification-deliverer.js';

/** approval_notifications_delivered / _failed on the worker's Prometheus endpoint (README: Metrics). */
function notificationCounter(): (outcome: 'delivered' | 'failed') => void {
  const meter = Runtime.instance().metricMeter;
  const delivered = meter.createCounter('approval_notifications_delivered', '1', 'webhook POSTs answered 2xx');
  const failed = meter.createCounter('approval_notifications_failed', '1', 'webhook POSTs that failed (retried with back-off)');
  return (outcome) => (outcome === 'delivered' ? delivered : failed).add(1);
}

/** Runs until the worker is shut down (Runtime's shutdown signals, or `worker.shutdown()`). */
export async function runWorker(config: AppConfig, db: Database): Promise<void> {
  const connection = await NativeConnection.connect(buildConnectionOptions(config.temporal, (p) => readFileSync(p)));
  const worker = await createCaseWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    timeZone: config.timeZone,
    settings: config.worker,
  });
  console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  const clock = new WorkingCalendar([], config.timeZone);
  const deliverer = config.notifyWebhookUrl
    ? createNotificationDeliverer({
        db,
        url: config.notifyWebhookUrl,
        secret: config.notifyWebhookSecret,
        formatInstant: (ms) => clock.formatInstant(ms),
        log: (message) => console.warn(message),
        onOutcome: notificationCounter(),
      })
    : null;
  deliverer?.start();
  try {
    await worker.run();
  } finally {
    await deliverer?.stop();
    await connection.close();
  }
}
