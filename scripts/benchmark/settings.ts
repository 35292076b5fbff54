/** The settings that matter to the figures, set for the benchmark's stack and printed with them. */
import { loadWorkerSettings, type WorkerSettings } from '../../config.js';

/** The worker settings under test: the environment's, or the defaults. */
export function benchWorkerSettings(): WorkerSettings {
  return { ...loadWorkerSettings(), metricsPort: 0 };
}

export function workerSettingsEnv(metricsPort = 0): NodeJS.ProcessEnv {
  const settings = benchWorkerSettings();
  return {
    WORKER_MAX_CACHED_WORKFLOWS: String(settings.maxCachedWorkflows),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: String(settings.maxConcurrentWorkflowTaskExecutions),
    WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: String(settings.maxConcurrentLocalActivityExecutions),
    WORKER_MAX_CONCURRENT_ACTIVITIES: String(settings.maxConcurrentActivityTaskExecutions),
    WORKER_METRICS_PORT: String(metricsPort),
    WORKER_WORKFLOW_STACK_TRACES: settings.workflowStackTraces ? 'on' : 'off',
    DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '10',
  };
}

export interface BenchSettings {
  concurrency: number;
  worker: WorkerSettings;
  databasePoolSizePerProcess: number;
  /** cases whose rows each API process keeps between list reads (API_CASE_CACHE_SIZE) */
  apiCaseCacheSize?: number;
  database: string;
  temporal: string;
  /** untimed operations of each kind run before each timed ratio measure, on both sides */
  warmUp?: number;
  /** decisions, the bare Update with a local-activity write (and, from 12-02 08:00, the same behind the API): timed in this many alternating blocks each (absent: one after the other) */
  pairedBlocks?: number;
}

export function describeSettings(options: { concurrency: number; databaseUrl: string; embedded: boolean }): BenchSettings {
  return {
    concurrency: options.concurrency,
    worker: benchWorkerSettings(),
    databasePoolSizePerProcess: Number(process.env.DATABASE_POOL_SIZE ?? '10'),
    apiCaseCacheSize: Number(process.env.API_CASE_CACHE_SIZE ?? '2000'),
    database: options.embedded ? 'embedded PostgreSQL 18 (durable: fsync on, synchronous commit)' : new URL(options.databaseUrl).host,
    temporal: 'Temporal CLI dev server 1.5.1 (SQLite file)',
  };
}
