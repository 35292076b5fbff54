/**
 * Opening a case (受理), the fast way: the API computes the opening with the same pure code the
 * workflow runs (createInitialState + openCase), writes the case row with the opening's rows and
 * audit events in one transaction, then starts the workflow, and answers. One start and one
 * commit, nothing to wait for: the workflow's first write finds the opening already there.
 *
 * It waits for the workflow only when the workflow has more to do at once than the opening:
 * a back-dated case whose timers have already passed (they fire in the first workflow task), or
 * a calendar year published while the case was opening (the case is told, and its clocks move).
 */
import type { Client } from '@temporalio/client';
import { createHash, randomBytes } from 'node:crypto';
import type { Actor, CaseStartInput } from '../domain/case-types.js';
import { resolveCasePlan } from '../domain/catalog.js';
import { AppError } from '../domain/errors.js';
import { checkMaterials, stageChecklist } from '../domain/materials.js';
import { incompleteness } from '../workflows/counter.js';
import type { YearSchedule } from '../domain/calendar.js';
import type { CaseSyncWriter } from '../db/case-sync.js';
import type { Database } from '../db/client.js';
import { findCalendarYears, findCaseRow, markWorkflowStarted } from '../db/queries.js';
import { insertOpenedCase } from '../db/open-case.js';
import { createInitialState, listTimers, openCase as applyOpening, type CaseState } from '../workflows/case-machine.js';
import { calendarChangedSignal, CURRENT_WORKFLOW_VERSION } from '../workflows/case-workflow.js';
import { buildSyncs } from '../workflows/sync.js';
import type { ReferenceData } from './reference-data.js';
import { signalCase, startCaseWorkflow, waitForCaseSynced } from './temporal-edge.js';

const CASE_ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Case IDs read well at a counter: C + acceptance date + 8 characters; derived from the
 * Idempotency-Key when there is one, so a retried request names the same case. */
export function newCaseId(localDate: string, subject: string, key: string | undefined): string {
  return counterId('C', localDate, subject, key);
}

/** An intake notice's number (一次性告知书), named like a case: N + date + 8 characters. */
export function newNoticeNumber(localDate: string, subject: string, key: string | undefined): string {
  return counterId('N', localDate, subject, key);
}

function counterId(prefix: 'C' | 'N', localDate: string, subject: string, key: string | undefined): string {
  const kind = prefix === 'C' ? 'case' : 'notice';
  const bytes = key
    ? createHash('sha256').update(`${kind}\u0000${subject}\u0000${key}\u0000${localDate}`).digest()
    : randomBytes(8);
  const suffix = Array.from(bytes.subarray(0, 8), (b) => CASE_ID_ALPHABET[b % 32]).join('');
  return `${prefix}${localDate.replace(/-/g, '')}-${suffix}`;
}

export interface OpeningDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  timeZone: string;
  reference: ReferenceData;
  writer: CaseSyncWriter;
}

export interface OpeningRequest {
  caseId: string;
  project: CaseStartInput['project'];
  materials: CaseStartInput['materials'];
  /** 容缺受理: checklist codes to follow */
  deferredMaterials: string[];
  acceptedAtMs: number;
  actor: Actor;
}

/** 409 CASE_ALREADY_OPEN when another case of the project is open. */
async function assertNoOpenCase(sql: Database['$client'], projectCode: string, caseId: string): Promise<void> {
  const [open] = await sql<{ case_id: string }[]>`select case_id from cases where project_code = ${projectCode} and status = 'open' and case_id <> ${caseId}`;
  if (open) throw new AppError('CASE_ALREADY_OPEN', `project ${projectCode} already has an open case`, { caseId: open.case_id, projectCode });
}

/** Trips before the opening (SPEC §6.0 Trips): notices the counter gave the project since its previous case closed. */
async function countPriorNotices(sql: Database['$client'], projectCode: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from intake_notices
    where project_code = ${projectCode} and case_id is null
      and issued_at > coalesce((select max(closed_at) from cases where project_code = ${projectCode} and status <> 'open'), '-infinity')`;
  return row?.n ?? 0;
}

const versionsOf = (years: YearSchedule[]) => years.map((y) => `${y.year}@${y.version}`).join(',');

/**
 * Writes the case row with its opening: the opening's rows and audit events, computed by the pure
 * code the workflow runs, as the workflow computes them for a case of this version. The input it
 * stores (and returns, to start the workflow with) says so (`openingWritten`), so the workflow
 * does not write the opening again. `created: false` for a case already written.
 */
export async function writeOpening(
  deps: Pick<OpeningDependencies, 'db' | 'writer'>,
  opening: CaseStartInput,
  acceptedOn: string,
): Promise<{ created: boolean; state: CaseState; input: CaseStartInput }> {
  const input: CaseStartInput = { ...opening, openingWritten: true };
  const state = createInitialState(input);
  // as the workflow does for a case of this version
  state.ladder = true;
  applyOpening(state);
  const syncs = buildSyncs(state, state.unflushed, state.outbox ?? []);
  const { created } = await insertOpenedCase(deps.db.$client, deps.writer, { input, openedBy: input.openedBy, acceptedOn, syncs });
  return { created, state, input };
}

/** Starts a written case's workflow and marks it started, so the sweep leaves the case alone. */
export async function startOpenedCase(db: Database, temporal: Client, taskQueue: string, input: CaseStartInput): Promise<void> {
  await startCaseWorkflow(temporal, taskQueue, input);
  await markWorkflowStarted(db, input.caseId);
}

/** Opens the case (or, for a retry, makes sure the case it named is running, unless it has closed since). */
export async function openNewCase(deps: OpeningDependencies, request: OpeningRequest): Promise<void> {
  const [catalog, rules, calendar] = await Promise.all([deps.reference.catalog(), deps.reference.rules(), deps.reference.calendarYears()]);
  const input: CaseStartInput = {
    caseId: request.caseId,
    project: request.project,
    materials: request.materials,
    plan: resolveCasePlan(catalog, request.project.projectType),
    acceptedAtMs: request.acceptedAtMs,
    openedBy: request.actor,
    calendar,
    timeZone: deps.timeZone,
    rules,
    workflowVersion: CURRENT_WORKFLOW_VERSION,
    ...(request.deferredMaterials.length > 0 ? { deferredMaterials: request.deferredMaterials } : {}),
  };
  // 一次性告知: everything the stage-1 set lacks, at once (after the project's 409: 422 comes last)
  const problem = incompleteness(checkMaterials(stageChecklist(input.plan, 'land-use-planning'), input.materials, request.deferredMaterials));
  if (problem) {
    await assertNoOpenCase(deps.db.$client, request.project.projectCode, input.caseId);
    throw new AppError('MATERIALS_INCOMPLETE', problem.message, problem.details);
  }
  const priorTrips = await countPriorNotices(deps.db.$client, request.project.projectCode);
  if (priorTrips > 0) input.priorTrips = priorTrips;
  const acceptedOn = (await deps.reference.calendar()).localDate(input.acceptedAtMs);
  const { created, state, input: written } = await writeOpening(deps, input, acceptedOn);
  // a retry starts the case its first attempt wrote, as it was written
  const firstAttempt = created ? undefined : await findCaseRow(deps.db, input.caseId);
  // ...unless that case has closed since (the sweep started it): its workflow has run and ended
  if (firstAttempt && firstAttempt.status !== 'open') return;
  const startInput = firstAttempt?.startInput ?? written;

  // If this fails the row stays: whether or not Temporal took the start, the sweep (or a retry
  // with the same Idempotency-Key, which names the same case) starts it.
  await startOpenedCase(deps.db, deps.temporal, deps.taskQueue, startInput);

  // A year published between reading the calendar and starting the workflow would miss this
  // case (the publication tells the cases it finds): compare, and tell the case.
  const current = await findCalendarYears(deps.db);
  let told = false;
  if (versionsOf(current) !== versionsOf(startInput.calendar)) {
    const changed = current.find((y) => !startInput.calendar.some((c) => c.year === y.year && c.version === y.version));
    await signalCase(deps.temporal, input.caseId, calendarChangedSignal, [
      { calendar: current, year: changed?.year ?? current.at(-1)?.year ?? 0, actor: request.actor },
    ]);
    told = true;
  }
  const timersDue = listTimers(state).some((timer) => timer.at <= Date.now());
  if (!created || told || timersDue) await waitForCaseSynced(deps.temporal, input.caseId);
}
