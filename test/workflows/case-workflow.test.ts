/**
 * The case workflow against Temporal's time-skipping test server, a real Worker and the real
 * read-model activity writing to PostgreSQL. Each test opens its own case at 09:30 local on a
 * working day, so no decision lands near midnight, and computes what it expects from that moment.
 *
 * Time only moves forward and is shared by every test of this file: the National Day story at
 * the end jumps to September 2027 and must stay last.
 */
import { and, eq } from 'drizzle-orm';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stages } from '../../db/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeMaterials } from '../support/materials.js';
import { findCertificatesOfCase, findStagesOfCase } from '../../db/queries.js';
import { addDays, computeDeadline, WorkingCalendar, type YearSchedule } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { SYSTEM_ACTOR } from '../../domain/case-types.js';
import { computeAwaiting, currentStage } from '../../workflows/case-machine.js';
import {
  calendarChangedSignal,
  decideUpdate,
  deliverMaterialsUpdate,
  grantExtensionUpdate,
  submitStageApplicationUpdate,
  submitSupplementUpdate,
  syncedUpdate,
  withdrawUpdate,
} from '../../workflows/case-workflow.js';
import {
  ADMIN,
  approve,
  approveCurrentStage,
  COORDINATOR,
  createWorkflowTestEnv,
  expectIntactHashChain,
  handOutResults,
  getState,
  readAuditEvents,
  readCaseRow,
  readTaskRow,
  refusalOf,
  reviewer,
  skipToLocal,
  skipToNextWorkingMorning,
  sleepUntil,
  submitStageApplication,
  taskIdOf,
  taskOf,
  WINDOW,
  workingMorningAfter,
  type OpenedCase,
  type WorkflowTestEnv,
} from '../support/workflow-env.js';

const HOUR = 3_600_000;

let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await createWorkflowTestEnv();
});
afterAll(async () => t?.close());

/** Opens a case at 09:30 on the next working day and waits until its opening is in the read model. */
async function openCaseOnNextWorkingMorning(projectType: string): Promise<OpenedCase> {
  await skipToNextWorkingMorning(t);
  const opened = await t.openCase({ projectType });
  await opened.handle.executeUpdate(syncedUpdate, { args: [] });
  return opened;
}

async function auditTypes(opened: OpenedCase): Promise<string[]> {
  return (await readAuditEvents(t, opened.caseId)).map((e) => e.type);
}

async function auditEventsOfType(opened: OpenedCase, type: string): Promise<Record<string, unknown>[]> {
  return (await readAuditEvents(t, opened.caseId))
    .filter((e) => e.type === type)
    .map((e) => JSON.parse(e.canonical) as Record<string, unknown>);
}

async function requestSupplement(opened: OpenedCase, itemCode: string, actor = reviewer('nrp')) {
  return opened.handle.executeUpdate(decideUpdate, {
    args: [
      {
        taskId: taskIdOf(opened, itemCode),
        decision: 'request_supplement',
        opinion: '请补正材料',
        missingMaterials: ['用地红线图', '土地权属证明'],
        actor,
      },
    ],
  });
}

/** land-site-review (10 committed days) asks for materials on the 3rd working day of its clock. */
async function openAndRequestOnThirdWorkingDay(): Promise<{ opened: OpenedCase; requestedAt: number }> {
  const opened = await openCaseOnNextWorkingMorning('gov-building');
  const startDate = t.calendar.nextWorkingDayAfter(t.calendar.localDate(opened.input.acceptedAtMs));
  await skipToLocal(t, t.calendar.addWorkingDays(startDate, 3));
  await requestSupplement(opened, 'land-site-review');
  const requestedAt = taskOf(await getState(opened), 'land-site-review').supplement?.requestedAt;
  if (requestedAt === undefined) throw new Error('land-site-review has no supplement request');
  return { opened, requestedAt };
}

async function resubmit(opened: OpenedCase, itemCode: string) {
  return opened.handle.executeUpdate(submitSupplementUpdate, {
    args: [{ taskId: taskIdOf(opened, itemCode), materials: [{ name: '用地红线图' }, { name: '土地权属证明' }], actor: WINDOW }],
  });
}

describe('approval', () => {
  it('keeps land-use-permit blocked until land-site-review is approved, then starts its clock at that moment', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    const permitId = taskIdOf(opened, 'land-use-permit');
    expect(taskOf(await getState(opened), 'land-use-permit')).toMatchObject({ status: 'blocked', run: null, pendingSinceMs: null });
    expect(await readTaskRow(t, permitId)).toMatchObject({ status: 'blocked', dueDate: null, deadline: null });

    await t.env.sleep('2 hours');
    await approve(opened, 'land-site-review');

    const state = await getState(opened);
    const approvedAt = taskOf(state, 'land-site-review').decision?.at;
    if (approvedAt === undefined) throw new Error('land-site-review has no decision');
    expect(approvedAt).toBeGreaterThanOrEqual(opened.input.acceptedAtMs + 2 * HOUR);
    const startDate = t.calendar.nextWorkingDayAfter(t.calendar.localDate(approvedAt));
    const dueDate = t.calendar.addWorkingDays(startDate, 5);
    const permit = taskOf(state, 'land-use-permit');
    expect(permit.status).toBe('pending');
    expect(permit.pendingSinceMs).toBe(approvedAt);
    expect(permit.run).toMatchObject({ fromMs: approvedAt, workingDays: 5, startDate, dueDate, deadlineMs: t.calendar.endOfDay(dueDate) });

    expect(await readTaskRow(t, permitId)).toMatchObject({
      status: 'pending',
      startDate,
      dueDate,
      deadline: new Date(t.calendar.endOfDay(dueDate)),
      pendingSince: new Date(approvedAt),
    });
    const started = await auditEventsOfType(opened, 'task_started');
    expect(started.at(-1)).toMatchObject({ data: { taskId: permitId, startDate, dueDate } });
    expect((await auditTypes(opened)).slice(-2)).toEqual(['task_decided', 'task_started']);
  });

  it('issues the certificate an approved item names (建设用地规划许可证), and none for items without one', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await approve(opened, 'project-approval');
    expect((await getState(opened)).certificates).toEqual([]);

    await approve(opened, 'land-use-permit');

    const state = await getState(opened);
    const decidedAt = taskOf(state, 'land-use-permit').decision?.at;
    expect(state.certificates).toEqual([
      {
        number: `${opened.caseId}-01`,
        name: '建设用地规划许可证',
        itemCode: 'land-use-permit',
        taskId: taskIdOf(opened, 'land-use-permit'),
        holder: opened.input.project.applicant.name,
        projectCode: opened.input.project.projectCode,
        issuedAtMs: decidedAt,
        verificationCode: expect.stringMatching(/^[0-9A-F]{12}$/) as unknown as string,
      },
    ]);
    const [stored] = await findCertificatesOfCase(t.database.db, opened.caseId);
    expect(stored).toMatchObject({
      number: `${opened.caseId}-01`,
      name: '建设用地规划许可证',
      holder: opened.input.project.applicant.name,
      verificationCode: state.certificates[0]?.verificationCode,
      issuedAt: new Date(decidedAt ?? 0),
    });
    expect(await auditEventsOfType(opened, 'certificate_issued')).toHaveLength(1);
  });

  it('approves the stage when all its tasks are approved; the case then awaits the applicant', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await approve(opened, 'project-approval');
    expect(currentStage(await getState(opened)).status).toBe('in_review');

    await approve(opened, 'land-use-permit');

    const state = await getState(opened);
    expect(state.status).toBe('open');
    expect(state.stages[0]).toMatchObject({ code: 'land-use-planning', status: 'approved' });
    expect(state.stages[1]).toMatchObject({ code: 'engineering-permit', status: 'not_started' });
    expect(computeAwaiting(state)).toBe('applicant');
    expect(await readCaseRow(t, opened.caseId)).toMatchObject({
      status: 'open',
      awaiting: 'applicant',
      currentStage: 'engineering-permit',
    });
    const stages = await findStagesOfCase(t.database.db, opened.caseId);
    expect(stages.map((s) => [s.code, s.status])).toEqual([
      ['land-use-planning', 'approved'],
      ['engineering-permit', 'not_started'],
      ['construction-permit', 'not_started'],
      ['completion-acceptance', 'not_started'],
    ]);
    expect((await auditTypes(opened)).at(-1)).toBe('stage_approved');
  });

  it('refuses an application for a stage the case does not await with STAGE_NOT_AWAITED', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    expect(await refusalOf(submitStageApplication(opened, 'engineering-permit'))).toBe('STAGE_NOT_AWAITED');

    await approveCurrentStage(opened);

    expect(await refusalOf(submitStageApplication(opened, 'construction-permit'))).toBe('STAGE_NOT_AWAITED');
    expect(await refusalOf(submitStageApplication(opened, 'land-use-planning'))).toBe('STAGE_NOT_AWAITED');
    expect(currentStage(await getState(opened)).code).toBe('land-use-planning');
  });

  it('opens stage 2 on its application, its clocks starting at the application', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await approveCurrentStage(opened);
    // Waiting for the applicant is the applicant's time: a week passes.
    await t.env.sleep('7 days');

    await submitStageApplication(opened, 'engineering-permit');

    const state = await getState(opened);
    const stage = currentStage(state);
    expect(stage).toMatchObject({ code: 'engineering-permit', status: 'in_review' });
    // the materials cross into the read model once, from the stage_opened event, not from state
    const [stageRow] = await t.database.db
      .select()
      .from(stages)
      .where(and(eq(stages.caseId, opened.caseId), eq(stages.code, 'engineering-permit')));
    expect(stageRow?.materials).toEqual(completeMaterials('social-small', 'engineering-permit'));
    const openedAt = stage.openedAtMs ?? 0;
    const design = taskOf(state, 'design-scheme-review');
    expect(design).toMatchObject({ status: 'pending', pendingSinceMs: openedAt });
    expect(design.run).toMatchObject({
      fromMs: openedAt,
      workingDays: 10,
      startDate: t.calendar.nextWorkingDayAfter(t.calendar.localDate(openedAt)),
    });
    expect(taskOf(state, 'planning-permit').status).toBe('blocked');
    expect(computeAwaiting(state)).toBe('departments');
    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ awaiting: 'departments', currentStage: 'engineering-permit' });
    expect(await readTaskRow(t, design.taskId)).toMatchObject({ status: 'pending', dueDate: design.run?.dueDate });
  });

  it('completes a social-small case after its four stages, with four certificates and an intact audit chain', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await approveCurrentStage(opened);
    await submitStageApplication(opened, 'engineering-permit');
    await approveCurrentStage(opened);
    await submitStageApplication(opened, 'construction-permit');
    await approveCurrentStage(opened);
    await t.env.sleep('60 days'); // construction
    await submitStageApplication(opened, 'completion-acceptance');
    await approveCurrentStage(opened);
    // the case is completed; its workflow stays until the window has handed out the results
    expect((await getState(opened)).status).toBe('completed');
    await handOutResults(opened);

    const final = await opened.handle.result();
    expect(final.status).toBe('completed');
    expect(final.stages.map((s) => s.status)).toEqual(['approved', 'approved', 'approved', 'approved']);
    expect(final.certificates.map((c) => c.itemCode)).toEqual([
      'land-use-permit',
      'planning-permit',
      'construction-permit',
      'completion-filing',
    ]);
    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ status: 'completed', awaiting: null, closedAt: new Date(final.closedAtMs ?? 0) });
    expect(await findCertificatesOfCase(t.database.db, opened.caseId)).toHaveLength(4);
    const events = await readAuditEvents(t, opened.caseId);
    expect(events.map((e) => e.type).slice(-5)).toEqual(['case_completed', ...Array(4).fill('result_handed_out')]);
    expect(final.stages.map((s) => s.trips)).toEqual([2, 2, 2, 2]);
    expectIntactHashChain(events);
  });
});

describe('an opening the API wrote (openingWritten)', () => {
  it('is not written again by the workflow, and the next write continues its audit chain', async () => {
    await skipToNextWorkingMorning(t);
    const opened = await t.openCase({ projectType: 'social-small', openingWritten: true });
    const written = await readAuditEvents(t, opened.caseId);
    expect(written.map((e) => e.type).slice(0, 2)).toEqual(['case_opened', 'stage_opened']);
    await opened.handle.executeUpdate(syncedUpdate, { args: [] });
    // the first workflow task ran (the update answered) without a read-model write
    const markers = async () =>
      (await opened.handle.fetchHistory()).events?.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
    expect(await markers()).toBe(0);

    await approve(opened, 'project-approval');
    expect(await markers()).toBeGreaterThan(0);
    const events = await readAuditEvents(t, opened.caseId);
    expect(events.slice(0, written.length)).toEqual(written);
    expect(events.length).toBeGreaterThan(written.length);
    expectIntactHashChain(events);
    expect(await readTaskRow(t, taskIdOf(opened, 'project-approval'))).toMatchObject({ status: 'approved' });
  });
});

describe('rejection', () => {
  it('rejects the stage and the case on a reasoned rejection, cancelling the stage’s other open tasks', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    await approve(opened, 'project-approval');

    await opened.handle.executeUpdate(decideUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), decision: 'reject', opinion: '选址位于水源保护区', actor: reviewer('eco') }],
    });
    await handOutResults(opened);

    const final = await opened.handle.result();
    expect(final.status).toBe('rejected');
    expect(final.stages[0]?.status).toBe('rejected');
    const statuses = Object.fromEntries(final.tasks.map((task) => [task.itemCode, task.status]));
    expect(statuses).toEqual({
      'project-approval': 'approved',
      'land-site-review': 'cancelled',
      'land-use-permit': 'cancelled',
      eia: 'rejected',
      'heritage-survey': 'cancelled',
    });
    expect(taskOf(final, 'eia').decision).toMatchObject({ decision: 'reject' });
    // the opinion never sits in workflow state: it is in its event and the read model
    expect(taskOf(final, 'eia').decision).not.toHaveProperty('opinion');
    expect((await readTaskRow(t, taskIdOf(opened, 'eia'))).decisionText).toEqual({ opinion: '选址位于水源保护区', conditions: [] });

    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ status: 'rejected', awaiting: null });
    for (const task of final.tasks) expect((await readTaskRow(t, task.taskId)).status).toBe(task.status);
    const types = await auditTypes(opened);
    expect(types.slice(-7)).toEqual([
      'task_decided',
      'task_cancelled',
      'task_cancelled',
      'task_cancelled',
      'stage_rejected',
      'case_rejected',
      'result_handed_out',
    ]);
    expect(final.stages[0]?.rejectionLetter?.number).toBe(`${opened.caseId}-BY1`);
  });

  it('refuses every later request once the case is rejected', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await opened.handle.executeUpdate(decideUpdate, {
      args: [{ taskId: taskIdOf(opened, 'project-approval'), decision: 'reject', opinion: '不符合产业政策', actor: reviewer('drc') }],
    });
    await handOutResults(opened);
    await opened.handle.result();
    const eventsBefore = (await readAuditEvents(t, opened.caseId)).length;

    // The workflow has finished: Temporal itself refuses (the API answers CASE_CLOSED).
    await expect(approve(opened, 'land-use-permit')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(
      opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '撤回', actor: WINDOW }] }),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(submitStageApplication(opened, 'engineering-permit')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await readAuditEvents(t, opened.caseId)).toHaveLength(eventsBefore);
  });
});

describe('who may decide', () => {
  it('refuses a reviewer of another department with FORBIDDEN', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    const eiaByDrc = opened.handle.executeUpdate(decideUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), decision: 'approve', actor: reviewer('drc') }],
    });
    expect(await refusalOf(eiaByDrc)).toBe('FORBIDDEN');
    expect(taskOf(await getState(opened), 'eia').status).toBe('pending');
    expect(await auditTypes(opened)).not.toContain('task_decided');
  });

  it('refuses a second decision on a decided task, and any decision on a blocked one, with TASK_NOT_PENDING', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    await approve(opened, 'project-approval');

    expect(await refusalOf(approve(opened, 'project-approval'))).toBe('TASK_NOT_PENDING');
    expect(await refusalOf(approve(opened, 'land-use-permit'))).toBe('TASK_NOT_PENDING');
    expect(await auditEventsOfType(opened, 'task_decided')).toHaveLength(1);
  });

  it('lets an administrator decide for any department', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    await opened.handle.executeUpdate(decideUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), decision: 'approve', actor: ADMIN }],
    });
    expect(taskOf(await getState(opened), 'eia').decision).toMatchObject({ decision: 'approve', by: ADMIN });
  });
});

describe('supplementary materials (补正)', () => {
  it('pauses the clock on a request, banking the working days used before the request day', async () => {
    const { opened, requestedAt } = await openAndRequestOnThirdWorkingDay();

    const task = taskOf(await getState(opened), 'land-site-review');
    expect(task).toMatchObject({ status: 'awaiting_supplement', usedBeforeRun: 2 });
    expect(task.supplement).toEqual({ requestedAt, resubmittedAt: null });
    expect(task.supplementRounds).toBe(1);
    const row = await readTaskRow(t, task.taskId);
    expect(row).toMatchObject({ status: 'awaiting_supplement', usedWorkingDays: 2 });
    expect(row.supplement).toMatchObject({ requestedAt, resubmittedAt: null });
    expect(row.supplementText).toEqual({ opinion: '请补正材料', missingMaterials: ['用地红线图', '土地权属证明'] });
    expect(await auditEventsOfType(opened, 'supplement_requested')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ usedWorkingDays: 2, remainingWorkingDays: 8 }) as unknown }),
    ]);
  });

  it('restarts the clock on the first working day after the resubmission, with the remaining days', async () => {
    const { opened, requestedAt } = await openAndRequestOnThirdWorkingDay();
    // Resubmitted the next working day, in the afternoon.
    const resubmittedAt = workingMorningAfter(t.calendar, t.calendar.localDate(requestedAt), 14, 0);
    await sleepUntil(t.env, resubmittedAt);

    await resubmit(opened, 'land-site-review');

    const task = taskOf(await getState(opened), 'land-site-review');
    const restart = task.supplement?.resubmittedAt ?? 0;
    expect(restart).toBeGreaterThanOrEqual(resubmittedAt);
    const startDate = t.calendar.nextWorkingDayAfter(t.calendar.localDate(restart));
    const dueDate = t.calendar.addWorkingDays(startDate, 8);
    expect(task).toMatchObject({ status: 'pending', usedBeforeRun: 2, decision: null });
    expect(task.run).toMatchObject({ fromMs: restart, workingDays: 8, startDate, dueDate });
    expect(await readTaskRow(t, task.taskId)).toMatchObject({
      status: 'pending',
      startDate,
      dueDate,
      remainingWorkingDays: 8,
      deadline: new Date(t.calendar.endOfDay(dueDate)),
    });
    expect(await auditEventsOfType(opened, 'supplement_submitted')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ remainingWorkingDays: 8, dueDate }) as unknown }),
    ]);
  });

  it('refuses materials for a task not awaiting them, and a decision on a paused task', async () => {
    const { opened } = await openAndRequestOnThirdWorkingDay();
    const forPending = opened.handle.executeUpdate(submitSupplementUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), materials: [{ name: 'x' }], actor: WINDOW }],
    });
    expect(await refusalOf(forPending)).toBe('TASK_NOT_AWAITING_SUPPLEMENT');
    expect(await refusalOf(approve(opened, 'land-site-review'))).toBe('TASK_NOT_PENDING');
  });

  it('withdraws the case (deemed withdrawn) when no supplement arrives within 20 working days', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await opened.handle.executeUpdate(decideUpdate, {
      args: [
        {
          taskId: taskIdOf(opened, 'project-approval'),
          decision: 'request_supplement',
          opinion: '缺少可行性研究报告',
          missingMaterials: ['可行性研究报告'],
          actor: reviewer('drc'),
        },
      ],
    });
    const requestedAt = taskOf(await getState(opened), 'project-approval').supplement?.requestedAt ?? 0;
    const limit = computeDeadline(t.calendar, requestedAt, 20);

    await sleepUntil(t.env, limit.deadlineMs - HOUR);
    const before = await getState(opened);
    expect(before.status).toBe('open');
    expect(taskOf(before, 'project-approval').status).toBe('awaiting_supplement');

    await sleepUntil(t.env, limit.deadlineMs + HOUR);
    const final = await opened.handle.result();
    expect(final.status).toBe('withdrawn');
    expect(final.closedAtMs).toBeGreaterThan(limit.deadlineMs);
    expect(final.closedAtMs).toBeLessThan(limit.deadlineMs + HOUR);
    expect(final.stages[0]?.status).toBe('cancelled');
    expect(final.tasks.map((task) => task.status)).toEqual(['cancelled', 'cancelled']);

    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ status: 'withdrawn', awaiting: null });
    const dueAt = t.calendar.formatInstant(limit.deadlineMs + 1);
    expect(await auditEventsOfType(opened, 'supplement_expired')).toEqual([
      expect.objectContaining({ actor: { sub: 'system', name: 'system', role: 'system' }, data: { taskId: taskIdOf(opened, 'project-approval'), dueAt } }),
    ]);
    expect(await auditEventsOfType(opened, 'case_withdrawn')).toEqual([
      expect.objectContaining({ data: { reason: 'deemed_withdrawn', taskId: taskIdOf(opened, 'project-approval'), dueAt } }),
    ]);
  });
});

describe('deemed consent (超时默许)', () => {
  it('approves heritage-survey by deemed consent at its deadline', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    const deadline = computeDeadline(t.calendar, opened.input.acceptedAtMs, 10);
    expect(taskOf(await getState(opened), 'heritage-survey').run?.deadlineMs).toBe(deadline.deadlineMs);

    await sleepUntil(t.env, deadline.deadlineMs - 60_000);
    expect(taskOf(await getState(opened), 'heritage-survey').status).toBe('pending');

    await sleepUntil(t.env, deadline.deadlineMs + HOUR);
    const task = taskOf(await getState(opened), 'heritage-survey');
    // The timer fires at 24:00 of the due day (the first instant after the deadline); the consent
    // is dated at the deadline itself (23:59:59.999), all 10 working days used.
    const endOfDueDay = t.calendar.startOfDay(addDays(deadline.dueDate, 1));
    expect(endOfDueDay).toBe(deadline.deadlineMs + 1);
    expect(task).toMatchObject({ status: 'approved', usedBeforeRun: 10, decidedAtMs: deadline.deadlineMs });
    expect(task.decision).toEqual({ decision: 'deemed_consent', by: SYSTEM_ACTOR, at: deadline.deadlineMs });
    expect((await readTaskRow(t, task.taskId)).decisionText).toEqual({ opinion: null, conditions: [] });
    // Only heritage-survey had deemed consent: the others keep waiting for their reviewers.
    expect(taskOf(await getState(opened), 'project-approval').status).toBe('pending');

    expect(await readTaskRow(t, task.taskId)).toMatchObject({
      status: 'approved',
      decidedAt: new Date(deadline.deadlineMs),
      decision: { decision: 'deemed_consent', at: deadline.deadlineMs },
    });
    expect(await auditEventsOfType(opened, 'task_decided')).toEqual([
      expect.objectContaining({
        actor: { sub: 'system', name: 'system', role: 'system' },
        data: expect.objectContaining({ taskId: task.taskId, decision: 'deemed_consent', dueAt: t.calendar.formatInstant(endOfDueDay) }) as unknown,
      }),
    ]);
  });

  it('waits for an extended deadline before consenting', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    const original = computeDeadline(t.calendar, opened.input.acceptedAtMs, 10);
    const extended = computeDeadline(t.calendar, opened.input.acceptedAtMs, 12);
    await opened.handle.executeUpdate(grantExtensionUpdate, {
      args: [{ taskId: taskIdOf(opened, 'heritage-survey'), workingDays: 2, reason: '需现场勘查', actor: COORDINATOR }],
    });

    await sleepUntil(t.env, original.deadlineMs + HOUR);
    expect(taskOf(await getState(opened), 'heritage-survey').status).toBe('pending');

    await sleepUntil(t.env, extended.deadlineMs + HOUR);
    expect(taskOf(await getState(opened), 'heritage-survey')).toMatchObject({
      status: 'approved',
      decision: { decision: 'deemed_consent', at: extended.deadlineMs },
    });
  });
});

describe('extension (延长)', () => {
  it('moves a running deadline by the granted working days', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    const before = taskOf(await getState(opened), 'eia').run;
    if (!before) throw new Error('eia is not running');

    await opened.handle.executeUpdate(grantExtensionUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), workingDays: 3, reason: '需组织专家论证', actor: COORDINATOR }],
    });

    const dueDate = t.calendar.addWorkingDays(t.calendar.nextWorkingDayAfter(before.dueDate), 3);
    const task = taskOf(await getState(opened), 'eia');
    expect(task.extension).toMatchObject({ workingDays: 3, by: COORDINATOR });
    expect((await readTaskRow(t, task.taskId)).extensionReason).toBe('需组织专家论证');
    expect(task.run).toMatchObject({ fromMs: before.fromMs, startDate: before.startDate, workingDays: 23, dueDate });
    expect(await readTaskRow(t, task.taskId)).toMatchObject({
      dueDate,
      deadline: new Date(t.calendar.endOfDay(dueDate)),
      extension: { workingDays: 3 },
      extensionReason: '需组织专家论证',
    });
    expect(await auditEventsOfType(opened, 'extension_granted')).toEqual([
      expect.objectContaining({ data: { taskId: task.taskId, workingDays: 3, reason: '需组织专家论证', dueDate } }),
    ]);
  });

  it('refuses a second extension of a task with EXTENSION_ALREADY_GRANTED, and one of a decided task', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    const extend = (itemCode: string, workingDays: number) =>
      opened.handle.executeUpdate(grantExtensionUpdate, {
        args: [{ taskId: taskIdOf(opened, itemCode), workingDays, reason: '延长', actor: COORDINATOR }],
      });
    await extend('eia', 5);
    const dueDate = taskOf(await getState(opened), 'eia').run?.dueDate;

    expect(await refusalOf(extend('eia', 2))).toBe('EXTENSION_ALREADY_GRANTED');
    expect(taskOf(await getState(opened), 'eia').run?.dueDate).toBe(dueDate);

    await approve(opened, 'project-approval');
    expect(await refusalOf(extend('project-approval', 2))).toBe('TASK_NOT_OPEN');
  });
  it('adds an extension granted while paused to the days left when the clock restarts', async () => {
    const { opened, requestedAt } = await openAndRequestOnThirdWorkingDay();
    const pausedRun = taskOf(await getState(opened), 'land-site-review').run;

    await opened.handle.executeUpdate(grantExtensionUpdate, {
      args: [{ taskId: taskIdOf(opened, 'land-site-review'), workingDays: 4, reason: '需补充踏勘', actor: COORDINATOR }],
    });
    expect(taskOf(await getState(opened), 'land-site-review').run).toEqual(pausedRun);
    // No clock runs while paused, so the extension names no due date yet.
    expect(await auditEventsOfType(opened, 'extension_granted')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ workingDays: 4, dueDate: null }) as unknown }),
    ]);

    await sleepUntil(t.env, workingMorningAfter(t.calendar, t.calendar.localDate(requestedAt)));
    await resubmit(opened, 'land-site-review');

    const run = taskOf(await getState(opened), 'land-site-review').run;
    const startDate = t.calendar.nextWorkingDayAfter(t.calendar.localDate(run?.fromMs ?? 0));
    expect(run).toMatchObject({ workingDays: 12, startDate, dueDate: t.calendar.addWorkingDays(startDate, 12) });
  });
});

describe('容缺受理: a material to follow', () => {
  it('blocks the item until it arrives: no approval, no deemed consent at the deadline, consent when it comes late', async () => {
    await skipToNextWorkingMorning(t);
    const opened = await t.openCase({ projectType: 'gov-building', deferredMaterials: ['heritage-survey.archaeological-report'] });
    await opened.handle.executeUpdate(syncedUpdate, { args: [] });
    const acceptedAt = opened.input.acceptedAtMs;
    const due = computeDeadline(t.calendar, acceptedAt, 5).dueDate;
    const opening = await getState(opened);
    expect(opening.pendingMaterials).toEqual([
      { stage: 'land-use-planning', itemCode: 'heritage-survey', code: 'heritage-survey.archaeological-report', copies: 1, dueDate: due },
    ]);
    expect(await readCaseRow(t, opened.caseId)).toMatchObject({
      materialsOverdueAt: new Date(t.calendar.endOfDay(due) + 1),
      pendingMaterials: [expect.objectContaining({ code: 'heritage-survey.archaeological-report', name: '考古调查、勘探报告', dueDate: due })],
    });

    // the department may not approve while the material is owed; the window may not deliver what is not owed
    expect(await refusalOf(approve(opened, 'heritage-survey'))).toBe('MATERIALS_PENDING');
    expect(
      await refusalOf(
        opened.handle.executeUpdate(deliverMaterialsUpdate, { args: [{ materials: [{ name: '环评报告', code: 'eia.report' }], actor: WINDOW }] }),
      ),
    ).toBe('MATERIALS_NOT_PENDING');

    // past the item's deadline (deemed consent would come), nothing happens while the material is owed
    const deadlineMs = taskOf(opening, 'heritage-survey').run?.deadlineMs ?? 0;
    await sleepUntil(t.env, deadlineMs + 2 * 24 * HOUR);
    expect(taskOf(await getState(opened), 'heritage-survey').status).toBe('pending');

    // the material arrives late: consent is deemed at once, dated at the delivery
    const delivered = await t.env.currentTimeMs();
    await opened.handle.executeUpdate(deliverMaterialsUpdate, {
      args: [{ materials: [{ name: '考古调查勘探报告', code: 'heritage-survey.archaeological-report' }], actor: WINDOW }],
    });
    const after = await getState(opened);
    expect(after.pendingMaterials).toEqual([]);
    const heritage = taskOf(after, 'heritage-survey');
    expect(heritage.decision?.decision).toBe('deemed_consent');
    expect(heritage.decidedAtMs).toBeGreaterThanOrEqual(delivered);
    expect(after.stages[0]?.trips).toBe(2);
    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ pendingMaterials: [], materialsOverdueAt: null });
  });

  it('refuses a stage application that lacks a material, naming every missing one at once', async () => {
    const opened = await openCaseOnNextWorkingMorning('social-small');
    await approveCurrentStage(opened);
    const failure = await opened.handle
      .executeUpdate(submitStageApplicationUpdate, {
        args: [{ stage: 'engineering-permit', materials: completeMaterials('social-small', 'engineering-permit', ['design-scheme']), actor: WINDOW }],
      })
      .catch((error: unknown) => error as WorkflowUpdateFailedError);
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (failure as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('MATERIALS_INCOMPLETE');
    const missing = (cause.details?.[0] as { missing: { itemCode: string; code: string }[] }).missing;
    expect(missing.map((m) => m.code)).toEqual(expect.arrayContaining(['design-scheme']));
    expect(new Set(missing.map((m) => m.code))).toEqual(new Set(['design-scheme']));
    expect(currentStage(await getState(opened)).code).toBe('land-use-planning');
  });
});

describe('withdrawal', () => {
  it('withdraws the case at the window’s request, cancelling the open tasks and the stage', async () => {
    const opened = await openCaseOnNextWorkingMorning('gov-building');
    await approve(opened, 'project-approval');

    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目调整', actor: WINDOW }] });

    const final = await opened.handle.result();
    expect(final.status).toBe('withdrawn');
    expect(final.stages[0]?.status).toBe('cancelled');
    expect(final.tasks.filter((task) => task.status === 'cancelled').map((task) => task.itemCode)).toEqual([
      'land-site-review',
      'land-use-permit',
      'eia',
      'heritage-survey',
    ]);
    expect(await readCaseRow(t, opened.caseId)).toMatchObject({ status: 'withdrawn', awaiting: null });
    expect(await auditEventsOfType(opened, 'case_withdrawn')).toEqual([
      expect.objectContaining({ actor: { sub: WINDOW.sub, name: WINDOW.name, role: 'window' }, data: { reason: '项目调整' } }),
    ]);
  });
});

describe('concurrency', () => {
  it.each([
    ['approve', 'reject'],
    ['reject', 'approve'],
  ] as const)(
    'lets exactly one of two concurrent decisions (%s, %s) on a task win; the other is refused TASK_NOT_PENDING',
    async (first, second) => {
      const opened = await openCaseOnNextWorkingMorning('gov-building');
      const taskId = taskIdOf(opened, 'eia');
      const decide = (decision: 'approve' | 'reject', sub: string) =>
        opened.handle.executeUpdate(decideUpdate, {
          args: [{ taskId, decision, opinion: `${sub} 的意见`, actor: { ...reviewer('eco'), sub } }],
        });

      const outcomes = await Promise.allSettled([decide(first, 'eco-a'), decide(second, 'eco-b')]);

      const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(losers).toHaveLength(1);
      expect(await refusalOf(Promise.reject(losers[0]?.reason))).toBe('TASK_NOT_PENDING');
      const winner = outcomes[0]?.status === 'fulfilled' ? 'eco-a' : 'eco-b';
      const decided = await auditEventsOfType(opened, 'task_decided');
      expect(decided).toHaveLength(1);
      expect(decided[0]).toMatchObject({ actor: { sub: winner }, data: { taskId } });
      expect(taskOf(await getState(opened), 'eia').decision?.by.sub).toBe(winner);
    },
  );
});

// Must stay last: it moves the shared clock to September 2027.
describe('a deadline across the National Day holiday of 2027 (no published schedule yet)', () => {
  let opened: OpenedCase;

  /** What an administrator might publish for 2027: 国庆 10-01..10-07, make-up days 09-26 and 10-09. */
  const published2027: YearSchedule = {
    year: 2027,
    version: 1,
    holidays: [
      { from: '2027-01-01', to: '2027-01-01', name: '元旦' },
      { from: '2027-09-15', to: '2027-09-15', name: '中秋节' },
      { from: '2027-10-01', to: '2027-10-07', name: '国庆节' },
    ],
    makeUpDays: ['2027-09-26', '2027-10-09'],
  };

  beforeAll(async () => {
    await skipToLocal(t, '2027-09-20'); // a Monday
    opened = await t.openCase({ projectType: 'gov-building' });
    await opened.handle.executeUpdate(syncedUpdate, { args: [] });
  });

  it('counts eia’s 20 working days from 09-21 to 10-19, skipping the statutory 10-01..10-03, marked provisional', async () => {
    const eia = taskOf(await getState(opened), 'eia');
    expect(eia.run).toMatchObject({ startDate: '2027-09-21', dueDate: '2027-10-19' });
    expect(eia.run?.derivation).toMatchObject({ provisional: true, calendarVersion: '2027@provisional', makeUpDaysUsed: [] });
    expect(eia.run?.derivation.skipped).toContainEqual({ date: '2027-10-01', reason: 'holiday' });
    expect(eia.run?.derivation.countedDays).toHaveLength(20);

    const row = await readTaskRow(t, eia.taskId);
    expect(row).toMatchObject({ startDate: '2027-09-21', dueDate: '2027-10-19' });
    expect(row.derivation).toMatchObject({ provisional: true, dueDate: '2027-10-19' });
    expect(taskOf(await getState(opened), 'heritage-survey').run?.dueDate).toBe('2027-10-05');
  });

  it('recomputes running deadlines when the 2027 schedule is published (calendarChanged), recording calendar_applied', async () => {
    await opened.handle.signal(calendarChangedSignal, {
      calendar: [...SEED_SCHEDULES, published2027],
      year: 2027,
      actor: ADMIN,
    });
    await opened.handle.executeUpdate(syncedUpdate, { args: [] });

    const state = await getState(opened);
    const eia = taskOf(state, 'eia');
    // 09-21..24, 09-26 (make-up Sunday), 09-27..30, 10-08, 10-09 (make-up Saturday), 10-11..15, 10-18..21
    expect(eia.run).toMatchObject({ startDate: '2027-09-21', dueDate: '2027-10-21' });
    expect(eia.run?.derivation).toMatchObject({ provisional: false, calendarVersion: '2027@1', makeUpDaysUsed: ['2027-09-26', '2027-10-09'] });
    expect(taskOf(state, 'heritage-survey').run?.dueDate).toBe('2027-10-08');
    const published = new WorkingCalendar([...SEED_SCHEDULES, published2027], 'Asia/Shanghai');
    expect(eia.run?.deadlineMs).toBe(published.endOfDay('2027-10-21'));

    expect(await readTaskRow(t, eia.taskId)).toMatchObject({ dueDate: '2027-10-21', derivation: { provisional: false } });
    expect(await auditEventsOfType(opened, 'calendar_applied')).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ sub: ADMIN.sub }) as unknown,
        data: {
          year: 2027,
          tasks: expect.arrayContaining([
            { taskId: eia.taskId, before: '2027-10-19', after: '2027-10-21' },
            { taskId: taskIdOf(opened, 'heritage-survey'), before: '2027-10-05', after: '2027-10-08' },
          ]) as unknown,
        },
      }),
    ]);
  });

  it('consents for heritage-survey at the end of its recomputed due day, not the provisional one', async () => {
    const published = new WorkingCalendar([...SEED_SCHEDULES, published2027], 'Asia/Shanghai');
    await sleepUntil(t.env, published.startOfDay('2027-10-06') + HOUR);
    expect(taskOf(await getState(opened), 'heritage-survey').status).toBe('pending');

    await sleepUntil(t.env, published.startOfDay('2027-10-09') + HOUR);
    expect(taskOf(await getState(opened), 'heritage-survey')).toMatchObject({
      status: 'approved',
      decision: { decision: 'deemed_consent', at: published.endOfDay('2027-10-08') },
    });
    expect(published.formatInstant(published.startOfDay('2027-10-09'))).toBe('2027-10-09T00:00:00.000+08:00');
  });
});
