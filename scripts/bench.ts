/**
 * ./scripts/bench: measures the system against Temporal itself and prints figures and ratios; it
 * asserts nothing. Results also go to bench-results/<time>.json.
 *
 * The dev-server topology runs on a stack of its own (the Temporal dev server, embedded
 * PostgreSQL with durable commits, the worker and the API as processes). With --cluster the same
 * measures run on ./scripts/cluster's topology too (four Temporal services on PostgreSQL, two
 * workers, two APIs behind a round-robin client; started when it is not running, left running)
 * and both are printed side by side, with K live cases on the cluster.
 *
 *   ./scripts/bench --quick                 the ratios, in a few minutes
 *   ./scripts/bench                         the ratios with more samples, and 1,000 live cases
 *   ./scripts/bench --scale 10000           read routes and worker memory with 10,000 live cases
 *   ./scripts/bench --seed-read-model 100000  read routes on 100,000 cases written into PostgreSQL
 *   ./scripts/bench --cluster [--cluster-cases 100000]   both topologies side by side
 *   ./scripts/bench --cluster --dev-from bench-results/<file>.json   the dev-server side from an earlier run's results
 *   --concurrency 8 (default); --scale-concurrency 16 (default: twice --concurrency) opens the live cases
 */
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadLocalStackConfig } from '../config.js';
import { embeddedDatabaseUrl, removeDataDirectory } from '../db/embedded-postgres.js';
import { waitForFirstTasks } from './benchmark/first-tasks.js';
import { BENCH_DEPARTMENTS, benchCaseBody, createApiClient, createBalancedApiClient, type ApiClient } from './benchmark/api-client.js';
import { createCpuMeter } from './benchmark/cpu.js';
import { cpuMeter } from './benchmark/measure.js';
import { printReport, printSideBySide, type BenchReport } from './benchmark/report.js';
import { measureScale, measureSeededReadModel, type ScaleTarget } from './benchmark/scale.js';
import { describeSettings, workerSettingsEnv } from './benchmark/settings.js';
import { measureWritePath } from './benchmark/write-path.js';
import { measureYardsticks } from './benchmark/yardsticks.js';
import { clusterLayout, readClusterState } from './lib/cluster.js';
import { openClusterTopology } from './lib/drills/topology.js';
import { startLocalStack } from './lib/local-stack.js';
import { alive, findFreePort, isApiReady, nodeArgs, onFreePorts, startChild, stopChild, waitFor, type Child } from './lib/processes.js';

const USAGE =
  'usage: ./scripts/bench [--quick] [--scale K] [--seed-read-model N] [--concurrency C] [--scale-concurrency C] [--skip-ratios] [--cluster [--cluster-cases K] [--dev-from RESULTS.json]]';
const HELP = `  --quick                   the ratios with fewer samples (one to four minutes), no live cases unless --scale
  --scale K                 K live cases (default 1,000; 0 with --quick), then the read routes, worker memory and a calendar publication
  --seed-read-model N       the read routes on N cases written straight into PostgreSQL
  --concurrency C           requests in flight for the ratios (default 8)
  --scale-concurrency C     requests in flight while opening the live cases (default twice --concurrency)
  --skip-ratios             only the live or seeded cases
  --cluster                 ./scripts/cluster's topology too, side by side (--cluster-cases K, default 100,000;
                            --dev-from RESULTS.json takes the dev-server side from an earlier run)
Prints a table and writes bench-results/<time>.json; asserts nothing.`;
const { values: args } = parseBenchArgs();
function parseBenchArgs() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        quick: { type: 'boolean', default: false },
        scale: { type: 'string' },
        'seed-read-model': { type: 'string' },
        concurrency: { type: 'string', default: '8' },
        'scale-concurrency': { type: 'string' },
        'skip-ratios': { type: 'boolean', default: false },
        cluster: { type: 'boolean', default: false },
        'cluster-cases': { type: 'string', default: '100000' },
        'dev-from': { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
if (args.help) {
  console.log(`${USAGE}\n\n${HELP}`);
  process.exit(0);
}
const concurrency = Number(args.concurrency);
const scaleConcurrency = args['scale-concurrency'] !== undefined ? Number(args['scale-concurrency']) : concurrency * 2;
const quick = args.quick ?? false;
const scale = args.scale !== undefined ? Number(args.scale) : quick ? 0 : 1000;
const seeded = args['seed-read-model'] !== undefined ? Number(args['seed-read-model']) : 0;
const clusterCases = Number(args['cluster-cases']);
/** decisions, the bare Update they are held to and the same behind the API (with and without SPEC §4's key and answer): timed in this many blocks each, alternating */
const PAIRED_BLOCKS = 4;
if (![concurrency, scaleConcurrency, scale, seeded, clusterCases].every((n) => Number.isInteger(n) && n >= 0) || concurrency < 1 || scaleConcurrency < 1) {
  console.error(USAGE);
  process.exit(2);
}

let lastLine = '';
function progress(label: string): (done: number) => void {
  return (done) => {
    const line = `  ${label}: ${done}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else if (done % (done >= 10_000 ? 5_000 : 100) === 0) process.stderr.write(`${line}\n`);
    lastLine = line;
  };
}
const began = Date.now();
function phase(message: string): void {
  if (process.stderr.isTTY && lastLine) process.stderr.write('\n');
  lastLine = '';
  process.stderr.write(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(5)} s] ${message}\n`);
}

/** What a Ctrl-C must stop before the process exits (the dev-server stack's children, the bare worker and API). */
const cleanups = new Set<() => Promise<void>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    phase(`${signal}: stopping what the benchmark started`);
    void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
  });
}

const local = loadLocalStackConfig();
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const BARE_QUEUE = 'bench-bare';

/** What both topologies measure once their processes run: yardsticks, the write path, live cases. */
interface Topology {
  temporalAddress: string;
  databaseUrl: string;
  /** where the bare worker keeps its rows (never our read model) */
  bareDatabaseUrl: string;
  api: ApiClient;
  /** the APIs' token secret, for the bare API (scripts/benchmark/bare-api.ts) */
  secret: string;
  scaleTarget: Omit<ScaleTarget, 'api'>;
  liveCases: number;
  /** the processes whose CPU each measure reports, by name */
  cpuProcesses: Record<string, number | undefined>;
}

/** The bare Update behind the API's own HTTP layer (scripts/benchmark/bare-api.ts): a process of its own, as the API is. */
async function startBareApi(topology: Topology, started: Child[]): Promise<{ api: ApiClient; pid: number | undefined }> {
  const url = `http://127.0.0.1:${await findFreePort()}`;
  const child = startChild('bare-api', process.execPath, nodeArgs('scripts/benchmark/bare-api.ts'), {
    quiet: true,
    env: {
      ...process.env,
      DATABASE_URL: topology.databaseUrl,
      BARE_DATABASE_URL: topology.bareDatabaseUrl,
      BARE_TASK_QUEUE: BARE_QUEUE,
      DATABASE_POOL_SIZE: workerSettingsEnv().DATABASE_POOL_SIZE,
      TEMPORAL_ADDRESS: topology.temporalAddress,
      AUTH_JWT_SECRET: topology.secret,
      HOST: '127.0.0.1',
      PORT: new URL(url).port,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
  });
  started.push(child);
  await waitFor('the bare API', async () => {
    if (!alive(child)) throw new Error(`the bare API exited while starting\n${child.recentErrors()}`);
    return isApiReady(url);
  }, 60_000);
  return { api: await createApiClient(url, topology.secret, BENCH_DEPARTMENTS), pid: child.process.pid };
}

/**
 * One of bare-api.ts's decision routes, on workflows of its own (as many as the lanes; request i
 * goes to workflow i mod their number, so a slow lane can briefly share one), each request with a
 * new Idempotency-Key.
 */
function decisionBehindApi(api: ApiClient, route: 'decision' | 'keyed-decision', workflowIds: string[]): (i: number) => Promise<unknown> {
  return (i) =>
    api.call('POST', `/bench/workflows/${workflowIds[i % workflowIds.length]}/${route}`, api.tokens.reviewer('drc'), { decision: 'approve', opinion: '同意' }, randomUUID());
}

async function measureTopology(topology: Topology, report: BenchReport): Promise<void> {
  const bare: Child[] = [];
  const stopBareProcesses = () => Promise.all(bare.map((child) => stopChild(child))).then(() => undefined);
  cleanups.add(stopBareProcesses);
  const connection = await Connection.connect({ address: topology.temporalAddress });
  const client = new Client({ connection });
  try {
    const bareWorker = startChild('bare-worker', process.execPath, [...nodeArgs('scripts/benchmark/bare-worker.ts'), topology.temporalAddress, BARE_QUEUE, topology.bareDatabaseUrl], {
      quiet: true,
    });
    bare.push(bareWorker);
    await waitFor(
      'the bare worker',
      async () => (await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: BARE_QUEUE }, taskQueueType: 1 })).pollers.length > 0,
      60_000,
    );
    // (the ratios only: the read routes are held to fixed targets)
    const bareApi = args['skip-ratios'] ? null : await startBareApi(topology, bare);
    cpuMeter.current = createCpuMeter(
      { ...topology.cpuProcesses, bareWorker: bareWorker.process.pid, ...(bareApi ? { bareApi: bareApi.pid } : {}) },
      { bench: process.pid },
    );
    if (bareApi) {
      const n = quick ? 200 : 600;
      const warmUp = n / 2;
      report.settings.warmUp = warmUp;
      phase(`yardsticks: bare Temporal, ${n} operations each at concurrency ${concurrency} (after ${warmUp} untimed of each)`);
      const yardsticks = await measureYardsticks(client, BARE_QUEUE, { n, warmUp, concurrency, updatesPerCase: 21, cases: quick ? 16 : 40 }, progress);
      phase(`the API's write path: ${n} openings and decisions (after ${warmUp} untimed of each), whole gov-building cases`);
      const { writePath, bareDecision, bareDecisionBehindApi, keyedDecisionBehindApi, bareStartSustained, keyedStartSustained } =
        await measureWritePath(
        topology.api,
        {
          n,
          warmUp,
          concurrency,
          fullCases: quick ? 16 : 40,
          workflowsRun: (workflowIds) => waitForFirstTasks(client, workflowIds),
          bareStart: yardsticks.bareStart,
          keyedStartBehindApi: async () =>
            (await bareApi.api.call<{ workflowId: string }>('POST', '/bench/workflows', bareApi.api.tokens.window, benchCaseBody(), randomUUID())).workflowId,
          bareDecision: yardsticks.updateWithLocalWrite,
          bareDecisionBehindApi: decisionBehindApi(bareApi.api, 'decision', yardsticks.behindApiWorkflowIds),
          keyedDecisionBehindApi: decisionBehindApi(bareApi.api, 'keyed-decision', yardsticks.keyedWorkflowIds),
          pairedBlocks: PAIRED_BLOCKS,
        },
        progress,
      );
      report.settings.pairedBlocks = PAIRED_BLOCKS;
      report.yardsticks = {
        ...yardsticks.yardsticks,
        updateWithLocalWrite: bareDecision,
        updateWithLocalWriteBehindApi: bareDecisionBehindApi,
        keyedUpdateBehindApi: keyedDecisionBehindApi,
        startSustainedRate: bareStartSustained.rate,
        startSustained: bareStartSustained,
        keyedStartSustained,
      };
      report.writePath = writePath;
    }
    if (topology.liveCases > 0) {
      phase(`${topology.liveCases} live cases with timers, opened through the API at concurrency ${scaleConcurrency}, then the read routes`);
      report.scale = await measureScale(
        { ...topology.scaleTarget, api: topology.api },
        client,
        { cases: topology.liveCases, concurrency: scaleConcurrency, cacheLimit: report.settings.worker.maxCachedWorkflows },
        progress,
        phase,
      );
    }
  } finally {
    if (process.stderr.isTTY && lastLine) process.stderr.write('\n');
    await connection.close();
    await stopBareProcesses();
    cleanups.delete(stopBareProcesses);
  }
}

async function runDevServer(liveCases: number): Promise<BenchReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'approval-bench-'));
  phase(`dev-server topology: a stack of its own in ${dataDir}`);
  // ports found free are released before the stack binds them: on a taken one, start again on others
  const { stack, ports } = await onFreePorts(
    async () => {
      const ports = { api: await findFreePort(), temporal: await findFreePort(), postgres: await findFreePort(), workerMetrics: await findFreePort() };
      const stack = await startLocalStack({
        dataDir,
        apiPort: ports.api,
        temporalPort: ports.temporal,
        postgresPort: ports.postgres,
        temporalCli: local.temporalCli,
        env: { ...workerSettingsEnv(ports.workerMetrics), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' },
        // BENCH_PROFILE=<dir>: the worker and the API write CPU profiles there when they stop
        nodeFlags: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [],
        quiet: true,
        onExit: (child, code) => {
          console.error(`${child.name} exited (${code}) during the benchmark\n${child.recentErrors()}`);
          process.exit(1);
        },
      });
      return { stack, ports };
    },
    () => phase('a port was taken before the stack bound it; starting again on other ports'),
  );
  cleanups.add(stack.stop);
  const temporalPid = stack.children.find((c) => c.name === 'temporal')?.process.pid;
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    topology: 'dev-server',
    machine,
    settings: describeSettings({ concurrency, databaseUrl: stack.databaseUrl, embedded: true }),
  };
  let failed = false;
  try {
    await measureTopology(
      {
        temporalAddress: stack.temporalAddress,
        databaseUrl: stack.databaseUrl,
        bareDatabaseUrl: stack.databaseUrl,
        api: await createApiClient(stack.apiUrl, stack.secret, BENCH_DEPARTMENTS),
        secret: stack.secret,
        scaleTarget: {
          databaseUrl: stack.databaseUrl,
          workerPids: [stack.worker.process.pid!],
          workerMetricsUrl: `http://127.0.0.1:${ports.workerMetrics}/metrics`,
          historyPid: temporalPid ?? null,
        },
        liveCases,
        cpuProcesses: {
          api: stack.api.process.pid,
          worker: stack.worker.process.pid,
          temporal: temporalPid,
          postgres: stack.children.find((c) => c.name === 'postgres')?.process.pid,
        },
      },
      report,
    );
    if (seeded > 0) {
      phase(`${seeded} cases written straight into PostgreSQL, then the read routes`);
      report.seededReadModel = await measureSeededReadModel(stack, { cases: seeded }, progress, phase);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await stack.stop();
    cleanups.delete(stack.stop);
    // a failed run keeps its data for a look (the embedded cluster restarts from it)
    if (failed) console.error(`the benchmark failed; its data is in ${dataDir}`);
    else removeDataDirectory(dataDir);
  }
  report.finishedAt = new Date().toISOString();
  return report;
}

async function runCluster(liveCases: number): Promise<BenchReport> {
  phase(`cluster topology: ./scripts/cluster under ${path.resolve(local.dataDir, 'cluster')}`);
  const cluster = await openClusterTopology({ dataDir: local.dataDir, log: phase });
  const state = readClusterState(local.dataDir)!;
  // the bare worker's rows go to a database of their own, made by the cluster's superuser
  const superuserUrl = embeddedDatabaseUrl(clusterLayout(local.dataDir).postgres, state.settings.postgresPort);
  const admin = postgres(superuserUrl, { max: 1, onnotice: () => {} });
  try {
    if ((await admin`select 1 from pg_database where datname = 'bench_bare'`).length === 0) await admin.unsafe('create database bench_bare');
  } finally {
    await admin.end();
  }
  const bareUrl = new URL(superuserUrl);
  bareUrl.pathname = '/bench_bare';
  const pid = (name: string) => cluster.pidOf(name) ?? undefined;
  const workers = state.processes.filter((name) => name.startsWith('worker-'));
  const apis = state.processes.filter((name) => name.startsWith('api-'));
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    topology: 'cluster',
    machine,
    settings: {
      ...describeSettings({ concurrency, databaseUrl: cluster.databaseUrl, embedded: true }),
      temporal: `Temporal server 1.29.1 as four services on PostgreSQL (${workers.length} workers, ${apis.length} APIs, round-robin)`,
    },
  };
  await measureTopology(
    {
      temporalAddress: cluster.temporalAddress,
      databaseUrl: cluster.databaseUrl,
      bareDatabaseUrl: bareUrl.toString(),
      api: await createBalancedApiClient(cluster.apiUrls, cluster.secret, BENCH_DEPARTMENTS),
      secret: cluster.secret,
      scaleTarget: {
        databaseUrl: cluster.databaseUrl,
        workerPids: workers.map((name) => pid(name)).filter((p): p is number => p !== undefined),
        // the cluster's workers serve no metrics endpoint (two on one host would need two ports)
        workerMetricsUrl: null,
        historyPid: pid('temporal-history') ?? null,
      },
      liveCases,
      cpuProcesses: {
        ...Object.fromEntries(apis.map((name) => [name, pid(name)])),
        ...Object.fromEntries(workers.map((name) => [name, pid(name)])),
        history: pid('temporal-history'),
        matching: pid('temporal-matching'),
        frontend: pid('temporal-frontend'),
        'temporal-worker': pid('temporal-worker'),
        postgres: pid('postgres'),
      },
    },
    report,
  );
  report.finishedAt = new Date().toISOString();
  return report;
}

function save(result: unknown, startedAt: string): void {
  const resultsDir = path.resolve('bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

if (!args.cluster) {
  const report = await runDevServer(scale);
  printReport(report);
  save(report, report.startedAt);
} else {
  const earlier = args['dev-from'] ? (JSON.parse(readFileSync(args['dev-from'], 'utf8')) as BenchReport | { devServer: BenchReport }) : null;
  if (earlier) phase(`dev-server topology: the figures of ${args['dev-from']}, not measured again`);
  const devServer = earlier ? ('devServer' in earlier ? earlier.devServer : earlier) : await runDevServer(scale);
  const cluster = await runCluster(clusterCases);
  printReport(devServer);
  printReport(cluster);
  printSideBySide(devServer, cluster);
  console.log(`\nwall clock: ${((Date.now() - began) / 1000).toFixed(0)} s`);
  save({ devServer, cluster, ...(earlier ? { devServerFrom: args['dev-from'] } : {}) }, cluster.startedAt);
}
