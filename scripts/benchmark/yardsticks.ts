/**
 * What Temporal itself needs, measured on the same server in the same run as the API: a start
 * with its first Update, a start alone, an Update with a no-op handler, with a local-activity
 * write of one row, and with a regular-activity write.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { waitForFirstTasks } from './first-tasks.js';
import { measure, round, runConcurrently, type Summary } from './measure.js';
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
   * openSustainedRate counts openings (absent in results from before 12-01 20:00)
   */
  startSustainedRate?: number;
  update: Summary;
  /** timed in blocks alternating with the API's decisions (measureAlternating) */
  updateWithLocalWrite: Summary;
  /**
   * The same Update behind the API's HTTP layer (bare-api.ts), timed in the same alternation
   * (absent in results from before 12-02 08:00)
   */
  updateWithLocalWriteBehindApi?: Summary;
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
  yardsticks: Omit<Yardsticks, 'updateWithLocalWrite' | 'updateWithLocalWriteBehindApi'>;
  updateWithLocalWrite: (index: number) => Promise<unknown>;
  /** workflows of their own, one per lane, for the same Update through bare-api.ts */
  behindApiWorkflowIds: string[];
}> {
  const { n, warmUp, concurrency } = options;
  // Each measure is warmed up first with `warmUp` untimed operations of its own kind, as the
  // API's are (write-path.ts); the first of them also load the bare worker's bundle.
  const warm = (label: string, work: (i: number) => Promise<unknown>) => runConcurrently(warmUp, concurrency, work, progress(`${label} (warm-up)`));
  const started: string[] = [];
  const startOne = async () => {
    const workflowId = `bare-${randomUUID()}`;
    started.push(workflowId);
    return client.workflow.start(bareWorkflow, { workflowId, taskQueue });
  };
  await warm('bare start + first update', async () => (await startOne()).executeUpdate(touchUpdate));
  const startAndFirstUpdate = await measure(n, concurrency, async () => (await startOne()).executeUpdate(touchUpdate), progress('bare start + first update'));
  const startsBefore = started.length;
  const startsBegan = performance.now();
  const start = await measure(n, concurrency, startOne, progress('bare start'));
  await waitForFirstTasks(client, started.slice(startsBefore));
  const startSustainedRate = round(n / ((performance.now() - startsBegan) / 1000));
  const handles = await Promise.all(Array.from({ length: concurrency }, startOne));
  await Promise.all(handles.map((h) => h.executeUpdate(touchUpdate)));
  await warm('bare update', (i) => handles[i % concurrency]!.executeUpdate(touchUpdate));
  const update = await measure(n, concurrency, (i) => handles[i % concurrency]!.executeUpdate(touchUpdate), progress('bare update'));
  // timed later, in blocks alternating with the API's decisions (write-path.ts)
  const updateWithLocalWrite = (i: number) => handles[i % concurrency]!.executeUpdate(touchWithLocalWriteUpdate);
  // (workflows of their own: one workflow takes at most 2,000 Updates, which --concurrency 1 would reach)
  const behindApi = await Promise.all(Array.from({ length: concurrency }, startOne));
  await Promise.all(behindApi.map((h) => h.executeUpdate(touchUpdate)));
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
    yardsticks: { startAndFirstUpdate, start, startSustainedRate, update, updateWithActivityWrite, caseShaped },
    updateWithLocalWrite,
    behindApiWorkflowIds: behindApi.map((handle) => handle.workflowId),
  };
}
