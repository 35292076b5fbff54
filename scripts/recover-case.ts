/**
 * The administrator's recovery of a stopped case from the command line (the same as
 * POST /v1/admin/cases/{caseId}/recover): `--list` shows faulted cases; `<caseId> retry|reset|close
 * <reason>` recovers one. Reads DATABASE_URL and TEMPORAL_ADDRESS, or the local stack's defaults.
 */
import { Client, Connection } from '@temporalio/client';
import { isNotNull } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { recoverCase, type RecoveryAction } from '../api/recovery.js';
import { loadLocalStackConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { cases } from '../db/schema.js';
import { buildConnectionOptions } from '../temporal.config.js';
import { localDatabaseUrl, localTemporalAddress } from './lib/local-addresses.js';

const ACTIONS: readonly RecoveryAction[] = ['retry', 'reset', 'close'];
const [first, action, ...reasonWords] = process.argv.slice(2);
const reason = reasonWords.join(' ').trim();
if (!first || (first !== '--list' && (!ACTIONS.includes(action as RecoveryAction) || !reason))) {
  console.error('usage: scripts/recover-case --list\n       scripts/recover-case <caseId> <retry|reset|close> <reason>');
  process.exit(2);
}

const stack = loadLocalStackConfig();
const database = connectDatabase(localDatabaseUrl(stack), { max: 2 });
try {
  if (first === '--list') {
    const rows = await database.db
      .select({ caseId: cases.caseId, projectCode: cases.projectCode, fault: cases.fault })
      .from(cases)
      .where(isNotNull(cases.fault));
    if (rows.length === 0) console.log('no faulted cases');
    for (const row of rows) console.log(`${row.caseId}\t${row.projectCode}\t${row.fault?.kind}\t${row.fault?.message}`);
  } else {
    const connection = await Connection.connect(
      buildConnectionOptions({ ...stack.temporal, address: localTemporalAddress(stack) }, (p) => readFileSync(p)),
    );
    try {
      const temporal = new Client({ connection, namespace: stack.temporal.namespace });
      const actor = { sub: `admin-cli:${userInfo().username}`, name: userInfo().username, role: 'admin' as const };
      await recoverCase({ db: database.db, temporal, timeZone: stack.timeZone }, first, action as RecoveryAction, reason, actor);
      console.log(`case ${first}: ${action} done`);
    } finally {
      await connection.close();
    }
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await database.close();
}
