/**
 * The two topologies a drill runs on, behind one shape: named processes it may kill -9, stop and
 * start again, and the addresses the load and the checks use.
 *
 * - `dev-server`: what ./scripts/start runs (the Temporal CLI dev server on an SQLite file,
 *   embedded PostgreSQL, our worker), here with two APIs, on free ports and a data directory of
 *   its own, every process a child of the drill.
 * - `cluster`: ./scripts/cluster's daemons (scripts/lib/cluster.ts); a killed one comes back with
 *   `./scripts/cluster start`, which starts only what is missing, as an operator would.
 */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectDatabase } from '../../../db/client.js';
import { embeddedDatabaseUrl } from '../../../db/embedded-postgres.js';
import { prepareDatabase } from '../../../db/prepare.js';
import { clusterLayout, findDaemon, readClusterState, type ClusterLayout } from '../cluster.js';
import { alive, findFreePort, hasExited, isApiReady, isPortOpen, nodeArgs, onFreePorts, startChild, stopChild, waitFor, type Child } from '../processes.js';

export interface Topology {
  name: 'dev-server' | 'cluster';
  apiUrls: string[];
  secret: string;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** the processes a drill may kill, by name (api-1, worker-1, postgres, temporal, temporal-history, …) */
  processes(): string[];
  pidOf(name: string): number | null;
  /** SIGKILL, and returns once it is gone */
  kill9(name: string): Promise<void>;
  /** SIGTERM (a clean stop), and returns once it is gone */
  stop(name: string): Promise<void>;
  /** starts it again and returns once it serves (an API answers /readyz, a worker polls, …) */
  start(name: string): Promise<void>;
  close(): Promise<void>;
}

/** The pid of every process polling the task queue's workflow tasks (the SDK's identity is `pid@host`). */
export async function findPollerPids(temporalAddress: string, namespace: string, taskQueue: string): Promise<number[]> {
  const connection = await Connection.connect({ address: temporalAddress, connectTimeout: 2_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const host = hostname();
    return (pollers ?? [])
      .map((poller) => /^(\d+)@(.*)$/.exec(poller.identity ?? ''))
      .filter((match): match is RegExpExecArray => match !== null && match[2] === host)
      .map((match) => Number(match[1]));
  } finally {
    await connection.close();
  }
}

async function waitForPoller(topology: Pick<Topology, 'temporalAddress' | 'namespace' | 'taskQueue'>, pid: number, isAlive: () => boolean): Promise<void> {
  await waitFor(
    `worker ${pid} to poll`,
    async () => {
      if (!isAlive()) throw new Error(`worker ${pid} exited before it polled`);
      const pids = await findPollerPids(topology.temporalAddress, topology.namespace, topology.taskQueue).catch((): number[] => []);
      return pids.includes(pid);
    },
    120_000,
  );
}

async function isDatabaseUp(url: string): Promise<boolean> {
  const database = connectDatabase(url, { max: 1 });
  try {
    return (await database.sql`select 1`.then(() => true, () => false));
  } finally {
    await database.close().catch(() => undefined);
  }
}

async function isTemporalUp(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => null);
  if (!connection) return false;
  try {
    return await connection.workflowService.getSystemInfo({}).then(() => true, () => false);
  } finally {
    await connection.close();
  }
}

export interface DevTopologyOptions {
  dataDir: string;
  temporalCli: string;
  apis?: number;
  /** extra environment for the worker and the APIs */
  env?: NodeJS.ProcessEnv;
  /** told of every start and stop */
  log?: (message: string) => void;
}

/**
 * The dev-server topology with every process a child of ours: the Temporal dev server on
 * `<dataDir>/temporal.sqlite`, embedded PostgreSQL (durable: it is stopped and started again)
 * under `<dataDir>`, one worker and `apis` APIs.
 */
export async function startDevTopology(options: DevTopologyOptions): Promise<Topology> {
  return onFreePorts(
    () => startDevTopologyOnce(options),
    () => options.log?.(`a port was taken before our process listened on it; starting again on other ports`),
  );
}

async function startDevTopologyOnce(options: DevTopologyOptions): Promise<Topology> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const log = options.log ?? (() => {});
  const ports = { temporal: await findFreePort(), postgres: await findFreePort(), apis: [] as number[] };
  for (let i = 0; i < (options.apis ?? 2); i += 1) ports.apis.push(await findFreePort());
  const temporalAddress = `127.0.0.1:${ports.temporal}`;
  const databaseUrl = embeddedDatabaseUrl(dataDir, ports.postgres);
  const secret = randomBytes(32).toString('hex');
  const taskQueue = 'parallel-approval';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUTH_JWT_SECRET: secret,
    LOG_LEVEL: options.env?.LOG_LEVEL ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const apiUrls = ports.apis.map((port) => `http://127.0.0.1:${port}`);
  const children = new Map<string, Child>();

  const specs: Record<string, { command: string; args: string[]; env?: NodeJS.ProcessEnv; ready: (child: Child) => Promise<void> }> = {
    temporal: {
      command: options.temporalCli,
      // the same server ./scripts/start runs (scripts/lib/local-stack.ts), on its database file
      args: [
        'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(ports.temporal),
        '--db-filename', path.join(dataDir, 'temporal.sqlite'), '--log-level', 'error',
        '--search-attribute', 'ProjectCode=Keyword',
      ],
      ready: (child) => waitFor('the Temporal dev server', async () => alive(child) && (await isTemporalUp(temporalAddress)), 60_000),
    },
    postgres: {
      command: process.execPath,
      args: [...nodeArgs('db/embedded-postgres.ts'), dataDir, String(ports.postgres)],
      ready: (child) => waitFor('the embedded PostgreSQL', async () => alive(child) && (await isDatabaseUp(databaseUrl)), 60_000),
    },
    'worker-1': {
      command: process.execPath,
      args: nodeArgs('worker/main.ts'),
      env,
      ready: (child) => waitForPoller(topology, child.process.pid!, () => alive(child)),
    },
    ...Object.fromEntries(
      ports.apis.map((port, i) => [
        `api-${i + 1}`,
        {
          command: process.execPath,
          args: nodeArgs('api/server.ts'),
          env: { ...env, PORT: String(port) },
          ready: (child: Child) =>
            waitFor(`api-${i + 1}`, async () => alive(child) && (await isApiReady(apiUrls[i]!)), 120_000),
        },
      ]),
    ),
  };

  function launch(name: string): Child {
    const spec = specs[name];
    if (!spec) throw new Error(`no process ${name}`);
    const child = startChild(name, spec.command, spec.args, { env: spec.env ?? process.env, quiet: true });
    children.set(name, child);
    return child;
  }

  async function gone(name: string, signal: NodeJS.Signals): Promise<void> {
    const child = children.get(name);
    if (!child) throw new Error(`no process ${name}`);
    if (hasExited(child.process)) return;
    if (signal === 'SIGKILL') {
      child.process.kill('SIGKILL');
      await child.exited;
    } else {
      await stopChild(child, 120_000);
    }
    log(`${name} (pid ${child.process.pid}) ${signal === 'SIGKILL' ? 'killed (SIGKILL)' : 'stopped (SIGTERM)'}`);
  }

  const topology: Topology = {
    name: 'dev-server',
    apiUrls,
    secret,
    databaseUrl,
    temporalAddress,
    namespace: 'default',
    taskQueue,
    processes: () => [...Object.keys(specs)],
    pidOf: (name) => {
      const child = children.get(name);
      return child && !hasExited(child.process) ? (child.process.pid ?? null) : null;
    },
    kill9: (name) => gone(name, 'SIGKILL'),
    stop: (name) => gone(name, 'SIGTERM'),
    async start(name) {
      const began = Date.now();
      const child = launch(name);
      await specs[name]!.ready(child);
      log(`${name} started again (pid ${child.process.pid}), serving after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    },
    async close() {
      for (const name of [...Object.keys(specs)].reverse()) {
        const child = children.get(name);
        if (child) await stopChild(child, name === 'postgres' ? 120_000 : 15_000);
      }
    },
  };

  try {
    for (const name of ['temporal', 'postgres']) await specs[name]!.ready(launch(name));
    const database = connectDatabase(databaseUrl, { max: 1 });
    try {
      await prepareDatabase(database.db);
    } finally {
      await database.close();
    }
    const ours = Object.keys(specs).filter((name) => name !== 'temporal' && name !== 'postgres');
    await Promise.all(ours.map((name) => specs[name]!.ready(launch(name))));
  } catch (error) {
    await topology.close();
    throw error;
  }
  return topology;
}

/**
 * ./scripts/cluster's running cluster under `<dataDir>/cluster` (started first when it is not
 * fully up). A process comes back the way an operator brings it back: `./scripts/cluster start`.
 */
export async function openClusterTopology(options: { dataDir: string; log?: (message: string) => void }): Promise<Topology> {
  const log = options.log ?? (() => {});
  const layout: ClusterLayout = clusterLayout(options.dataDir);
  const run = promisify(execFile);
  const clusterStart = async () => {
    await run(path.resolve('scripts/cluster'), ['start'], { env: { ...process.env, DATA_DIR: options.dataDir }, maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`./scripts/cluster start failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
      },
    );
  };
  const before = readClusterState(options.dataDir);
  if (!before || before.processes.some((name) => findDaemon(layout, name) === null)) {
    log('starting the cluster (./scripts/cluster start)');
    await clusterStart();
  }
  const state = readClusterState(options.dataDir);
  if (!state) throw new Error('./scripts/cluster start wrote no cluster.json');
  const secret = readFileSync(path.join(layout.root, 'jwt-secret'), 'utf8').trim();

  const waitGone = async (name: string, pid: number) => {
    await waitFor(`${name} to exit`, async () => findDaemon(layout, name) !== pid, 180_000);
  };
  const signalDaemon = async (name: string, signal: NodeJS.Signals) => {
    const pid = findDaemon(layout, name);
    if (pid === null) return;
    process.kill(pid, signal);
    await waitGone(name, pid);
    log(`${name} (pid ${pid}) ${signal === 'SIGKILL' ? 'killed (SIGKILL)' : 'stopped (SIGTERM)'}`);
  };
  const topology: Topology = {
    name: 'cluster',
    apiUrls: state.apiUrls,
    secret,
    databaseUrl: state.databaseUrl,
    temporalAddress: state.temporalAddress,
    namespace: state.namespace,
    taskQueue: state.taskQueue,
    processes: () => state.processes,
    pidOf: (name) => findDaemon(layout, name),
    kill9: (name) => signalDaemon(name, 'SIGKILL'),
    stop: (name) => signalDaemon(name, 'SIGTERM'),
    async start(name) {
      const began = Date.now();
      await clusterStart();
      const pid = findDaemon(layout, name);
      if (pid === null) throw new Error(`${name} is not running after ./scripts/cluster start`);
      // `start` waits for every worker to poll, but a killed worker's poller lingers in the list: wait for this one
      if (name.startsWith('worker-')) await waitForPoller(topology, pid, () => findDaemon(layout, name) === pid);
      log(`${name} started again by ./scripts/cluster start (pid ${pid}), serving after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    },
    async close() {},
  };
  // a drill needs every process up before it starts
  await waitFor('the cluster', async () => (await isTemporalUp(state.temporalAddress)) && (await isPortOpen(state.settings.postgresPort)), 60_000);
  return topology;
}
