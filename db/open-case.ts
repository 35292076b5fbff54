/**
 * A new case in the read model, in one transaction: its row, and the rows and audit events of
 * its opening (computed by the same pure code its workflow runs, so the workflow's first write
 * finds them already there). Written before the workflow starts: a crash in between leaves a
 * row the sweep starts the workflow of.
 */
import type postgres from 'postgres';
import type { Actor, CaseStartInput, CaseSync } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import type { CaseSyncWriter } from './case-sync.js';
import { GENESIS_HASH } from './audit-chain.js';
import { sqlStateOf } from './client.js';

/**
 * Returns `created: false` when this very case already exists (a retried request); throws
 * CASE_ALREADY_OPEN when another case of the project is open.
 */
export async function insertOpenedCase(
  sql: postgres.Sql,
  writer: CaseSyncWriter,
  opening: { input: CaseStartInput; openedBy: Actor; acceptedOn: string; syncs: CaseSync[] },
): Promise<{ created: boolean }> {
  const { input, openedBy, acceptedOn, syncs } = opening;
  const { project } = input;
  // the opening's writes follow one another in the chain, from its start
  let prevHash = GENESIS_HASH;
  const payloads = syncs.map((sync) => {
    const payload = writer.payloadOf(sync, prevHash) as { events: { hash: string }[] };
    prevHash = payload.events.at(-1)?.hash ?? prevHash;
    return payload;
  });
  const caseRow = {
    case_id: input.caseId,
    project_code: project.projectCode,
    project_name: project.projectName,
    project_type: project.projectType,
    applicant: project.applicant,
    location: project.location,
    total_investment: project.totalInvestment,
    land_area: project.landArea,
    floor_area: project.floorArea,
    materials: input.materials,
    status: 'open',
    current_stage: input.plan.stages[0]?.code ?? 'land-use-planning',
    awaiting: 'departments',
    catalog_version: input.plan.catalogVersion,
    accepted_at: new Date(input.acceptedAtMs).toISOString(),
    accepted_on: acceptedOn,
    opened_by: openedBy,
    start_input: input,
    // millisecond precision, like the list cursor that carries it
    created_at: new Date().toISOString(),
  };
  try {
    const [row] = await sql<{ result: { created: boolean } }[]>`
      select approval_open_case(${JSON.stringify({ case: caseRow, syncs: payloads })}::jsonb) as result`;
    return { created: row?.result.created === true };
  } catch (error) {
    const constraint = (error as { constraint_name?: string }).constraint_name;
    if (sqlStateOf(error) === '23505' && constraint === 'cases_one_open_per_project') {
      const [open] = await sql<{ case_id: string }[]>`select case_id from cases where project_code = ${project.projectCode} and status = 'open'`;
      throw new AppError('CASE_ALREADY_OPEN', `project ${project.projectCode} already has an open case`, {
        caseId: open?.case_id ?? null,
        projectCode: project.projectCode,
      });
    }
    throw error;
  }
}
