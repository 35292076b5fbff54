/**
 * Recomputes every case's audit hash chain from the stored events and names each first broken
 * link (the same check as GET /v1/cases/{caseId}/events?verify=true). Exit status 1 when any
 * chain is broken. Reads DATABASE_URL, or the local stack's embedded database.
 */
import { loadLocalStackConfig } from '../config.js';
import { verifyStoredChains } from '../db/audit-verification.js';
import { connectDatabase } from '../db/client.js';
import { localDatabaseUrl } from './lib/local-addresses.js';

const database = connectDatabase(localDatabaseUrl(loadLocalStackConfig()), { max: 2 });
try {
  const report = await verifyStoredChains(database.db);
  for (const { caseId, brokenAtSeq } of report.broken) console.log(`BROKEN\t${caseId}\tfirst broken link at seq ${brokenAtSeq}`);
  console.log(`${report.cases} cases, ${report.events} events: ${report.broken.length === 0 ? 'every chain verified' : `${report.broken.length} broken`}`);
  if (report.broken.length > 0) process.exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
} finally {
  await database.close();
}
