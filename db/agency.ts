/**
 * 代办 in the read model (SPEC §6.4): key projects with their agents, the activities recorded
 * for them, and the `agency` figures of /v1/stats. Written by the case workflow's writes
 * (db/case-sync.ts); read here.
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { AgencyCategory, Person } from '../domain/case-types.js';
import type { StageCode } from '../domain/catalog.js';
import type { Light } from '../domain/light.js';
import type { Database } from './client.js';
import { caseLightCondition, caseLightSql, olderThanCursor, toPage } from './queries.js';
import { agencyActivities, cases } from './schema.js';

export type AgencyActivityRow = typeof agencyActivities.$inferSelect;

export async function findAgencyActivity(db: Database, activityId: string): Promise<AgencyActivityRow | undefined> {
  const [row] = await db.select().from(agencyActivities).where(eq(agencyActivities.activityId, activityId));
  return row;
}

/** A case's activities, latest first. */
export async function findAgencyActivities(
  db: Database,
  caseId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ rows: AgencyActivityRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [eq(agencyActivities.caseId, caseId)];
  if (page.cursor) conditions.push(olderThanCursor(page.cursor, agencyActivities.at, agencyActivities.activityId));
  const rows = await db
    .select()
    .from(agencyActivities)
    .where(and(...conditions))
    .orderBy(desc(agencyActivities.at), desc(agencyActivities.activityId))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => [r.at.toISOString(), r.activityId]);
}

export interface AgencyProjectRow {
  caseId: string;
  projectCode: string;
  projectName: string;
  category: AgencyCategory;
  agent: Person;
  since: Date;
  light: Light;
  currentStage: StageCode;
  openProblems: number;
  lastActivityAt: Date | null;
}

/** Key projects, most recently designated first, with their light, open problems and last activity. */
export async function findAgencyProjects(
  db: Database,
  filter: { agent?: string | undefined; category?: AgencyCategory | undefined; light?: Light | undefined; now: Date; limit: number; cursor?: string | undefined },
): Promise<{ rows: AgencyProjectRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [sql`${cases.agencySince} is not null`];
  if (filter.agent !== undefined) conditions.push(sql`${cases.agencyAgent}->>'sub' = ${filter.agent}`);
  if (filter.category !== undefined) conditions.push(eq(cases.agencyCategory, filter.category));
  if (filter.light !== undefined) conditions.push(caseLightCondition(filter.light, filter.now));
  if (filter.cursor) conditions.push(olderThanCursor(filter.cursor, cases.agencySince, cases.caseId));
  const rows = await db
    .select({
      caseId: cases.caseId,
      projectCode: cases.projectCode,
      projectName: cases.projectName,
      category: cases.agencyCategory,
      agent: cases.agencyAgent,
      since: cases.agencySince,
      light: caseLightSql(filter.now),
      currentStage: cases.currentStage,
      openProblems: sql<number>`(select count(*)::int from ${agencyActivities} a
        where a.case_id = ${cases.caseId} and a.problem_status = 'open')`,
      lastActivityAt: sql<string | null>`(select max(a.at) from ${agencyActivities} a where a.case_id = ${cases.caseId})`,
    })
    .from(cases)
    .where(and(...conditions))
    .orderBy(desc(cases.agencySince), desc(cases.caseId))
    .limit(filter.limit + 1);
  const page = toPage(rows, filter.limit, (r) => [r.since!.toISOString(), r.caseId]);
  return {
    rows: page.rows.map(
      (r): AgencyProjectRow => ({
        ...r,
        category: r.category!,
        agent: r.agent!,
        since: r.since!,
        openProblems: Number(r.openProblems),
        lastActivityAt: r.lastActivityAt === null ? null : new Date(r.lastActivityAt),
      }),
    ),
    nextCursor: page.nextCursor,
  };
}

export interface AgencyStats {
  /** key projects designated in the period */
  projects: number;
  /** their tasks that became pending in the period */
  itemsHandled: number;
  /** their tasks approved in the period */
  itemsCompleted: number;
  /** problems solved in the period */
  problemsSolved: number;
  /** follow-up visits in the period */
  followUps: number;
}

/** SPEC §6.4's `agency` block of /v1/stats, between two instants (the period's first and last local day). */
export async function computeAgencyStats(db: Database, from: Date, to: Date): Promise<AgencyStats> {
  const start = from.toISOString();
  const end = to.toISOString();
  const [row] = await db.execute<Record<keyof AgencyStats, number>>(sql`
    select
      (select count(*)::int from cases where agency_since between ${start}::timestamptz and ${end}::timestamptz) as "projects",
      (select count(*)::int from tasks t join cases c on c.case_id = t.case_id
        where c.agency_since is not null and t.pending_since between ${start}::timestamptz and ${end}::timestamptz) as "itemsHandled",
      (select count(*)::int from tasks t join cases c on c.case_id = t.case_id
        where c.agency_since is not null and t.status = 'approved'
          and t.decided_at between ${start}::timestamptz and ${end}::timestamptz) as "itemsCompleted",
      (select count(*)::int from agency_activities where solved_at between ${start}::timestamptz and ${end}::timestamptz) as "problemsSolved",
      (select count(*)::int from agency_activities
        where kind = 'follow_up' and at between ${start}::timestamptz and ${end}::timestamptz) as "followUps"`);
  return {
    projects: Number(row?.projects ?? 0),
    itemsHandled: Number(row?.itemsHandled ?? 0),
    itemsCompleted: Number(row?.itemsCompleted ?? 0),
    problemsSolved: Number(row?.problemsSolved ?? 0),
    followUps: Number(row?.followUps ?? 0),
  };
}
