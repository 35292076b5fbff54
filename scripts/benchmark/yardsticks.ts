/**
 * What Temporal itself needs, measured on the same server in the same run as the API: a start
 * with its first Update, a start alone, an Update with a no-op handler, with a local-activity
 * write of one row, and with a regular-activity write.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { waitForFirstTasks } from './first-tasks.js';
import { measure, runConcurrently, type Summary } from './measure.js';
import {
  bareWorkflow,
  touchUpdate,
  touchWithActivityWriteUpdate,
  touchWithLocalWriteUpdate,
} from './bare-workflows.js';

export interface Yardsticks {
  startAndFirstUpdate: Summary;
  start: Summary;
  /**
   * Starts per second counted until every started workflow had run its first task, as the API's
   * openSustainedRate counts openings, in the same alternating blocks (write-path.ts; absent in
   * results from before 12-01 20:00, timed after the starts' latencies before 12-02 14:39)
   */
  startSustainedRate?: number;
  /**
   * The alternation's bare starts, with their CPU, and the same behind the API with SPEC §4's key
   * and one row written (bare-api.ts): each Summary's rate is a sustained rate (absent in results
   * from before 12-02 14:39)
   */
  startSustained?: Summary;
  keyedStartSustained?: Summary;
  update: Summary;
  /** timed in blocks alternating with the API's decisions (measureAlternating) */
  updateWithLocalWrite: Summary;
  /**
   * The same Update behind the API's HTTP layer (bare-api.ts), timed in the same alternation
   * (absent in results from before 12-02 08:00)
   */
  updateWithLocalWriteBehindApi?: Summary;
  /**
   * The same behind the API with what SPEC §4 asks of every command: the Idempotency-Key's claim
   * and recorded answer, and the answer read back after the write (bare-api.ts; absent in results
   * from before 12-02 14:18)
   */
  keyedUpdateBehindApi?: Summary;
  updateWithActivityWrite: Summary;
  /** `count` updates with a local-activity write after one start: the bare shape of a full case */
  caseShaped: Summary;
}

export async function measureYardsticks(
  client: Client,
  taskQueue: string,
  options: { n: number; warmUp: number; concurrency: number; updatesPerCase: number; cases: number },
  progress: (label: string) => (done: number) => void,
): Promise<{
  /** what is timed here; the rest of Yardsticks is timed beside the API's own measures (write-path.ts) */
  yardsticks: Pick<Yardsticks, 'startAndFirstUpdate' | 'start' | 'update' | 'updateWithActivityWrite' | 'caseShaped'>;
  updateWithLocalWrite: (index: number) => Promise<unknown>;
  /** starts one bare workflow, answering its ID (for the sustained starts, timed in write-path.ts) */
  bareStart: () => Promise<string>;
  /** workflows of their own, one per lane, for the same Update through bare-api.ts */
  behindApiWorkflowIds: string[];
  /** and for its keyed route */
  keyedWorkflowIds: string[];
}> {
  const { n, warmUp, concurrency } = options;
  // Each measure is warmed up first with `warmUp` untimed operations of its own kind, as the
  // API's are (write-path.ts); the first of them also load the bare worker's bundle.
  const warm = (label: string, work: (i: number) => Promise<unknown>) => runConcurrently(warmUp, concurrency, work, progress(`${label} (warm-up)`));
  const startOne = async () => {
    const workflowId = `bare-${randomUUID()}`;
    return client.workflow.start(bareWorkflow, { workflowId, taskQueue });
  };
  await warm('bare start + first update', async () => (await startOne()).executeUpdate(touchUpdate));
  const startAndFirstUpdate = await measure(n, concurrency, async () => (await startOne()).executeUpdate(touchUpdate), progress('bare start + first update'));
  const started: string[] = [];
  const start = await measure(n, concurrency, async () => started.push((await startOne()).workflowId), progress('bare start'));
  // (untimed: their first tasks must not queue into the measures that follow)
  await waitForFirstTasks(client, started);
  const handles = await Promise.all(Array.from({ length: concurrency }, startOne));
  await Promise.all(handles.map((h) => h.executeUpdate(touchUpdate)));
  await warm('bare update', (i) => handles[i % concurrency]!.executeUpdate(touchUpdate));
  const update = await measure(n, concurrency, (i) => handles[i % concurrency]!.executeUpdate(touchUpdate), progress('bare update'));
  // timed later, in blocks alternating with the API's decisions (write-path.ts)
  const updateWithLocalWrite = (i: number) => handles[i % concurrency]!.executeUpdate(touchWithLocalWriteUpdate);
  // (workflows of their own: one workflow takes at most 2,000 Updates, which --concurrency 1 would reach)
  const behindApi = await Promise.all(Array.from({ length: concurrency }, startOne));
  const keyed = await Promise.all(Array.from({ length: concurrency }, startOne));
  await Promise.all([...behindApi, ...keyed].map((h) => h.executeUpdate(touchUpdate)));
  await warm('bare update + local-activity write', updateWithLocalWrite);
  const updateWithActivityWrite = await measure(
    Math.max(concurrency, Math.floor(n / 4)),
    concurrency,
    (i) => handles[i % concurrency]!.executeUpdate(touchWithActivityWriteUpdate),
    progress('bare update + activity write'),
  );
  const caseShaped = await measure(
    options.cases,
    concurrency,
    async () => {
      const handle = await startOne();
      await handle.executeUpdate(touchWithLocalWriteUpdate);
      for (let i = 1; i < options.updatesPerCase; i += 1) await handle.executeUpdate(touchWithLocalWriteUpdate);
    },
    progress('bare case-shaped run'),
  );
  // (the bare workflows are left waiting: finishing them now would load the server while the API is measured)
  return {
    yardsticks: { startAndFirstUpdate, start, update, updateWithActivityWrite, caseShaped },
    updateWithLocalWrite,
    bareStart: async () => (await startOne()).workflowId,
    behindApiWorkflowIds: behindApi.map((handle) => handle.workflowId),
    keyedWorkflowIds: keyed.map((handle) => handle.workflowId),
  };
}
