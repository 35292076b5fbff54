/**
 * Carrying a published calendar year to the open cases (SPEC §4 calendar rows): the PUT stores
 * the year and starts this workflow, which tells every open case in batches, by signal, and
 * records its progress. Durable: a crash resumes it where it was; its workflow ID is the
 * publication's, so a repeated PUT never starts a second run. Runs in the workflow sandbox.
 *
 * Every open case is told, not only those with a running clock: a case waiting for its next
 * stage's application counts that stage's days with the calendar it holds.
 */
import { continueAsNew, getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createCalendarActivities } from '../activities/calendar.js';
import type { Actor } from '../domain/case-types.js';
import { caseWorkflowId, calendarActivityOptions } from '../temporal.config.js';
import { calendarChangedSignal } from './case-workflow.js';

const { loadPublishedCalendar, findOpenCasesAfter, recordPublicationProgress } =
  proxyActivities<ReturnType<typeof createCalendarActivities>>(calendarActivityOptions);

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

/** Cases told at once: the signals of a batch go out in one workflow task. */
const BATCH = 200;
/** Batches per run before continuing as new (a signal adds two events to the history). */
const BATCHES_PER_RUN = 10;

export async function calendarPublicationWorkflow(
  input: CalendarPublicationInput,
  progress: CalendarPublicationProgress = { afterCaseId: null, told: 0 },
): Promise<CalendarPublicationProgress> {
  // every published year, as the table holds it now: a case keeps the higher version of each
  const calendar = await loadPublishedCalendar();
  let { afterCaseId, told } = progress;
  for (let batch = 0; ; batch += 1) {
    const caseIds = await findOpenCasesAfter(afterCaseId, BATCH);
    if (caseIds.length === 0) break;
    await Promise.all(
      caseIds.map((caseId) =>
        getExternalWorkflowHandle(caseWorkflowId(caseId))
          .signal(calendarChangedSignal, { calendar, year: input.year, actor: input.actor })
          // closed since it was listed (or never started: its opening will read the new year)
          .catch(() => undefined),
      ),
    );
    told += caseIds.length;
    afterCaseId = caseIds[caseIds.length - 1] ?? afterCaseId;
    await recordPublicationProgress(input.publicationId, told, false);
    if (batch + 1 >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof calendarPublicationWorkflow>(input, { afterCaseId, told });
    }
  }
  await recordPublicationProgress(input.publicationId, told, true);
  return { afterCaseId, told };
}
