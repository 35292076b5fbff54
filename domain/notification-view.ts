/**
 * A notification's public shape (SPEC §4 *Notification*): what the worker POSTs to the webhook
 * and what `GET /v1/notifications` lists, from one function.
 */
import type { NotificationAudience, NotificationKind } from './case-types.js';

export interface StoredNotification {
  notificationId: string;
  kind: NotificationKind;
  caseId: string;
  taskId: string | null;
  department: string | null;
  audience: NotificationAudience;
  message: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export function toNotificationView(row: StoredNotification, formatInstant: (ms: number) => string) {
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
