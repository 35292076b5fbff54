/** Applies migrations and seeds the catalog and calendar on DATABASE_URL. Idempotent. */
import { loadLocalStackConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';

const url = loadLocalStackConfig().databaseUrl;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const database = connectDatabase(url, { max: 1 });
try {
  await prepareDatabase(database.db);
  console.log('database migrated and seeded');
} finally {
  await database.close();
}
