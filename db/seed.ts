/**
 * Seeds the catalog and the published calendar years. Idempotent: existing rows are kept, so an
 * administrator's later edits survive a restart; a new catalog version in the file is added.
 */
import catalogSeed from './seed/catalog.json' with { type: 'json' };
import rulesSeed from './seed/rules.json' with { type: 'json' };
import { SEED_SCHEDULES } from '../domain/calendar-seed.js';
import { validateCatalog, type Catalog } from '../domain/catalog.js';
import type { Database } from './client.js';
import type { ClockRules } from '../domain/case-types.js';
import { calendarPublications, calendarYears, catalogVersions, settings } from './schema.js';

export const SEED_CATALOG = catalogSeed as Catalog;
export const SEED_RULES = rulesSeed as ClockRules;
export const RULES_KEY = 'rules';

export async function seedDatabase(db: Database): Promise<void> {
  const problems = validateCatalog(SEED_CATALOG);
  if (problems.length > 0) throw new Error(`catalog seed is invalid: ${problems.join('; ')}`);
  await db
    .insert(catalogVersions)
    .values({ version: SEED_CATALOG.version, data: SEED_CATALOG })
    .onConflictDoNothing();
  const seeded = SEED_SCHEDULES.map((s) => ({
    year: s.year,
    version: s.version,
    holidays: s.holidays,
    makeUpDays: s.makeUpDays,
    publishedAt: new Date(),
    publishedBy: null,
  }));
  await db.insert(calendarYears).values(seeded).onConflictDoNothing();
  await db.insert(calendarPublications).values(seeded).onConflictDoNothing();
  await db.insert(settings).values({ key: RULES_KEY, value: SEED_RULES }).onConflictDoNothing();
}
