/**
 * Whether started workflows have run. A start is answered before the workflow's first task, and
 * the API answers an opening before it too (it writes the opening itself, api/opening.ts), so
 * neither answer says the work is done; Temporal's history does. A workflow has run once its
 * history holds a workflow task and none is pending.
 */
import type { Client } from '@temporalio/client';
import { runConcurrently } from './measure.js';

/**
 * Waits until every workflow has run its first workflow task. Asking Temporal costs it CPU (a
 * describe each), on the machine being measured, so it asks little while the tasks are still
 * queued: only about the last workflow of the list (a task queue hands out first tasks about in
 * the order the workflows started) until that one has run, then about all the rest,
 * `concurrency` at a time, and again about those still waiting.
 */
export async function waitForFirstTasks(client: Client, workflowIds: string[], options: { concurrency?: number; timeoutMs?: number } = {}): Promise<void> {
  const { concurrency = 8, timeoutMs = 3_600_000 } = options;
  const deadline = Date.now() + timeoutMs;
  const hasRun = async (workflowId: string) => {
    const { historyLength, raw } = await client.workflow.getHandle(workflowId).describe();
    // started, task scheduled, task started, task completed: at least four events
    return historyLength >= 4 && !raw.pendingWorkflowTask;
  };
  let waiting = [...workflowIds];
  while (waiting.length > 0) {
    if (await hasRun(waiting.at(-1)!)) {
      const rest = waiting.slice(0, -1);
      const ran = new Array<boolean>(rest.length);
      await runConcurrently(rest.length, concurrency, async (i) => {
        ran[i] = await hasRun(rest[i]!);
      });
      // (in the order they started, so the last is still the one to ask about)
      waiting = rest.filter((_, i) => !ran[i]);
      if (waiting.length === 0) return;
    }
    if (Date.now() > deadline) throw new Error(`${waiting.length} workflows had not run their first task within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
