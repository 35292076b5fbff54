/**
 * The production topology on one machine (./scripts/cluster): PostgreSQL, the Temporal server as
 * four services, our workers and APIs, each a daemon with a pid file and a log under
 * `<DATA_DIR>/cluster`, so `stop`, `status`, the benchmark and the drills find them from any shell.
 */
import { randomBytes } from 'node:crypto';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import Long from 'long';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { PROJECT_CODE_SEARCH_ATTRIBUTE } from '../../temporal.config.js';

/** Start order: history first, as Temporal asks; stop runs the other way. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** Fixed when the cluster's databases are created; a city-sized production cluster uses 512 or more. */
const HISTORY_SHARDS = 8;
const NAMESPACE_RETENTION_DAYS = 30;

export interface ClusterSettings {
  postgresPort: number;
  /** the frontend's gRPC port; every other Temporal port follows from it (temporalPorts) */
  temporalPort: number;
  apiPorts: number[];
  /** where the APIs listen */
  host: string;
  workers: number;
}

export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = {
  postgresPort: 5434,
  temporalPort: 7243,
  apiPorts: [3010, 3011],
  host: '127.0.0.1',
  workers: 2,
};

export interface TemporalPorts {
  grpc: Record<TemporalService, number>;
  membership: Record<TemporalService, number>;
  /** each service's Prometheus endpoint */
  metrics: Record<TemporalService, number>;
  frontendHttp: number;
}

/** From the frontend's port N: gRPC N…N+3, the frontend's HTTP API N+4, membership N+10…N+13, metrics N+20…N+23. */
export function temporalPorts(frontendPort: number): TemporalPorts {
  const order: TemporalService[] = ['frontend', 'history', 'matching', 'worker'];
  const from = (offset: number) =>
    Object.fromEntries(order.map((service, i) => [service, frontendPort + offset + i])) as Record<TemporalService, number>;
  return { grpc: from(0), membership: from(10), metrics: from(20), frontendHttp: frontendPort + 4 };
}

export interface ClusterLayout {
  root: string;
  /** embedded PostgreSQL's data directory (the cluster itself is in its `pgdata/`) */
  postgres: string;
  /** the Temporal server's --root: config/ and dynamicconfig.yaml */
  temporal: string;
  logs: string;
  run: string;
  stateFile: string;
}

export function clusterLayout(dataDir: string): ClusterLayout {
  const root = path.resolve(dataDir, 'cluster');
  return {
    root,
    postgres: path.join(root, 'postgres'),
    temporal: path.join(root, 'temporal'),
    logs: path.join(root, 'logs'),
    run: path.join(root, 'run'),
    stateFile: path.join(root, 'cluster.json'),
  };
}

/** What a started cluster offers, for `status`, the benchmark and the drills. */
export interface ClusterState {
  settings: ClusterSettings;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** our database, as our processes reach it */
  databaseUrl: string;
  apiUrls: string[];
  /** daemon names in start order */
  processes: string[];
}

export function readClusterState(dataDir: string): ClusterState | null {
  const file = clusterLayout(dataDir).stateFile;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterState) : null;
}

export function writeClusterState(layout: ClusterLayout, state: ClusterState): void {
  writeFileSync(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** A random secret generated once and kept in `file`. */
export function keptSecret(file: string): string {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

// ---- daemons ---------------------------------------------------------------------------------

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** The command line identifies the process: a pid the system has since given to another program is not ours. */
interface PidRecord {
  pid: number;
  argv: string[];
}

function pidFile(layout: ClusterLayout, name: string): string {
  return path.join(layout.run, `${name}.pid.json`);
}

export function logFile(layout: ClusterLayout, name: string): string {
  return path.join(layout.logs, `${name}.log`);
}

/** Starts a process in a session of its own (it outlives this one), its output appended to its log. */
export function startDaemon(layout: ClusterLayout, spec: DaemonSpec): number {
  const log = logFile(layout, spec.name);
  appendFileSync(log, `\n--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
  const fd = openSync(log, 'a');
  const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', fd, fd], env: spec.env ?? process.env });
  closeSync(fd);
  child.once('error', () => {}); // a command that cannot start has no pid: reported just below
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  child.unref();
  const record: PidRecord = { pid: child.pid, argv: [spec.command, ...spec.args] };
  writeFileSync(pidFile(layout, spec.name), JSON.stringify(record));
  return child.pid;
}

function readPidRecord(layout: ClusterLayout, name: string): PidRecord | null {
  const file = pidFile(layout, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PidRecord) : null;
}

function isAlive({ pid, argv }: PidRecord): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!existsSync('/proc')) return true;
  // also false for a zombie, whose command line is empty
  const cmdline = `/proc/${pid}/cmdline`;
  return existsSync(cmdline) && readFileSync(cmdline, 'utf8') === argv.map((arg) => `${arg}\0`).join('');
}

/** The daemon's pid while it runs, else null. */
export function findDaemon(layout: ClusterLayout, name: string): number | null {
  const record = readPidRecord(layout, name);
  return record && isAlive(record) ? record.pid : null;
}

/** SIGTERM, then SIGKILL after `timeoutMs`; says which it took. */
export async function stopDaemon(layout: ClusterLayout, name: string, timeoutMs = 30_000): Promise<'stopped' | 'killed' | 'not running'> {
  const record = readPidRecord(layout, name);
  let outcome: 'stopped' | 'killed' | 'not running' = 'not running';
  if (record && isAlive(record)) {
    signal(record.pid, 'SIGTERM');
    outcome = 'stopped';
    const deadline = Date.now() + timeoutMs;
    while (isAlive(record)) {
      if (Date.now() > deadline && outcome === 'stopped') {
        signal(record.pid, 'SIGKILL');
        outcome = 'killed';
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  rmSync(pidFile(layout, name), { force: true });
  return outcome;
}

/** A process that has just exited on its own is no error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The last lines of a daemon's log, read from its end (a history service's log grows large). */
export function tailOfLog(layout: ClusterLayout, name: string, lines = 20): string {
  const file = logFile(layout, name);
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, 64 * 1024));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}

/** Resident memory in KiB (`ps -o rss`), or null when the process is gone. */
export function residentKiB(pid: number): number | null {
  try {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) || null;
  } catch {
    return null;
  }
}

// ---- PostgreSQL ------------------------------------------------------------------------------

export interface DatabaseLogin {
  user: string;
  password: string;
}

/**
 * Roles of their own for Temporal and for us, as a production database would have them; the
 * passwords (kept beside the cluster) are set again on every start so the files stay the truth.
 * Temporal's role may create databases: its schema tool creates its two.
 */
export async function ensureRolesAndDatabase(
  superuserUrl: string,
  temporalLogin: DatabaseLogin,
  approvalLogin: DatabaseLogin,
  approvalDatabase: string,
): Promise<void> {
  await withDatabase(superuserUrl, async (sql) => {
    for (const [login, options] of [[temporalLogin, 'login createdb'], [approvalLogin, 'login']] as const) {
      const [role] = await sql`select 1 from pg_roles where rolname = ${login.user}`;
      if (!role) await sql.unsafe(`create role ${login.user} ${options}`);
      // hex passwords: nothing to escape
      await sql.unsafe(`alter role ${login.user} password '${login.password}'`);
    }
    const [database] = await sql`select 1 from pg_database where datname = ${approvalDatabase}`;
    // the owner may create pg_trgm (a trusted extension), which our migrations need
    if (!database) await sql.unsafe(`create database ${approvalDatabase} owner ${approvalLogin.user}`);
  });
}

async function withDatabase<T>(url: string, use: (sql: DatabaseHandle['sql']) => Promise<T>): Promise<T> {
  const { sql, close } = connectDatabase(url, { max: 1 });
  try {
    return await use(sql);
  } finally {
    await close();
  }
}

export async function isDatabaseReady(url: string): Promise<boolean> {
  return withDatabase(url, async (sql) => (await sql`select 1`).length === 1).catch(() => false);
}

export function databaseUrl(port: number, login: DatabaseLogin, database: string): string {
  return `postgres://${login.user}:${encodeURIComponent(login.password)}@127.0.0.1:${port}/${database}`;
}

// ---- Temporal --------------------------------------------------------------------------------

const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'temporal' },
  { database: 'temporal_visibility', schema: 'visibility' },
] as const;

/**
 * Temporal's two databases with temporal-sql-tool, as Temporal's own setup does it: create,
 * versioning tables (schema 0.0), then every versioned step. Create and set-up run once;
 * update-schema runs each time (nothing to do at the latest version, the upgrade after a
 * server upgrade).
 */
export async function setUpTemporalDatabases(serverDir: string, port: number, login: DatabaseLogin, log: string): Promise<void> {
  const run = promisify(execFile);
  for (const { database, schema } of TEMPORAL_DATABASES) {
    const sqlTool = async (...args: string[]) => {
      appendFileSync(log, `\n--- ${new Date().toISOString()} sql --db ${database} ${args.join(' ')}\n`);
      // credentials through the tool's environment variables, not its visible command line
      const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: '127.0.0.1', SQL_PORT: String(port), SQL_USER: login.user, SQL_PASSWORD: login.password, SQL_DATABASE: database };
      const { stdout, stderr } = await run(path.join(serverDir, 'sql'), args, { env }).catch((error: { stdout?: string; stderr?: string }) => {
        appendFileSync(log, `${error.stdout ?? ''}${error.stderr ?? ''}`);
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed (see ${log}):\n${error.stderr ?? ''}`);
      });
      appendFileSync(log, stdout + stderr);
    };
    const exists = await withDatabase(databaseUrl(port, login, 'postgres'), async (sql) => {
      return (await sql`select 1 from pg_database where datname = ${database}`).length > 0;
    });
    if (!exists) await sqlTool('create-database', '--defaultdb', 'postgres');
    const isSetUp = await withDatabase(databaseUrl(port, login, database), async (sql) => {
      return (await sql`select 1 from information_schema.tables where table_name = 'schema_version'`).length > 0;
    });
    if (!isSetUp) await sqlTool('setup-schema', '-v', '0.0');
    await sqlTool('update-schema', '-d', path.join(serverDir, 'schema', 'postgresql', 'v12', schema, 'versioned'));
  }
}

/**
 * The server's configuration after config/development-postgres12.yaml of the server's module:
 * `base.yaml` for every service and `<service>.yaml` with what differs per process (its
 * Prometheus port: the services run apart, so one shared address would clash). A service starts
 * with `--env <service>`, which layers its file over base.yaml.
 */
export function writeTemporalConfig(layout: ClusterLayout, settings: ClusterSettings, login: DatabaseLogin): void {
  const ports = temporalPorts(settings.temporalPort);
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${settings.postgresPort}`,
      connectProtocol: 'tcp',
      user: login.user,
      password: login.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const dynamicConfigFile = path.join(layout.temporal, 'dynamicconfig.yaml');
  const base = {
    log: { stdout: true, level: 'info' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: { 'postgres-default': datastore('temporal', 20), 'postgres-visibility': datastore('temporal_visibility', 2) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(
      TEMPORAL_SERVICES.map((service) => [
        service,
        {
          rpc: {
            grpcPort: ports.grpc[service],
            membershipPort: ports.membership[service],
            bindOnLocalHost: true,
            ...(service === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
          },
        },
      ]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.grpc.frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // the server resolves a relative path against its working directory, not --root
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
  const configDir = path.join(layout.temporal, 'config');
  mkdirSync(configDir, { recursive: true });
  const header = '# Written by ./scripts/cluster on every start; edit scripts/lib/cluster.ts instead.\n';
  writeFileSync(path.join(configDir, 'base.yaml'), header + toYaml(base), { mode: 0o600 });
  for (const service of TEMPORAL_SERVICES) {
    const metrics = { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics[service]}` } };
    writeFileSync(path.join(configDir, `${service}.yaml`), header + toYaml({ global: { metrics } }));
  }
  writeFileSync(
    dynamicConfigFile,
    `${header}# Re-read every 10 s. Our commands are Workflow Updates: on by default, stated because we depend on it.\n` +
      toYaml({ 'frontend.enableUpdateWorkflowExecution': [{ value: true }] }),
  );
}

/** YAML for plain data; strings are written as JSON strings, which YAML reads as they are. */
function toYaml(value: object): string {
  return `${yamlLines(value, '').join('\n')}\n`;
}

function yamlLines(value: object, indent: string): string[] {
  const isBlock = (item: unknown): item is object => typeof item === 'object' && item !== null && Object.keys(item).length > 0;
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown) => {
      if (!isBlock(item)) return [`${indent}- ${JSON.stringify(item)}`];
      const [first = '', ...rest] = yamlLines(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  return Object.entries(value).flatMap(([key, item]: [string, unknown]) =>
    isBlock(item) ? [`${indent}${key}:`, ...yamlLines(item, `${indent}  `)] : [`${indent}${key}: ${JSON.stringify(item)}`],
  );
}

export function temporalServiceSpec(layout: ClusterLayout, serverDir: string, service: TemporalService): DaemonSpec {
  return {
    name: `temporal-${service}`,
    command: path.join(serverDir, 'server'),
    // no authorizer: the cluster listens on 127.0.0.1 only (production configures one, or mTLS)
    args: ['--root', layout.temporal, '--config', 'config', '--env', service, '--allow-no-auth', 'start', '--service', service],
  };
}

export async function isTemporalReady(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => null);
  if (!connection) return false;
  try {
    return await connection.workflowService.getSystemInfo({}).then(() => true, () => false);
  } finally {
    await connection.close();
  }
}

const GRPC_NOT_FOUND = 5;

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown }).code === GRPC_NOT_FOUND;
}

/**
 * The namespace and the ProjectCode search attribute, when missing; returns once the frontend
 * answers a query on that attribute.
 */
export async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { workflowService, operatorService } = connection;
    const exists = await workflowService.describeNamespace({ namespace }).then(
      () => true,
      (error: unknown) => {
        if (isNotFound(error)) return false;
        throw error;
      },
    );
    if (!exists) {
      await workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(NAMESPACE_RETENTION_DAYS * 86_400) },
      });
    }
    // the frontend's namespace cache learns of a new namespace or attribute within seconds
    const deadline = Date.now() + 60_000;
    const retried = async <T>(call: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await call();
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    const name = PROJECT_CODE_SEARCH_ATTRIBUTE.name;
    const { customAttributes } = await retried(() => operatorService.listSearchAttributes({ namespace }));
    if (!customAttributes?.[name]) {
      await operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [name]: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
      });
    }
    await retried(() => workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: `${name} = ''` }));
  } finally {
    await connection.close();
  }
}

/** How many distinct workers poll the task queue's workflow tasks (seen by its root partition). */
export async function countPollers(address: string, namespace: string, taskQueue: string): Promise<number> {
  const connection = await Connection.connect({ address });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return new Set((pollers ?? []).map((poller) => poller.identity)).size;
  } finally {
    await connection.close();
  }
}
