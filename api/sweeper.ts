/**
 * A case's row is written before its workflow starts, so a crash in between leaves a row with
 * no workflow. The sweep starts those workflows (starting is idempotent on the workflow ID).
 */
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { findUnstartedCases } from '../db/queries.js';
import { startOpenedCase } from './opening.js';

/** Starts the workflow of every case whose row is older than `graceMs` and not known to have started; returns their IDs. */
export async function startUnstartedCases(db: Database, temporal: Client, taskQueue: string, graceMs: number): Promise<string[]> {
  const rows = await findUnstartedCases(db, new Date(Date.now() - graceMs));
  for (const row of rows) await startOpenedCase(db, temporal, taskQueue, row.startInput);
  return rows.map((r) => r.caseId);
}
