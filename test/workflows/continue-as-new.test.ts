/**
 * A case's history stays bounded: past its history limit the workflow continues as new with its
 * state, and the case carries on — same workflow ID, same audit chain, same read model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_CODES } from '../../domain/catalog.js';
import { escalateUpdate } from '../../workflows/case-workflow.js';
import {
  approveCurrentStage,
  handOutResults,
  COORDINATOR,
  createWorkflowTestEnv,
  expectIntactHashChain,
  getState,
  readAuditEvents,
  readCaseRow,
  submitStageApplication,
  type WorkflowTestEnv,
} from '../support/workflow-env.js';

let t: WorkflowTestEnv;
beforeAll(async () => {
  t = await createWorkflowTestEnv();
});
afterAll(async () => t?.close());

describe('continue-as-new', () => {
  it('continues as new when the history passes its limit, and completes the case with nothing lost', async () => {
    const opened = await t.openCase({ projectType: 'social-small', historyLimit: 20 });
    const firstRunId = (await opened.handle.describe()).runId;

    for (const [index, stage] of STAGE_CODES.entries()) {
      if (index > 0) await submitStageApplication(opened, stage);
      await approveCurrentStage(opened);
    }
    await handOutResults(opened);

    const latest = await t.client.workflow.getHandle(opened.handle.workflowId).describe();
    expect(latest.runId).not.toBe(firstRunId);
    expect(latest.status.name).toBe('COMPLETED');

    const state = await getState(opened);
    expect(state.status).toBe('completed');
    expect(state.tasks).toHaveLength(10);
    expect(state.tasks.every((task) => task.status === 'approved')).toBe(true);
    expect(state.certificates.map((c) => c.itemCode).sort()).toEqual(
      ['completion-filing', 'construction-permit', 'land-use-permit', 'planning-permit'].sort(),
    );

    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ status: 'completed', version: state.seq });
    const events = await readAuditEvents(t, opened.caseId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expectIntactHashChain(events);
  });
});

describe('a retried request across continue-as-new', () => {
  it('answers with the first result and applies nothing twice', async () => {
    const opened = await t.openCase({ projectType: 'social-small', historyLimit: 20 });
    const firstRunId = (await opened.handle.describe()).runId;
    const escalate = () =>
      opened.handle.executeUpdate(escalateUpdate, {
        args: [{ reason: '重点项目', level: 3, actor: COORDINATOR }],
        updateId: 'retried-escalation-1',
      });
    const first = await escalate();
    expect(first.escalationId).toBeDefined();

    // enough work to pass the history limit: the case continues as new
    await approveCurrentStage(opened);
    await submitStageApplication(opened, 'engineering-permit');
    const current = await t.client.workflow.getHandle(opened.handle.workflowId).describe();
    expect(current.runId).not.toBe(firstRunId);

    const again = await escalate();
    expect(again).toEqual(first);
    const state = await getState(opened);
    expect(state.escalations?.filter((e) => e.origin === 'coordinator')).toHaveLength(1);
  });
});
