/** The counter's one-time notices (intake_notices): stored, found by number, listed per project. */
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { Database } from './client.js';
import { decodeCursor, encodeCursor } from './queries.js';
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
  if (filter.cursor) {
    const [time, id] = decodeCursor(filter.cursor, 2) as [string, string];
    const at = new Date(time);
    if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { field: 'cursor' });
    conditions.push(or(lt(intakeNotices.issuedAt, at), and(eq(intakeNotices.issuedAt, at), lt(intakeNotices.noticeId, id)))!);
  }
  const rows = await db
    .select()
    .from(intakeNotices)
    .where(and(...conditions))
    .orderBy(desc(intakeNotices.issuedAt), desc(intakeNotices.noticeId))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor([last.issuedAt.toISOString(), last.noticeId]) : null };
}
