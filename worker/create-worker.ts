import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createCalendarActivities } from '../activities/calendar.js';
import { createReadModelActivities } from '../activities/read-model.js';
import type { WorkerSettings } from '../config.js';
import type { Database } from '../db/client.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundle> | undefined;

/** The workflow bundle is built once per process (bundling takes seconds). */
export function getWorkflowBundle(): Promise<WorkflowBundle> {
  // the bundler reports every module it packs at INFO: keep only what needs attention
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

export interface WorkerDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  timeZone: string;
  settings?: WorkerSettings;
}

export async function createCaseWorker(deps: WorkerDependencies): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowBundle: await getWorkflowBundle(),
    activities: {
      ...createReadModelActivities({ db: deps.db, timeZone: deps.timeZone }),
      ...createCalendarActivities({ db: deps.db }),
    },
    ...(deps.settings
      ? {
          maxCachedWorkflows: deps.settings.maxCachedWorkflows,
          maxConcurrentWorkflowTaskExecutions: deps.settings.maxConcurrentWorkflowTaskExecutions,
          maxConcurrentLocalActivityExecutions: deps.settings.maxConcurrentLocalActivityExecutions,
          maxConcurrentActivityTaskExecutions: deps.settings.maxConcurrentActivityTaskExecutions,
        }
      : {}),
  });
}
