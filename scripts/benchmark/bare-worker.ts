/**
 * The worker of the bare yardstick, a process of its own like the case worker: it runs
 * bareWorkflow on its own task queue against the benchmark's Temporal and PostgreSQL.
 * Its sandbox records stack frames as the case worker's does (WORKER_WORKFLOW_STACK_TRACES).
 * Usage: bare-worker.ts <temporalAddress> <taskQueue> <databaseUrl>
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { loadWorkerSettings } from '../../config.js';
import { stackTraceModules } from '../../worker/stack-traces.js';
import { createBareActivities } from './bare-activities.js';

const [address, taskQueue, databaseUrl] = process.argv.slice(2);
if (!address || !taskQueue || !databaseUrl) throw new Error('usage: bare-worker.ts <temporalAddress> <taskQueue> <databaseUrl>');
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
await sql`create table if not exists bench_rows (id text primary key, count int not null, at timestamptz not null default now())`;
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./bare-workflows.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
    // the case worker's sandbox setting, so that both sides pay for stack traces alike
    preloadModules: stackTraceModules(loadWorkerSettings().workflowStackTraces),
  }),
  activities: createBareActivities(sql),
});
console.log('bare worker ready');
await worker.run();
await connection.close();
await sql.end();
