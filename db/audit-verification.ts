/**
 * Verifies the stored audit chains of every case (scripts/verify-audit): each case's events are
 * read in seq order and checked link by link (db/audit-chain.ts verifyChain). Cases are walked in
 * pages so a city's archive does not have to fit in memory.
 */
import { asc, gt } from 'drizzle-orm';
import { verifyChain } from './audit-chain.js';
import type { Database } from './client.js';
import { findAuditEvents } from './queries.js';
import { cases } from './schema.js';

export interface ChainReport {
  cases: number;
  events: number;
  broken: { caseId: string; brokenAtSeq: number }[];
}

export async function verifyStoredChains(db: Database, options: { pageSize?: number; onCase?: (caseId: string) => void } = {}): Promise<ChainReport> {
  const pageSize = options.pageSize ?? 500;
  const report: ChainReport = { cases: 0, events: 0, broken: [] };
  let after = '';
  for (;;) {
    const page = await db
      .select({ caseId: cases.caseId })
      .from(cases)
      .where(gt(cases.caseId, after))
      .orderBy(asc(cases.caseId))
      .limit(pageSize);
    for (const { caseId } of page) {
      const events = await findAuditEvents(db, caseId);
      const { verified, brokenAtSeq } = verifyChain(events);
      report.cases += 1;
      report.events += events.length;
      if (!verified && brokenAtSeq !== null) report.broken.push({ caseId, brokenAtSeq });
      options.onCase?.(caseId);
    }
    if (page.length < pageSize) return report;
    after = page[page.length - 1]!.caseId;
  }
}
