/** Where a helper script finds the services: the configured ones, or the local stack's. */
import type { LocalStackConfig } from '../../config.js';
import { embeddedDatabaseUrl } from '../../db/embedded-postgres.js';

export function localDatabaseUrl(stack: LocalStackConfig): string {
  return stack.databaseUrl ?? embeddedDatabaseUrl(stack.dataDir, stack.postgresPort);
}

export function localTemporalAddress(stack: LocalStackConfig): string {
  return stack.temporalAddress ?? `127.0.0.1:${stack.temporalPort}`;
}
