/**
 * ./scripts/cluster [start|stop|status]: what a city runs instead of the dev server, on this
 * machine, as daemons (scripts/lib/cluster.ts): PostgreSQL, the Temporal server as four
 * services, our workers and our APIs. `start` brings up whatever of it is not running (so it
 * also brings back a process that died) and returns once everything answers; `stop` stops it
 * all, PostgreSQL last; `status` shows what runs. State lives under <DATA_DIR>/cluster and
 * survives a stop.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadLocalStackConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { embeddedDatabaseUrl } from '../db/embedded-postgres.js';
import { prepareDatabase } from '../db/prepare.js';
import {
  clusterLayout,
  countPollers,
  databaseUrl,
  DEFAULT_CLUSTER_SETTINGS,
  ensureRolesAndDatabase,
  findDaemon,
  isDatabaseReady,
  isTemporalReady,
  keptSecret,
  logFile,
  readClusterState,
  registerNamespace,
  residentKiB,
  setUpTemporalDatabases,
  startDaemon,
  stopDaemon,
  tailOfLog,
  TEMPORAL_SERVICES,
  temporalPorts,
  temporalServiceSpec,
  writeClusterState,
  writeTemporalConfig,
  type ClusterSettings,
  type ClusterState,
  type DaemonSpec,
} from './lib/cluster.js';
import { formatTokens, mintDemoTokens, writeTokensFile } from './lib/demo-tokens.js';
import { isApiReady, isPortOpen, nodeArgs, waitFor } from './lib/processes.js';

const USAGE = `usage: scripts/cluster [start|stop|status]
  start options (only while nothing of the cluster runs):
    --postgres-port N   PostgreSQL (default ${DEFAULT_CLUSTER_SETTINGS.postgresPort})
    --temporal-port N   the Temporal frontend (default ${DEFAULT_CLUSTER_SETTINGS.temporalPort}); the other services use N+1…N+23
    --api-ports A,B,…   one API process per port (default ${DEFAULT_CLUSTER_SETTINGS.apiPorts.join(',')})
    --workers N         worker processes (default ${DEFAULT_CLUSTER_SETTINGS.workers})`;

const APPROVAL_DATABASE = 'approval';

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        'postgres-port': { type: 'string' },
        'temporal-port': { type: 'string' },
        'api-ports': { type: 'string' },
        workers: { type: 'string' },
        // set by the scripts/cluster wrapper (ensure_temporal_server)
        'temporal-server': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}
const { positionals, values: flags } = parseCommandLine();
const command = positionals[0] ?? 'start';
const stack = loadLocalStackConfig();
const layout = clusterLayout(stack.dataDir);
const startedAt = Date.now();

function elapsed(): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

function progress(message: string): void {
  console.log(`[${elapsed().padStart(7)}] ${message}`);
}

/** A path as typed from here: relative inside the checkout, absolute outside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative || '.';
}

/** Daemon names in start order. */
function daemonNames(settings: ClusterSettings): string[] {
  return [
    'postgres',
    ...TEMPORAL_SERVICES.map((service) => `temporal-${service}`),
    ...Array.from({ length: settings.workers }, (_, i) => `worker-${i + 1}`),
    ...settings.apiPorts.map((_, i) => `api-${i + 1}`),
  ];
}

function port(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`${flag} must be a port number, got "${value}"`);
  return number;
}

const SETTING_FLAGS = ['postgres-port', 'temporal-port', 'api-ports', 'workers'] as const;

/** The flags over the defaults; while part of the cluster runs, what it was started with. */
function chooseSettings(recorded: ClusterState | null): ClusterSettings {
  const given = SETTING_FLAGS.filter((flag) => flags[flag] !== undefined);
  if (recorded && daemonNames(recorded.settings).some((name) => findDaemon(layout, name) !== null)) {
    if (given.length > 0) throw new Error(`the cluster is running: stop it to change ${given.map((flag) => `--${flag}`).join(', ')}`);
    return recorded.settings;
  }
  const workers = flags.workers === undefined ? DEFAULT_CLUSTER_SETTINGS.workers : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new Error(`--workers must be an integer from 1 to 16`);
  return {
    postgresPort: flags['postgres-port'] ? port('--postgres-port', flags['postgres-port']) : DEFAULT_CLUSTER_SETTINGS.postgresPort,
    temporalPort: flags['temporal-port'] ? port('--temporal-port', flags['temporal-port']) : DEFAULT_CLUSTER_SETTINGS.temporalPort,
    apiPorts: flags['api-ports'] ? flags['api-ports'].split(',').map((value) => port('--api-ports', value)) : DEFAULT_CLUSTER_SETTINGS.apiPorts,
    host: stack.host,
    workers,
  };
}

let interrupted = false;
/** Daemons this run started: stopped again when the start fails or is interrupted. */
const startedNow: string[] = [];

interface Daemon {
  spec: DaemonSpec;
  /** what it listens on: another program holding one of them stops the start before anything runs */
  ports: number[];
}

/** Starts the daemon unless it runs. */
function launch({ spec }: Daemon): void {
  if (interrupted) throw new Error('interrupted');
  if (findDaemon(layout, spec.name) !== null) return;
  startDaemon(layout, spec);
  startedNow.push(spec.name);
}

/** Waits for `isReady`, failing at once (with the end of its log) when one of the daemons dies. */
async function awaitReady(names: string[], isReady: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const label = names.join(', ');
  await waitFor(
    label,
    async () => {
      if (interrupted) throw new Error('interrupted');
      const dead = names.find((name) => findDaemon(layout, name) === null);
      if (dead) throw new Error(`${dead} exited; the end of ${logFile(layout, dead)}:\n${tailOfLog(layout, dead)}`);
      return isReady();
    },
    timeoutMs,
  );
  progress(`${label} ${names.some((name) => startedNow.includes(name)) ? 'ready' : 'running already'}`);
}

async function start(): Promise<void> {
  const serverDir = flags['temporal-server'];
  if (!serverDir) throw new Error('run it as ./scripts/cluster, which provides the Temporal server');
  const settings = chooseSettings(readClusterState(stack.dataDir));
  mkdirSync(layout.logs, { recursive: true });
  mkdirSync(layout.run, { recursive: true });

  const ports = temporalPorts(settings.temporalPort);
  const temporalAddress = `127.0.0.1:${ports.grpc.frontend}`;
  const secret = keptSecret(path.join(layout.root, 'jwt-secret'));
  const temporalLogin = { user: 'temporal', password: keptSecret(path.join(layout.root, 'temporal-db-password')) };
  const approvalLogin = { user: 'approval', password: keptSecret(path.join(layout.root, 'approval-db-password')) };
  const approvalUrl = databaseUrl(settings.postgresPort, approvalLogin, APPROVAL_DATABASE);
  const apiUrls = settings.apiPorts.map((apiPort) => `http://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${apiPort}`);
  const env = { ...process.env, DATABASE_URL: approvalUrl, TEMPORAL_ADDRESS: temporalAddress, AUTH_JWT_SECRET: secret, HOST: settings.host };
  const postgres: Daemon = {
    spec: { name: 'postgres', command: process.execPath, args: [...nodeArgs('db/embedded-postgres.ts'), layout.postgres, String(settings.postgresPort)] },
    ports: [settings.postgresPort],
  };
  const temporalServices = TEMPORAL_SERVICES.map((service) => ({
    service,
    spec: temporalServiceSpec(layout, serverDir, service),
    ports: [ports.grpc[service], ports.membership[service], ports.metrics[service], ...(service === 'frontend' ? [ports.frontendHttp] : [])],
  }));
  const workers: Daemon[] = Array.from({ length: settings.workers }, (_, i) => ({
    spec: { name: `worker-${i + 1}`, command: process.execPath, args: nodeArgs('worker/main.ts'), env },
    ports: [],
  }));
  const apis: Daemon[] = settings.apiPorts.map((apiPort, i) => ({
    spec: { name: `api-${i + 1}`, command: process.execPath, args: nodeArgs('api/server.ts'), env: { ...env, PORT: String(apiPort) } },
    ports: [apiPort],
  }));
  for (const { spec, ports: wanted } of [postgres, ...temporalServices, ...workers, ...apis]) {
    if (findDaemon(layout, spec.name) !== null) continue;
    for (const wantedPort of wanted) {
      if (await isPortOpen(wantedPort)) throw new Error(`port ${wantedPort}, needed by ${spec.name}, is taken by another program`);
    }
  }
  // written before anything starts, so `stop` finds whatever this run leaves behind however it ends
  writeClusterState(layout, {
    settings,
    temporalAddress,
    namespace: stack.temporal.namespace,
    taskQueue: stack.temporal.taskQueue,
    databaseUrl: approvalUrl,
    apiUrls,
    processes: daemonNames(settings),
  });

  const superuserUrl = embeddedDatabaseUrl(layout.postgres, settings.postgresPort);
  launch(postgres);
  await awaitReady(['postgres'], () => isDatabaseReady(superuserUrl));
  await ensureRolesAndDatabase(superuserUrl, temporalLogin, approvalLogin, APPROVAL_DATABASE);
  await setUpTemporalDatabases(serverDir, settings.postgresPort, temporalLogin, logFile(layout, 'temporal-schema'));
  progress('Temporal schema up to date');

  writeTemporalConfig(layout, settings, temporalLogin);
  for (const daemon of temporalServices) {
    launch(daemon);
    // the worker service serves no gRPC of its own: it is up once it listens for its membership ring
    const readyPort = daemon.service === 'worker' ? ports.membership.worker : ports.grpc[daemon.service];
    await awaitReady([daemon.spec.name], () => isPortOpen(readyPort));
  }
  await waitFor('the Temporal frontend to answer', () => isTemporalReady(temporalAddress), 60_000);
  await registerNamespace(temporalAddress, stack.temporal.namespace);
  progress(`namespace ${stack.temporal.namespace} and search attribute ProjectCode registered`);

  const database = connectDatabase(approvalUrl, { max: 1 });
  try {
    await prepareDatabase(database.db);
    progress('our database migrated and seeded');

    [...workers, ...apis].forEach(launch);
    const workerNames = workers.map(({ spec }) => spec.name);
    await Promise.all([
      ...apiUrls.map((url, i) => awaitReady([`api-${i + 1}`], () => isApiReady(url), 120_000)),
      // ready once each worker polls the task queue
      awaitReady(
        workerNames,
        async () => (await countPollers(temporalAddress, stack.temporal.namespace, stack.temporal.taskQueue).catch(() => 0)) >= workerNames.length,
        120_000,
      ),
    ]);

    const tokens = await mintDemoTokens(database.db, secret);
    const tokensFile = path.join(layout.root, 'tokens.json');
    writeTokensFile(tokensFile, tokens);
    console.log(`
The cluster is up (${elapsed()}); data, logs and pid files under ${shown(layout.root)}/.
  APIs      ${apiUrls.join('  ')}   (docs at /docs)
  Temporal  ${temporalAddress}, namespace ${stack.temporal.namespace} (history, matching, frontend and worker services; HTTP API on ${ports.frontendHttp})
  Database  PostgreSQL 18 on 127.0.0.1:${settings.postgresPort}: ${APPROVAL_DATABASE} (ours), temporal and temporal_visibility
  Workers   ${workerNames.length}, polling task queue ${stack.temporal.taskQueue}

Demo tokens (valid 7 days; also in ${shown(tokensFile)}):
${formatTokens(tokens)}

./scripts/cluster status shows what runs; ./scripts/cluster stop stops it all.`);
  } finally {
    await database.close();
  }
}

async function stop(): Promise<void> {
  const names = daemonNames(readClusterState(stack.dataDir)?.settings ?? DEFAULT_CLUSTER_SETTINGS).reverse();
  for (const name of names) {
    const began = Date.now();
    // PostgreSQL writes a shutdown checkpoint: give it longer
    const outcome = await stopDaemon(layout, name, name === 'postgres' ? 120_000 : 30_000);
    if (outcome !== 'not running') console.log(`  ${name.padEnd(18)} ${outcome} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  console.log(`The cluster is stopped (${elapsed()}); its data stays in ${shown(layout.root)}/.`);
}

function status(): void {
  const state = readClusterState(stack.dataDir);
  if (!state) {
    console.log(`No cluster under ${layout.root} yet: ./scripts/cluster start`);
    process.exitCode = 3;
    return;
  }
  let running = 0;
  const names = daemonNames(state.settings);
  console.log(`${'process'.padEnd(18)} ${'pid'.padStart(7)} ${'RSS MiB'.padStart(8)}  log`);
  for (const name of names) {
    const pid = findDaemon(layout, name);
    const rss = pid === null ? null : residentKiB(pid);
    if (pid !== null) running += 1;
    const pidText = pid === null ? 'stopped' : String(pid);
    const rssText = rss === null ? '' : (rss / 1024).toFixed(0);
    console.log(`${name.padEnd(18)} ${pidText.padStart(7)} ${rssText.padStart(8)}  ${shown(logFile(layout, name))}`);
  }
  console.log(`
${running} of ${names.length} running.
  APIs      ${state.apiUrls.join('  ')}
  Temporal  ${state.temporalAddress}, namespace ${state.namespace}
  Database  127.0.0.1:${state.settings.postgresPort}`);
  // 3, as for an LSB service that is not (fully) running
  if (running < names.length) process.exitCode = 3;
}

if (flags.help || !['start', 'stop', 'status'].includes(command)) {
  console.log(USAGE);
  process.exit(flags.help ? 0 : 2);
}
try {
  if (command === 'start') {
    // the daemons run in sessions of their own, so Ctrl-C reaches only this process
    const onSignal = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await start();
  } else if (command === 'stop') {
    await stop();
  } else {
    status();
  }
} catch (error) {
  // drizzle's "Failed query" says which statement; the driver's error, its cause, says why
  const cause = error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : '';
  console.error(`scripts/cluster ${command}: ${error instanceof Error ? error.message : String(error)}${cause}`);
  if (startedNow.length > 0) {
    console.error(`stopping what this run started: ${startedNow.join(', ')}`);
    for (const name of startedNow.reverse()) await stopDaemon(layout, name);
  }
  process.exit(interrupted ? 130 : 1);
}
