import type { Database } from './client.js';
import { applyMigrations } from './migrate.js';
import { seedDatabase } from './seed.js';

/** Migrations, then the idempotent seed: what every database needs before the processes start. */
export async function prepareDatabase(db: Database): Promise<void> {
  await applyMigrations(db);
  await seedDatabase(db);
}
