/**
 * The supervision board's selection (SPEC §4 *Board entry*): open cases at risk, worst first,
 * one page at a time, straight from indexes. Each case row carries the moments the board needs
 * (db/schema.ts `board_*`, kept by every write of its workflow); the light they give at `now` is
 * the one domain/supervision.ts computes from the tasks, so a page is read in rank order:
 *
 *   0 red     the earliest running deadline has passed        by that task's working-day index (the most
 *                                                             working days overdue first), escalation level, case
 *   1 yellow  a running task is in its warning window        by escalation level, case
 *   2 green   nothing due, but stalled, escalated or faulted by escalation level, case
 *   3 paused  no clock runs, but at risk for such a reason   by escalation level, case
 *
 * Each rank is one ordered index scan from the cursor; the page takes ranks in turn until full.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { StallRules } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import type { Light } from '../domain/light.js';
import type { BoardReason } from '../domain/supervision.js';
import type { Database } from './client.js';
import { decodeCursor, encodeCursor } from './queries.js';

export interface BoardFilter {
  department?: string;
  light?: Light;
  reason?: BoardReason;
  limit: number;
  cursor?: string;
  now: Date;
}

export interface BoardCaseRow {
  caseId: string;
  projectCode: string;
  projectName: string;
  currentStage: string;
  rank: number;
  dueIndex: number | null;
  escalationLevel: number;
  faulted: boolean;
  stalled: Partial<StallRules> | null;
  materialsOverdueAt: number | null;
}

const RANK_OF_LIGHT: Partial<Record<Light, number>> = { red: 0, yellow: 1, green: 2, paused: 3 };

/** The condition that puts an open case in a rank at `now`. */
function rankCondition(rank: number, now: SQL): SQL {
  const atRisk = sql`(board_from <= ${now} or fault is not null)`;
  switch (rank) {
    case 0:
      return sql`board_deadline < ${now}`;
    case 1:
      return sql`(board_deadline is null or board_deadline >= ${now}) and board_yellow_from <= ${now}`;
    case 2:
      return sql`board_running and board_deadline >= ${now} and board_yellow_from > ${now} and ${atRisk}`;
    default:
      return sql`not board_running and ${atRisk}`;
  }
}

function reasonCondition(reason: BoardReason | undefined, now: SQL): SQL | null {
  switch (reason) {
    case 'escalated':
      return sql`escalation_level > 0`;
    case 'fault':
      return sql`fault is not null`;
    case 'no_activity':
      return sql`board_no_activity_at <= ${now}`;
    case 'applicant_silent':
      return sql`board_applicant_silent_at <= ${now}`;
    case 'materials_overdue':
      return sql`materials_overdue_at <= ${now}`;
    default:
      return null;
  }
}

/** The ranks a filter can reach: a light or reason that names one rank narrows to it. */
function ranksFor(filter: BoardFilter): number[] {
  if (filter.light) {
    const rank = RANK_OF_LIGHT[filter.light];
    return rank === undefined ? [] : [rank];
  }
  if (filter.reason === 'overdue') return [0];
  if (filter.reason === 'due_soon') return [1];
  return [0, 1, 2, 3];
}

/** A page of the board's cases, worst first, and the cursor of the next page. */
export async function findBoardCases(db: Database, filter: BoardFilter): Promise<{ rows: BoardCaseRow[]; nextCursor: string | null }> {
  const now = sql`${filter.now.toISOString()}::timestamptz`;
  let after: { rank: number; dueIndex: number; level: number; caseId: string } | null = null;
  if (filter.cursor) {
    const [rank, dueIndex, level, caseId] = decodeCursor(filter.cursor, 4) as [string, string, string, string];
    if (!/^[0-3]$/.test(rank) || !/^\d+$/.test(level) || !/^\d*$/.test(dueIndex)) {
      throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { field: 'cursor' });
    }
    after = { rank: Number(rank), dueIndex: Number(dueIndex), level: Number(level), caseId };
  }
  const rows: BoardCaseRow[] = [];
  const want = filter.limit + 1;
  for (const rank of ranksFor(filter)) {
    if (rows.length >= want) break;
    if (after && rank < after.rank) continue;
    const conditions: SQL[] = [sql`status = 'open'`, rankCondition(rank, now)];
    const reason = reasonCondition(filter.reason, now);
    if (reason) conditions.push(reason);
    if (filter.department) conditions.push(sql`${filter.department} = any(board_departments)`);
    if (after && rank === after.rank) {
      conditions.push(
        rank === 0
          ? sql`(board_due_index, -escalation_level, case_id) > (${after.dueIndex}, ${-after.level}, ${after.caseId})`
          : sql`(-escalation_level, case_id) > (${-after.level}, ${after.caseId})`,
      );
    }
    const order = rank === 0 ? sql`board_due_index, escalation_level desc, case_id` : sql`escalation_level desc, case_id`;
    const found = await db.execute<{
      case_id: string;
      project_code: string;
      project_name: string;
      current_stage: string;
      board_due_index: number | null;
      escalation_level: number;
      faulted: boolean;
      stalled: Partial<StallRules> | null;
      materials_overdue_at: string | null;
    }>(sql`
      select case_id, project_code, project_name, current_stage, board_due_index, escalation_level,
        fault is not null as faulted, stall_rules as stalled, materials_overdue_at
      from cases where ${sql.join(conditions, sql` and `)}
      order by ${order}
      limit ${want - rows.length}`);
    for (const r of found) {
      rows.push({
        caseId: r.case_id,
        projectCode: r.project_code,
        projectName: r.project_name,
        currentStage: r.current_stage,
        rank,
        dueIndex: r.board_due_index,
        escalationLevel: r.escalation_level,
        faulted: r.faulted,
        stalled: r.stalled,
        materialsOverdueAt: r.materials_overdue_at === null ? null : new Date(r.materials_overdue_at).getTime(),
      });
    }
  }
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > filter.limit && last ? encodeCursor([String(last.rank), String(last.dueIndex ?? ''), String(last.escalationLevel), last.caseId]) : null;
  return { rows: page, nextCursor };
}
