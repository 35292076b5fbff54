/**
 * One Temporal dev server and one fresh database per test run, shared by every test file.
 * ./scripts/test provides TEMPORAL_CLI; the database is DATABASE_URL's server when set, else an
 * embedded PostgreSQL cluster started here (in a temporary directory, fsync off) and removed after.
 * Without TEMPORAL_CLI only pure tests can run; integration tests then fail, saying why.
 */
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../db/client.js';
import { embeddedDatabaseUrl, removeDataDirectory } from '../db/embedded-postgres.js';
import { prepareDatabase } from '../db/prepare.js';
import { alive, findFreePort, isPortOpen, nodeArgs, startChild, stopChild, waitFor, type Child } from '../scripts/lib/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

/**
 * A throwaway embedded cluster for this run, listening once its port is open (set-up then waits
 * for it to answer a query). It is started after the Temporal dev server is up: the dev server
 * binds ports of its own choosing as it starts, and one of them could be the port picked here.
 */
async function startThrowawayPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-test-pg-'));
  const port = await findFreePort();
  // before the child starts: the cluster's password file is then written here, not raced for
  const url = embeddedDatabaseUrl(dir, port);
  const child = startChild('postgres', process.execPath, [...nodeArgs('db/embedded-postgres.ts'), dir, String(port), '--throwaway'], { quiet: true });
  const stop = async () => {
    await stopChild(child);
    removeDataDirectory(dir);
  };
  try {
    await waitFor('the embedded PostgreSQL', async () => alive(child) && (await isPortOpen(port)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) {
    project.provide('temporalAddress', '');
    project.provide('databaseUrl', '');
    return async () => {};
  }

  const port = await findFreePort();
  const temporal: Child = startChild(
    'temporal',
    cli,
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
      '--search-attribute', 'ProjectCode=Keyword'],
    { quiet: true },
  );
  let embedded: Awaited<ReturnType<typeof startThrowawayPostgres>> | null = null;
  let admin: postgres.Sql | null = null;
  const stopAll = async () => {
    await stopChild(temporal);
    await admin?.end();
    await embedded?.stop();
  };
  try {
    await waitFor('the Temporal dev server', async () => alive(temporal) && (await isPortOpen(port)));
    if (!process.env.DATABASE_URL) embedded = await startThrowawayPostgres();
    const serverUrl = process.env.DATABASE_URL ?? embedded!.url;

    const databaseName = `approval_test_${Date.now()}_${process.pid}`;
    const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
    admin = server;
    await waitFor('the database to accept connections', async () => (await server`select 1`.catch(() => null)) !== null);
    await server.unsafe(`create database ${databaseName}`);
    const url = new URL(serverUrl);
    url.pathname = `/${databaseName}`;
    const database = connectDatabase(url.toString(), { max: 1 });
    await prepareDatabase(database.db);
    await database.close();

    project.provide('temporalAddress', `127.0.0.1:${port}`);
    project.provide('databaseUrl', url.toString());

    return async () => {
      await server.unsafe(`drop database if exists ${databaseName} with (force)`).catch(() => {});
      await stopAll();
    };
  } catch (error) {
    // vitest does not call a teardown that was never returned: stop what was started here.
    await stopAll();
    throw error;
  }
}
