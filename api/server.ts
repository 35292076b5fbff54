/** The API process. */
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { runApi } from './run.js';

const config = loadConfig();
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
const stop = await runApi(config, database.db);

async function shutdown(): Promise<void> {
  await stop();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
