/**
 * ./scripts/bench: measures the system against Temporal itself, on a stack of its own (the
 * Temporal dev server, embedded PostgreSQL with durable commits, the worker and the API as
 * processes), and prints figures and ratios; it asserts nothing. Results also go to
 * bench-results/<time>.json.
 *
 *   ./scripts/bench --quick                 the ratios, in a few minutes
 *   ./scripts/bench                         the ratios with more samples, and 1,000 live cases
 *   ./scripts/bench --scale 10000           read routes and worker memory with 10,000 live cases
 *   ./scripts/bench --seed-read-model 100000  read routes on 100,000 cases written into PostgreSQL
 *   --concurrency 8 (default)
 */
import { Client, Connection } from '@temporalio/client';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadLocalStackConfig } from '../config.js';
import { createApiClient } from './benchmark/api-client.js';
import { createCpuMeter } from './benchmark/cpu.js';
import { cpuMeter } from './benchmark/measure.js';
import { describeSettings, workerSettingsEnv } from './benchmark/settings.js';
import { printReport, type BenchReport } from './benchmark/report.js';
import { measureScale, measureSeededReadModel } from './benchmark/scale.js';
import { measureWritePath } from './benchmark/write-path.js';
import { measureYardsticks } from './benchmark/yardsticks.js';
import { findFreePort, nodeArgs, startChild, stopChild, waitFor } from './lib/processes.js';
import { startLocalStack } from './lib/local-stack.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    'seed-read-model': { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'skip-ratios': { type: 'boolean', default: false },
  },
});
const concurrency = Number(args.concurrency);
const quick = args.quick ?? false;
const scale = args.scale !== undefined ? Number(args.scale) : quick ? 0 : 1000;
const seeded = args['seed-read-model'] !== undefined ? Number(args['seed-read-model']) : 0;
if (![concurrency, scale, seeded].every((n) => Number.isInteger(n) && n >= 0) || concurrency < 1) {
  console.error('usage: ./scripts/bench [--quick] [--scale K] [--seed-read-model N] [--concurrency C] [--skip-ratios]');
  process.exit(2);
}

let lastLine = '';
function progress(label: string): (done: number) => void {
  return (done) => {
    const line = `  ${label}: ${done}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else if (done % 100 === 0) process.stderr.write(`${line}\n`);
    lastLine = line;
  };
}
function phase(message: string): void {
  if (process.stderr.isTTY && lastLine) process.stderr.write('\n');
  lastLine = '';
  process.stderr.write(`[bench] ${message}\n`);
}

const local = loadLocalStackConfig();
const dataDir = mkdtempSync(path.join(tmpdir(), 'approval-bench-'));
const ports = { api: await findFreePort(), temporal: await findFreePort(), postgres: await findFreePort(), workerMetrics: await findFreePort() };
phase(`starting a stack of its own in ${dataDir}`);
const stack = await startLocalStack({
  dataDir,
  apiPort: ports.api,
  temporalPort: ports.temporal,
  postgresPort: ports.postgres,
  temporalCli: local.temporalCli,
  env: {
    ...workerSettingsEnv(ports.workerMetrics),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
  },
  // BENCH_PROFILE=<dir>: the worker and the API write CPU profiles there when they stop
  nodeFlags: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [],
  quiet: true,
  onExit: (child, code) => {
    console.error(`${child.name} exited (${code}) during the benchmark\n${child.recentErrors()}`);
    process.exit(1);
  },
});
const bareQueue = 'bench-bare';
const bareWorker = startChild('bare-worker', process.execPath, [...nodeArgs('scripts/benchmark/bare-worker.ts'), stack.temporalAddress, bareQueue, stack.databaseUrl], { quiet: true });
const connection = await Connection.connect({ address: stack.temporalAddress });
cpuMeter.current = createCpuMeter({
  api: stack.api.process.pid,
  worker: stack.worker.process.pid,
  temporal: stack.children.find((c) => c.name === 'temporal')?.process.pid,
  postgres: stack.children.find((c) => c.name === 'postgres')?.process.pid,
  bareWorker: bareWorker.process.pid,
  bench: process.pid,
});
const client = new Client({ connection });

const report: BenchReport = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  settings: describeSettings({ concurrency, databaseUrl: stack.databaseUrl, embedded: true }),
};

let failed = false;
try {
  await waitFor('the bare worker', async () => (await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: bareQueue },
    taskQueueType: 1,
  })).pollers.length > 0, 60_000);

  if (!args['skip-ratios']) {
    const n = quick ? 200 : 600;
    phase(`yardsticks: bare Temporal, ${n} operations each at concurrency ${concurrency}`);
    report.yardsticks = await measureYardsticks(client, bareQueue, { n, concurrency, updatesPerCase: 21, cases: quick ? 16 : 40 }, progress);
    phase(`the API's write path: ${n} openings and decisions, whole gov-building cases`);
    const api = await createApiClient(stack.apiUrl, stack.secret, ['drc', 'nrp', 'housing', 'eco', 'cad', 'water', 'heritage', 'archives']);
    const database = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      report.writePath = await measureWritePath(
        api,
        {
          n,
          concurrency,
          fullCases: quick ? 16 : 40,
          workflowsYetToRun: async () => Number((await database`select count(*)::int as n from cases where not workflow_ran`)[0]?.n ?? 0),
        },
        progress,
      );
    } finally {
      await database.end();
    }
  }
  if (scale > 0) {
    phase(`${scale} live cases with timers, then the read routes`);
    report.scale = await measureScale(
      stack,
      client,
      {
        cases: scale,
        concurrency,
        workerMetricsUrl: `http://127.0.0.1:${ports.workerMetrics}/metrics`,
        cacheLimit: report.settings.worker.maxCachedWorkflows,
      },
      progress,
      phase,
    );
  }
  if (seeded > 0) {
    phase(`${seeded} cases written straight into PostgreSQL, then the read routes`);
    report.seededReadModel = await measureSeededReadModel(stack, { cases: seeded }, progress, phase);
  }
} catch (error) {
  failed = true;
  throw error;
} finally {
  if (process.stderr.isTTY && lastLine) process.stderr.write('\n');
  await connection.close();
  await stopChild(bareWorker);
  await stack.stop();
  // a failed run keeps its data for a look (the embedded cluster restarts from it)
  if (failed) console.error(`the benchmark failed; its data is in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}

report.finishedAt = new Date().toISOString();
printReport(report);
const resultsDir = path.resolve('bench-results');
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
