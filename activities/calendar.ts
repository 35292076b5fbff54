/** The calendar publication workflow's activities: what it reads and records in PostgreSQL. */
import type { YearSchedule } from '../domain/calendar.js';
import { findOpenCaseIdsAfter, findPublishedSchedules, recordPublicationProgress } from '../db/calendar.js';
import type { Database } from '../db/client.js';

export function createCalendarActivities({ db }: { db: Database }) {
  return {
    /** Every published year, as the table holds it now. */
    async loadPublishedCalendar(): Promise<YearSchedule[]> {
      return findPublishedSchedules(db);
    },
    /** The next open cases after `after`, in case-ID order. */
    async findOpenCasesAfter(after: string | null, limit: number): Promise<string[]> {
      return findOpenCaseIdsAfter(db, after, limit);
    },
    async recordPublicationProgress(publicationId: string, told: number, done: boolean): Promise<void> {
      await recordPublicationProgress(db, publicationId, told, done);
    },
  };
}
