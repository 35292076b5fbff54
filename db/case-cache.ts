/**
 * Case rows kept between reads of the case lists, so a page of cases that have not changed is
 * not fetched, parsed and mapped again (a `gov-building` case is some 7 KB of rows; a page of 50
 * was most of a list request's time).
 *
 * Every read checks each kept case against a fingerprint PostgreSQL computes from the
 * transaction ids (`xmin`) of the case's row and of each of its stage, task, certificate and
 * escalation rows. Any insert, update or delete of any of them, by any writer (the workflow's
 * sync, an administrator's recovery, a hand-run statement), gives the row a new `xmin` or changes
 * the list, so the fingerprint changes and the case is read again: nothing relies on writers
 * remembering to bump a version. The fingerprint is read before the rows, so a kept copy is never
 * older than the fingerprint it is kept under; a write in between only costs one more read.
 *
 * Lights and day counts are not kept: they move with the clock and are computed per request from
 * the rows (api/views.ts). Each API process keeps its own copies, least recently used first out.
 */
import type { Database } from './client.js';
import { findCasesWithRows, type CaseWithRows } from './queries.js';

export interface CaseRowCache {
  /** The cases with their rows, in the order of `caseIds` (a case that is gone is left out). */
  load(caseIds: string[]): Promise<CaseWithRows[]>;
  stats(): { size: number; limit: number; hits: number; misses: number };
}

export function createCaseRowCache(db: Database, options: { limit: number }): CaseRowCache {
  const kept = new Map<string, { fingerprint: string; row: CaseWithRows }>();
  let hits = 0;
  let misses = 0;

  const fingerprints = async (caseIds: string[]): Promise<Map<string, string>> => {
    const rows = await db.$client<{ case_id: string; fingerprint: string }[]>`
      select c.case_id, md5(concat_ws('|', c.xmin::text,
        (select string_agg(s.xmin::text, ',' order by s.code) from stages s where s.case_id = c.case_id),
        (select string_agg(t.xmin::text, ',' order by t.task_id) from tasks t where t.case_id = c.case_id),
        (select string_agg(x.xmin::text, ',' order by x.number) from certificates x where x.case_id = c.case_id),
        (select string_agg(e.xmin::text, ',' order by e.escalation_id) from escalations e where e.case_id = c.case_id)
      )) as fingerprint
      from cases c where c.case_id = any(${caseIds}::text[])`;
    return new Map(rows.map((r) => [r.case_id, r.fingerprint]));
  };

  const keep = (caseId: string, fingerprint: string, row: CaseWithRows) => {
    kept.delete(caseId);
    kept.set(caseId, { fingerprint, row });
    while (kept.size > options.limit) kept.delete(kept.keys().next().value!);
  };

  return {
    async load(caseIds) {
      if (caseIds.length === 0) return [];
      const inOrder = (found: Map<string, CaseWithRows>) =>
        caseIds.map((caseId) => found.get(caseId)).filter((row): row is CaseWithRows => row !== undefined);
      if (options.limit === 0) return inOrder(new Map((await findCasesWithRows(db, caseIds)).map((row) => [row.caseId, row])));
      const current = await fingerprints(caseIds);
      const found = new Map<string, CaseWithRows>();
      const stale: string[] = [];
      for (const caseId of caseIds) {
        const copy = kept.get(caseId);
        const fingerprint = current.get(caseId);
        if (fingerprint === undefined) {
          kept.delete(caseId);
        } else if (copy && copy.fingerprint === fingerprint) {
          found.set(caseId, copy.row);
          keep(caseId, fingerprint, copy.row);
          hits += 1;
        } else {
          stale.push(caseId);
        }
      }
      misses += stale.length;
      for (const row of await findCasesWithRows(db, stale)) {
        found.set(row.caseId, row);
        keep(row.caseId, current.get(row.caseId)!, row);
      }
      return inOrder(found);
    },
    stats: () => ({ size: kept.size, limit: options.limit, hits, misses }),
  };
}
