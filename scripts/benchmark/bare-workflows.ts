/**
 * Temporal at its barest, for the benchmark's yardsticks: a workflow that does nothing but take
 * Updates, with a no-op handler, a handler that writes one row through a local activity, and one
 * that writes it through a regular activity. What our API is measured against, on the same
 * server in the same run.
 */
import { condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createBareActivities } from './bare-activities.js';

type Activities = ReturnType<typeof createBareActivities>;
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
const regular = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export const touchUpdate = defineUpdate<number, []>('touch');
export const touchWithLocalWriteUpdate = defineUpdate<number, []>('touchWithLocalWrite');
export const touchWithActivityWriteUpdate = defineUpdate<number, []>('touchWithActivityWrite');
export const finishSignal = defineSignal('finish');

export async function bareWorkflow(): Promise<void> {
  let count = 0;
  let finished = false;
  const id = workflowInfo().workflowId;
  setHandler(touchUpdate, () => ++count);
  setHandler(touchWithLocalWriteUpdate, async () => {
    count += 1;
    await local.writeRow(id, count);
    return count;
  });
  setHandler(touchWithActivityWriteUpdate, async () => {
    count += 1;
    await regular.writeRow(id, count);
    return count;
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
}
