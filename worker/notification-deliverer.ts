/**
 * Delivers the notification outbox to NOTIFY_WEBHOOK_URL, at least once: rows are claimed with
 * a lease (`FOR UPDATE SKIP LOCKED` in one short statement, so several workers never send one
 * row at the same time and no transaction stays open during a POST), POSTed, and marked
 * delivered only after a 2xx; anything else is retried with exponential back-off.
 * Receivers deduplicate by `X-Notification-Id`.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pLimit from 'p-limit';
import type { Database } from '../db/client.js';
import type { NotificationRow } from '../db/queries.js';
import { toNotificationView } from '../domain/notification-view.js';

export interface DelivererOptions {
  db: Database;
  url: string;
  secret: string | undefined;
  formatInstant: (ms: number) => string;
  batchSize?: number;
  /** POSTs in flight at once */
  concurrency?: number;
  timeoutMs?: number;
  log?: (message: string) => void;
  /** counts each POST's outcome (the worker's metrics: approval_notifications_delivered / _failed) */
  onOutcome?: (outcome: 'delivered' | 'failed') => void;
}

const MAX_BACKOFF_MS = 10 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, attempts - 1));
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function createNotificationDeliverer(options: DelivererOptions) {
  const { db, url, secret, formatInstant, batchSize = 50, concurrency = 8, timeoutMs = 10_000, log = () => {}, onOutcome = () => {} } = options;
  const limit = pLimit(concurrency);

  async function post(row: NotificationRow): Promise<string | null> {
    const body = JSON.stringify(toNotificationView(row, formatInstant));
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-notification-id': row.notificationId,
          ...(secret ? { 'x-signature': signBody(body, secret) } : {}),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  // A claimed row is not due again until the whole batch could have timed out.
  const leaseMs = timeoutMs * Math.ceil(batchSize / concurrency) + 60_000;

  /**
   * Claims up to a batch of due rows in one short statement (SKIP LOCKED: two deliverers never
   * claim one row), leasing them by moving `next_attempt_at` past the longest possible batch.
   */
  async function claimDue(): Promise<(NotificationRow & { attempts: number })[]> {
    const claimed = await db.execute<Record<string, unknown>>(sql`
      update notifications set next_attempt_at = clock_timestamp() + (${leaseMs} * interval '1 millisecond')
      where notification_id in (
        select notification_id from notifications
        where delivered_at is null and next_attempt_at <= clock_timestamp()
        order by created_at
        limit ${batchSize}
        for update skip locked)
      returning *`);
    return claimed
      .map((raw) => ({
        notificationId: raw.notification_id,
        kind: raw.kind,
        caseId: raw.case_id,
        taskId: raw.task_id,
        audience: raw.audience,
        department: raw.department,
        message: raw.message,
        data: raw.data,
        createdAt: new Date(raw.created_at as string),
        attempts: Number(raw.attempts),
      }) as NotificationRow & { attempts: number })
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async function deliver(row: NotificationRow & { attempts: number }): Promise<void> {
    const failure = await post(row);
    const attempts = row.attempts + 1;
    onOutcome(failure === null ? 'delivered' : 'failed');
    if (failure === null) {
      await db.execute(sql`update notifications set delivered_at = clock_timestamp(), attempts = ${attempts}, last_error = null
        where notification_id = ${row.notificationId}`);
    } else {
      log(`notification ${row.notificationId}: ${failure}; retrying`);
      await db.execute(sql`update notifications set attempts = ${attempts}, last_error = ${failure},
        next_attempt_at = clock_timestamp() + (${backoffMs(attempts)} * interval '1 millisecond')
        where notification_id = ${row.notificationId}`);
    }
  }

  /**
   * Delivers what is due now, `concurrency` POSTs at a time (outside any transaction); returns how
   * many rows were attempted.
   */
  async function deliverDue(): Promise<number> {
    const due = await claimDue();
    await Promise.all(due.map((row) => limit(() => deliver(row))));
    return due.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    deliverDue,
    start(intervalMs = 1_000): void {
      const tick = (): void => {
        running = deliverDue()
          .catch((error: unknown) => {
            log(`notification delivery failed: ${String(error)}`);
            return 0;
          })
          .then((attempted) => {
            // a full batch means more are waiting: drain them without pausing
            timer = setTimeout(tick, attempted >= batchSize ? 0 : intervalMs);
          });
      };
      tick();
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      await running;
      clearTimeout(timer);
    },
  };
}
