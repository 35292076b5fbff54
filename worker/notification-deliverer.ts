/**
 * Delivers the notification outbox to NOTIFY_WEBHOOK_URL, at least once: rows are claimed with
 * `FOR UPDATE SKIP LOCKED` (several workers never send one row at the same time), POSTed, and
 * marked delivered only after a 2xx; anything else is retried with exponential back-off.
 * Receivers deduplicate by `X-Notification-Id`.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { NotificationRow } from '../db/queries.js';

export interface DelivererOptions {
  db: Database;
  url: string;
  secret: string | undefined;
  formatInstant: (ms: number) => string;
  batchSize?: number;
  timeoutMs?: number;
  log?: (message: string) => void;
}

const MAX_BACKOFF_MS = 10 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, attempts - 1));
}

/** The notification's public shape (SPEC §4 *Notification*), as POSTed and as listed by the API. */
export function toNotificationView(row: NotificationRow, formatInstant: (ms: number) => string) {
  return {
    notificationId: row.notificationId,
    kind: row.kind,
    caseId: row.caseId,
    ...(row.taskId ? { taskId: row.taskId } : {}),
    ...(row.department ? { department: row.department } : {}),
    audience: row.audience,
    message: row.message,
    data: row.data,
    createdAt: formatInstant(row.createdAt.getTime()),
  };
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function createNotificationDeliverer(options: DelivererOptions) {
  const { db, url, secret, formatInstant, batchSize = 20, timeoutMs = 10_000, log = () => {} } = options;

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

  /** Delivers what is due now; returns how many rows were attempted. */
  async function deliverDue(): Promise<number> {
    return db.transaction(async (tx) => {
      const due = await tx.execute<Record<string, unknown>>(sql`
        select * from notifications
        where delivered_at is null and next_attempt_at <= now()
        order by created_at
        limit ${batchSize}
        for update skip locked`);
      for (const raw of due) {
        const row = {
          notificationId: raw.notification_id,
          kind: raw.kind,
          caseId: raw.case_id,
          taskId: raw.task_id,
          audience: raw.audience,
          department: raw.department,
          message: raw.message,
          data: raw.data,
          createdAt: new Date(raw.created_at as string),
        } as NotificationRow;
        const failure = await post(row);
        const attempts = Number(raw.attempts) + 1;
        // clock_timestamp(), not now(): now() is when this transaction (the whole batch of POSTs)
        // began, which would stamp a delivery before it happened and shorten the back-off.
        if (failure === null) {
          await tx.execute(sql`update notifications set delivered_at = clock_timestamp(), attempts = ${attempts}, last_error = null
            where notification_id = ${row.notificationId}`);
        } else {
          log(`notification ${row.notificationId}: ${failure}; retrying`);
          await tx.execute(sql`update notifications set attempts = ${attempts}, last_error = ${failure},
            next_attempt_at = clock_timestamp() + (${backoffMs(attempts)} * interval '1 millisecond')
            where notification_id = ${row.notificationId}`);
        }
      }
      return due.length;
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    deliverDue,
    start(intervalMs = 1_000): void {
      const tick = (): void => {
        running = deliverDue()
          .catch((error: unknown) => log(`notification delivery failed: ${String(error)}`))
          .finally(() => {
            timer = setTimeout(tick, intervalMs);
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
