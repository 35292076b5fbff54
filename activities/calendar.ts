/** The calendar publication workflow's activities: what it reads and records in PostgreSQL, and telling the open cases. */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { YearSchedule } from '../domain/calendar.js';
import { findOpenCaseIdsAfter, findPublishedSchedules, recordPublicationProgress } from '../db/calendar.js';
import type { Database } from '../db/client.js';
import { caseWorkflowId, GRPC_STATUS, grpcCodeOf } from '../temporal.config.js';
import type { CalendarChangeInput } from '../workflows/case-machine.js';
import { calendarChangedSignal } from '../workflows/case-workflow.js';

/** Signals in flight at once while a batch of cases is told. */
const SIGNALS_AT_ONCE = 16;

/** Temporal unreachable, overloaded or slow: the activity fails and is retried. */
const PASSING_STATUSES: ReadonlySet<number> = new Set([
  GRPC_STATUS.DEADLINE_EXCEEDED,
  GRPC_STATUS.RESOURCE_EXHAUSTED,
  GRPC_STATUS.ABORTED,
  GRPC_STATUS.UNAVAILABLE,
]);

export function createCalendarActivities({ db }: { db: Database }) {
  return {
    /** Every published year, as the table holds it now. */
    async loadPublishedCalendar(): Promise<YearSchedule[]> {
      return findPublishedSchedules(db);
    },
    /** The next open cases after `after`, in case-ID order (publications started before `tellOpenCasesAfter` list with it). */
    async findOpenCasesAfter(after: string | null, limit: number): Promise<string[]> {
      return findOpenCaseIdsAfter(db, after, limit);
    },
    /**
     * Tells the next open cases after `after` (up to `limit`, in case-ID order) of the change, by
     * signal from here rather than from the workflow: a signal sent by a workflow comes back to it
     * as an event and a workflow task of its own, one by one, which made a publication's own
     * history the bottleneck. Answers how many it told and the last case's ID.
     *
     * Cases go out in order, SIGNALS_AT_ONCE at a time, and each heartbeat carries the last case
     * told with all before it: a retry resumes after the last heartbeat the server recorded (the
     * SDK sends them at most every 24 s here). Cases told after that are told again by the retry:
     * a second `calendar_applied` event in each, moving nothing. A case closed since it was listed
     * (or never started: its opening reads the new year) is skipped, and so is one whose signal is
     * refused for good (logged); only Temporal being unreachable or overloaded fails the activity.
     */
    async tellOpenCasesAfter(
      after: string | null,
      limit: number,
      change: CalendarChangeInput,
    ): Promise<{ told: number; lastCaseId: string | null }> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as { lastCaseId: string; told: number } | undefined;
      const caseIds = await findOpenCaseIdsAfter(db, resumed?.lastCaseId ?? after, limit - (resumed?.told ?? 0));
      let told = resumed?.told ?? 0;
      let lastCaseId = resumed?.lastCaseId ?? null;
      for (let i = 0; i < caseIds.length; i += SIGNALS_AT_ONCE) {
        const group = caseIds.slice(i, i + SIGNALS_AT_ONCE);
        await Promise.all(
          group.map((caseId) =>
            context.client.workflow
              .getHandle(caseWorkflowId(caseId))
              .signal(calendarChangedSignal, change)
              .catch((error: unknown) => {
                if (error instanceof WorkflowNotFoundError) return;
                // Temporal down or overloaded: fail, and the retry resumes from the heartbeat
                if (PASSING_STATUSES.has(grpcCodeOf(error) ?? -1)) throw error;
                // refused for good (as the workflow's own signals were ignored): never hold the publication up
                context.log.warn('a case could not be told of the calendar', { caseId, error: String(error) });
              }),
          ),
        );
        told += group.length;
        lastCaseId = group[group.length - 1]!;
        context.heartbeat({ lastCaseId, told });
      }
      return { told, lastCaseId };
    },
    async recordPublicationProgress(publicationId: string, told: number, done: boolean): Promise<void> {
      await recordPublicationProgress(db, publicationId, told, done);
    },
  };
}
