/**
 * One Temporal dev server and one fresh database per test run, shared by every test file.
 * ./scripts/test provides TEMPORAL_CLI and DATABASE_URL (a throwaway PostgreSQL cluster).
 * Without them only pure tests can run; integration tests then fail, saying why.
 */
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { connectDatabase } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { findFreePort, isPortOpen, startChild, stopChild, waitFor, type Child } from '../scripts/lib/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = process.env.TEMPORAL_CLI;
  const serverUrl = process.env.DATABASE_URL;
  if (!cli || !serverUrl) {
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
  await waitFor('the Temporal dev server', () => isPortOpen(port));

  const databaseName = `approval_test_${Date.now()}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  const database = connectDatabase(url.toString(), { max: 1 });
  await prepareDatabase(database.db);
  await database.close();

  project.provide('temporalAddress', `127.0.0.1:${port}`);
  project.provide('databaseUrl', url.toString());

  return async () => {
    await stopChild(temporal);
    await admin.unsafe(`drop database if exists ${databaseName} with (force)`).catch(() => {});
    await admin.end();
  };
}
