/**
 * Carrying a published calendar year to the open cases (SPEC §4 calendar rows): the PUT stores
 * the year and starts this workflow, which tells every open case in batches (an activity signals
 * them) and records its progress. Durable: a crash resumes it where it was; its workflow ID is the
 * publication's, so a repeated PUT never starts a second run. Runs in the workflow sandbox.
 *
 * Every open case is told, not only those with a running clock: a case waiting for its next
 * stage's application counts that stage's days with the calendar it holds.
 */
import { continueAsNew, getExternalWorkflowHandle, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createCalendarActivities } from '../activities/calendar.js';
import type { Actor } from '../domain/case-types.js';
import { caseWorkflowId, calendarActivityOptions, calendarTellingOptions } from '../temporal.config.js';
import { calendarChangedSignal } from './case-workflow.js';

type CalendarActivities = ReturnType<typeof createCalendarActivities>;
const { loadPublishedCalendar, findOpenCasesAfter, recordPublicationProgress } = proxyActivities<CalendarActivities>(calendarActivityOptions);
const { tellOpenCasesAfter } = proxyActivities<CalendarActivities>(calendarTellingOptions);

/**
 * From 12-02: the cases are told by an activity, not by signals from this workflow (each of which
 * came back as a workflow task of its own: 600 cases took 44 s, 476 of this workflow's tasks).
 * Publications started before replay as they ran.
 */
const TOLD_BY_ACTIVITY = 'calendar-told-by-activity';

export interface CalendarPublicationInput {
  publicationId: string;
  year: number;
  version: number;
  actor: Actor;
}

export interface CalendarPublicationProgress {
  afterCaseId: string | null;
  told: number;
}

/** Cases told per batch; the progress is recorded after each. */
const BATCH = 200;
/**
 * Batches per run before continuing as new (a batch adds six events to the history; on the path
 * before TOLD_BY_ACTIVITY each signal added two more).
 */
const BATCHES_PER_RUN = 10;

export async function calendarPublicationWorkflow(
  input: CalendarPublicationInput,
  progress: CalendarPublicationProgress = { afterCaseId: null, told: 0 },
): Promise<CalendarPublicationProgress> {
  // every published year, as the table holds it now: a case keeps the higher version of each
  const calendar = await loadPublishedCalendar();
  const change = { calendar, year: input.year, actor: input.actor };
  let { afterCaseId, told } = progress;
  for (let batch = 0; ; batch += 1) {
    let count: number;
    if (patched(TOLD_BY_ACTIVITY)) {
      const result = await tellOpenCasesAfter(afterCaseId, BATCH, change);
      count = result.told;
      afterCaseId = result.lastCaseId ?? afterCaseId;
    } else {
      // as publications started before TOLD_BY_ACTIVITY did it, and replay it
      const caseIds = await findOpenCasesAfter(afterCaseId, BATCH);
      if (caseIds.length === 0) break;
      await Promise.all(
        caseIds.map((caseId) =>
          getExternalWorkflowHandle(caseWorkflowId(caseId))
            .signal(calendarChangedSignal, change)
            // closed since it was listed (or never started: its opening will read the new year)
            .catch(() => undefined),
        ),
      );
      count = caseIds.length;
      afterCaseId = caseIds[caseIds.length - 1] ?? afterCaseId;
    }
    if (count === 0) break;
    told += count;
    await recordPublicationProgress(input.publicationId, told, false);
    if (batch + 1 >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof calendarPublicationWorkflow>(input, { afterCaseId, told });
    }
  }
  await recordPublicationProgress(input.publicationId, told, true);
  return { afterCaseId, told };
}
