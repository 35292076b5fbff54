/** The counter's one-time notices (intake_notices): stored, found by number, listed per project. */
import { and, desc, eq } from 'drizzle-orm';
import type { Database } from './client.js';
import { olderThanCursor, toPage } from './queries.js';
import { intakeNotices } from './schema.js';

export type IntakeNoticeRow = typeof intakeNotices.$inferSelect;

/** Stores a notice given without a case; a retry with the same number stores nothing again. */
export async function insertIntakeNotice(db: Database, row: typeof intakeNotices.$inferInsert): Promise<void> {
  await db.insert(intakeNotices).values(row).onConflictDoNothing();
}

export async function findIntakeNotice(db: Database, number: string): Promise<IntakeNoticeRow | undefined> {
  const [row] = await db.select().from(intakeNotices).where(eq(intakeNotices.number, number));
  return row;
}

/** A project's notices, newest first. */
export async function findIntakeNotices(
  db: Database,
  filter: { projectCode: string; limit: number; cursor?: string | undefined },
): Promise<{ rows: IntakeNoticeRow[]; nextCursor: string | null }> {
  const conditions = [eq(intakeNotices.projectCode, filter.projectCode)];
  if (filter.cursor) conditions.push(olderThanCursor(filter.cursor, intakeNotices.issuedAt, intakeNotices.noticeId));
  const rows = await db
    .select()
    .from(intakeNotices)
    .where(and(...conditions))
    .orderBy(desc(intakeNotices.issuedAt), desc(intakeNotices.noticeId))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => [r.issuedAt.toISOString(), r.noticeId]);
}
