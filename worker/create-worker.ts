import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createCalendarActivities } from '../activities/calendar.js';
import { createReadModelActivities } from '../activities/read-model.js';
import type { WorkerSettings } from '../config.js';
import type { Database } from '../db/client.js';
import { stackTraceModules } from './stack-traces.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Modules evaluated once and shared by every workflow in the worker's reusable V8 context,
 * instead of once per workflow (the SDK gives each workflow its own module instances, and
 * freezes the shared ones). Only pure code belongs here: the domain rules, whose module-level
 * memos are keyed by their inputs, so sharing them cannot carry one case's state into another.
 * Saves each cached workflow their instances (memory) and each new or replayed workflow their
 * evaluation (CPU).
 */
export const PRELOADED_WORKFLOW_MODULES = ['lunar-dates', 'calendar', 'catalog', 'materials', 'budget', 'supervision', 'light', 'text', 'case-types'].map(
  (name) => fileURLToPath(new URL(`../domain/${name}.ts`, import.meta.url)),
);

const bundles = new Map<boolean, Promise<WorkflowBundle>>();

/** The workflow bundle, built once per process and setting (bundling takes seconds). */
export function getWorkflowBundle({ stackTraces = false }: { stackTraces?: boolean } = {}): Promise<WorkflowBundle> {
  let bundle = bundles.get(stackTraces);
  if (!bundle) {
    const preloadModules = [...stackTraceModules(stackTraces), ...PRELOADED_WORKFLOW_MODULES];
    // the bundler reports every module it packs at INFO: keep only what needs attention
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN'), preloadModules });
    bundles.set(stackTraces, bundle);
  }
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
    workflowBundle: await getWorkflowBundle({ stackTraces: deps.settings?.workflowStackTraces ?? false }),
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
