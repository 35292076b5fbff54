/** The API's services: the HTTP server, and the sweep that starts any case whose workflow never started. */
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { buildConnectionOptions } from '../temporal.config.js';
import { buildApp, type AppOptions } from './app.js';
import { sweepEndedWorkflows } from './recovery.js';
import { startUnstartedCases } from './sweeper.js';

const SWEEP_INTERVAL_MS = 30_000;

/** The app's options from the process's configuration. */
export function appOptionsOf(config: AppConfig, db: Database, temporal: Client): AppOptions {
  return {
    db,
    temporal,
    taskQueue: config.temporal.taskQueue,
    authJwtSecret: config.authJwtSecret,
    authMaxTokenLifetimeSeconds: config.authMaxTokenLifetimeSeconds,
    metricsToken: config.metricsToken,
    timeZone: config.timeZone,
    rateLimitPerMinute: config.rateLimitPerMinute,
    caseCacheSize: config.caseCacheSize,
    logLevel: config.logLevel,
    console: {
      temporalUiUrl: config.console.temporalUiUrl,
      temporalNamespace: config.temporal.namespace,
      demoTokensFile: config.console.demoTokensFile,
    },
  };
}

/** Listens on the configured port; the returned function stops everything it started. */
export async function runApi(config: AppConfig, db: Database): Promise<() => Promise<void>> {
  const connection = await Connection.connect(buildConnectionOptions(config.temporal, (p) => readFileSync(p)));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildApp(appOptionsOf(config, db, temporal));
  // The first sweep of ended workflows looks at all of them, later ones at those ended since.
  let endedSince: number | null = null;
  const sweeper = setInterval(() => {
    startUnstartedCases(db, temporal, config.temporal.taskQueue, SWEEP_INTERVAL_MS)
      .then((caseIds) => {
        if (caseIds.length > 0) app.log.info({ caseIds }, 'started the workflows of cases left unstarted');
      })
      .catch((error: unknown) => app.log.warn({ err: error }, 'sweep of unstarted cases failed'));
    const sweepStartedAt = Date.now();
    sweepEndedWorkflows(db, temporal, config.temporal.taskQueue, endedSince)
      .then((caseIds) => {
        endedSince = sweepStartedAt - SWEEP_INTERVAL_MS;
        if (caseIds.length > 0) app.log.error({ caseIds }, 'case workflows ended while their cases were open: marked faulted for recovery');
      })
      .catch((error: unknown) => app.log.warn({ err: error }, 'sweep of ended workflows failed'));
  }, SWEEP_INTERVAL_MS);
  await app.listen({ port: config.port, host: config.host });
  return async () => {
    clearInterval(sweeper);
    await app.close();
    await connection.close();
  };
}
