/**
 * Whether started workflows have run. A start is answered before the workflow's first task, and
 * the API answers an opening before it too (it writes the opening itself, api/opening.ts), so
 * neither answer says the work is done; Temporal's history does. A workflow has run once its
 * history holds a workflow task and none is pending.
 */
import type { Client } from '@temporalio/client';
import { runConcurrently } from './measure.js';

/** Waits until every workflow has run its first workflow task (checked `concurrency` at a time). */
export async function waitForFirstTasks(client: Client, workflowIds: string[], options: { concurrency?: number; timeoutMs?: number } = {}): Promise<void> {
  const { concurrency = 8, timeoutMs = 3_600_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let waiting = [...workflowIds];
  while (waiting.length > 0) {
    const stillWaiting: string[] = [];
    await runConcurrently(waiting.length, concurrency, async (i) => {
      const { historyLength, raw } = await client.workflow.getHandle(waiting[i]!).describe();
      // started, task scheduled, task started, task completed: at least four events
      if (historyLength < 4 || raw.pendingWorkflowTask) stillWaiting.push(waiting[i]!);
    });
    waiting = stillWaiting;
    if (waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${waiting.length} workflows had not run their first task within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
