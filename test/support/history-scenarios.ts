/**
 * The scenarios whose workflow histories are committed under test/workflows/histories/ and
 * replayed by test/workflows/replay.test.ts. Recorded only on request (see
 * test/workflows/record-histories.record.ts).
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { computeDeadline } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import {
  calendarChangedSignal,
  decideUpdate,
  deliverMaterialsUpdate,
  designateAgencyUpdate,
  recordAgencyActivityUpdate,
  solveAgencyProblemUpdate,
  escalateUpdate,
  handOutUpdate,
  issueIntakeNoticeUpdate,
  submitStageSupplementUpdate,
  grantExtensionUpdate,
  resolveEscalationUpdate,
  submitSupplementUpdate,
  withdrawUpdate,
} from '../../workflows/case-workflow.js';
import {
  ADMIN,
  approve,
  approveCurrentStage,
  COORDINATOR,
  getState,
  reviewer,
  sleepUntil,
  submitStageApplication,
  taskIdOf,
  taskOf,
  WINDOW,
  type OpenedCase,
  type WorkflowTestEnv,
} from './workflow-env.js';

export const HISTORIES_DIR = fileURLToPath(new URL('../workflows/histories/', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Each scenario drives one case to its end; its history is recorded as <name>.json. */
export const SCENARIOS: Record<string, (t: WorkflowTestEnv) => Promise<OpenedCase>> = {
  /** social-small through all four stages, with time between them; completes. */
  async 'happy-path-social-small'(t) {
    const opened = await t.openCase({ projectType: 'social-small' });
    await approveCurrentStage(opened);
    await t.env.sleep('5 days');
    await submitStageApplication(opened, 'engineering-permit');
    await approveCurrentStage(opened);
    await submitStageApplication(opened, 'construction-permit');
    await approveCurrentStage(opened);
    await t.env.sleep('90 days');
    await submitStageApplication(opened, 'completion-acceptance');
    await approveCurrentStage(opened);
    return opened;
  },

  /** gov-building: one approval, then eia rejects; the stage's other tasks are cancelled. */
  async rejection(t) {
    const opened = await t.openCase({ projectType: 'gov-building' });
    await approve(opened, 'project-approval');
    await opened.handle.executeUpdate(decideUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), decision: 'reject', opinion: '选址位于水源保护区', actor: reviewer('eco') }],
    });
    return opened;
  },

  /** social-small: drc asks for materials, the window resubmits three days later, the stage is approved, then withdrawn. */
  async 'supplement-round-trip'(t) {
    const opened = await t.openCase({ projectType: 'social-small' });
    await t.env.sleep('2 days');
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
    await t.env.sleep('3 days');
    await opened.handle.executeUpdate(submitSupplementUpdate, {
      args: [{ taskId: taskIdOf(opened, 'project-approval'), materials: [{ name: '可行性研究报告' }], actor: WINDOW }],
    });
    await approveCurrentStage(opened);
    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目调整', actor: WINDOW }] });
    return opened;
  },

  /**
   * gov-building: an extension of eia, a calendar publication (signal), heritage-survey approved
   * by deemed consent when its timer fires; then withdrawn.
   */
  async 'deemed-consent'(t) {
    const opened = await t.openCase({ projectType: 'gov-building' });
    await opened.handle.executeUpdate(grantExtensionUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), workingDays: 5, reason: '需组织专家论证', actor: COORDINATOR }],
    });
    await opened.handle.signal(calendarChangedSignal, { calendar: SEED_SCHEDULES, year: 2026, actor: ADMIN });
    const deadlineMs = taskOf(await getState(opened), 'heritage-survey').run?.deadlineMs ?? 0;
    await sleepUntil(t.env, deadlineMs + DAY);
    expect(taskOf(await getState(opened), 'heritage-survey').decision?.decision).toBe('deemed_consent');
    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目终止', actor: WINDOW }] });
    return opened;
  },

  /** social-small: a supplement never comes; the timer withdraws the case after 20 working days. */
  async 'supplement-timeout'(t) {
    const opened = await t.openCase({ projectType: 'social-small' });
    await opened.handle.executeUpdate(decideUpdate, {
      args: [
        {
          taskId: taskIdOf(opened, 'land-use-permit'),
          decision: 'request_supplement',
          opinion: '缺少用地红线图',
          missingMaterials: ['用地红线图'],
          actor: reviewer('nrp'),
        },
      ],
    });
    await t.env.sleep('40 days');
    return opened;
  },

  /**
   * social-small with the escalation ladder (a run started after `patched('escalation-ladder')`):
   * both five-day tasks get their reminder, level 1 and level 2; a coordinator escalates the case
   * and resolves it; approving project-approval resolves its automatic escalations;
   * land-use-permit asks for materials (resolving its own), the applicant stays silent for 10
   * working days (the window is told), resubmits with no days left (red at once: reminder and
   * level 1 again), is approved; then the case is withdrawn.
   */
  async 'ladder-escalations'(t) {
    const opened = await t.openCase({ projectType: 'social-small' });
    const permit = taskIdOf(opened, 'land-use-permit');
    const deadlineMs = taskOf(await getState(opened), 'project-approval').run?.deadlineMs ?? 0;
    await sleepUntil(t.env, computeDeadline(t.calendar, deadlineMs, 3).deadlineMs + HOUR);
    const auto = (await getState(opened)).escalations?.filter((e) => e.origin === 'auto' && e.status === 'open');
    expect(auto?.map((e) => e.level).sort()).toEqual([1, 1, 2, 2]);

    const { escalationId } = await opened.handle.executeUpdate(escalateUpdate, {
      args: [{ level: 3, reason: '两项审批均已超期，请协调', actor: COORDINATOR }],
    });
    await approve(opened, 'project-approval');
    await opened.handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalationId ?? '', resolution: '已召开协调会', actor: COORDINATOR }],
    });

    await opened.handle.executeUpdate(decideUpdate, {
      args: [
        { taskId: permit, decision: 'request_supplement', opinion: '缺少用地红线图', missingMaterials: ['用地红线图'], actor: reviewer('nrp') },
      ],
    });
    const requestedAt = taskOf(await getState(opened), 'land-use-permit').supplement?.requestedAt ?? 0;
    await sleepUntil(t.env, computeDeadline(t.calendar, requestedAt, 10).deadlineMs + HOUR);
    await opened.handle.executeUpdate(submitSupplementUpdate, {
      args: [{ taskId: permit, materials: [{ name: '用地红线图' }], actor: WINDOW }],
    });
    await t.env.sleep('2 hours');
    expect((await getState(opened)).escalations?.filter((e) => e.taskId === permit && e.status === 'open')).toHaveLength(1);
    await approve(opened, 'land-use-permit');
    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目调整', actor: WINDOW }] });
    return opened;
  },

  /**
   * gov-building at workflow version 1 (the read model written by local activities in the workflow
   * task, one alarm timer kept across requests, timers fired together and spread): a supplement
   * round trip, a coordinator's escalation resolved, a calendar publication, heritage-survey by
   * deemed consent, the rest of stage 1 approved, stage 2 applied for; then withdrawn.
   */
  async 'version-1-local-writes'(t) {
    const opened = await t.openCase({ projectType: 'gov-building' });
    expect(opened.input.workflowVersion).toBe(1);
    await t.env.sleep('1 day');
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
    const { escalationId } = await opened.handle.executeUpdate(escalateUpdate, {
      args: [{ level: 3, reason: '重点项目，请加快', taskId: taskIdOf(opened, 'eia'), actor: COORDINATOR }],
    });
    await t.env.sleep('2 days');
    await opened.handle.executeUpdate(submitSupplementUpdate, {
      args: [{ taskId: taskIdOf(opened, 'project-approval'), materials: [{ name: '可行性研究报告' }], actor: WINDOW }],
    });
    await opened.handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalationId ?? '', resolution: '环保局已安排专家', actor: COORDINATOR }],
    });
    await opened.handle.signal(calendarChangedSignal, { calendar: SEED_SCHEDULES, year: 2026, actor: ADMIN });
    const deadlineMs = taskOf(await getState(opened), 'heritage-survey').run?.deadlineMs ?? 0;
    await sleepUntil(t.env, deadlineMs + DAY);
    expect(taskOf(await getState(opened), 'heritage-survey').decision?.decision).toBe('deemed_consent');
    await approveCurrentStage(opened);
    await submitStageApplication(opened, 'engineering-permit');
    await approve(opened, 'design-scheme-review');
    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目调整', actor: WINDOW }] });
    return opened;
  },

  /**
   * Version 2, the counter's work: gov-building opened with a deferred material (容缺); drc and
   * eco ask for supplements, answered by one stage submission; the material is delivered; stage 1
   * approved and handed out at the counter; a notice for stage 2, its application, a rejection,
   * and the rejection letter handed out, after which the workflow ends.
   */
  async 'version-2-counter'(t) {
    const opened = await t.openCase({ projectType: 'gov-building', deferredMaterials: ['eia.technical-assessment'] });
    for (const [itemCode, department] of [['project-approval', 'drc'], ['eia', 'eco']] as const) {
      await opened.handle.executeUpdate(decideUpdate, {
        args: [{ taskId: taskIdOf(opened, itemCode), decision: 'request_supplement', opinion: '请补正', missingMaterials: ['补充说明'], actor: reviewer(department) }],
      });
    }
    await t.env.sleep('2 days');
    await opened.handle.executeUpdate(submitStageSupplementUpdate, {
      args: [{ stage: 'land-use-planning', materials: [{ name: '补充说明' }], actor: WINDOW }],
    });
    await opened.handle.executeUpdate(deliverMaterialsUpdate, {
      args: [{ materials: [{ name: '技术评估意见', code: 'eia.technical-assessment' }], actor: WINDOW }],
    });
    await approveCurrentStage(opened);
    await opened.handle.executeUpdate(handOutUpdate, {
      args: [{ stage: 'land-use-planning', recipient: { name: '经办人' }, channel: 'counter', actor: WINDOW }],
    });
    await opened.handle.executeUpdate(issueIntakeNoticeUpdate, {
      args: [{ number: 'N20260101-HISTORY1', stage: 'engineering-permit', materials: [], actor: WINDOW }],
    });
    await submitStageApplication(opened, 'engineering-permit');
    await opened.handle.executeUpdate(decideUpdate, {
      args: [{ taskId: taskIdOf(opened, 'cad-design'), decision: 'reject', opinion: '不符合人防要求', actor: reviewer('cad') }],
    });
    await opened.handle.executeUpdate(handOutUpdate, {
      args: [{ stage: 'engineering-permit', recipient: { name: '经办人' }, channel: 'post', actor: WINDOW }],
    });
    return opened;
  },

  /**
   * 代办: the case designated a key project and reassigned, a joint meeting, a problem raised and
   * solved a day later, stage 1 approved and handed out, a follow-up, then the case withdrawn.
   */
  async 'agency'(t) {
    const opened = await t.openCase({ projectType: 'social-small' });
    const agent = { sub: COORDINATOR.sub, name: COORDINATOR.name };
    await opened.handle.executeUpdate(designateAgencyUpdate, { args: [{ category: 'key', agent, actor: COORDINATOR }] });
    await opened.handle.executeUpdate(designateAgencyUpdate, {
      args: [{ category: 'investment', agent: { sub: 'coordinator-2', name: '代办员' }, actor: COORDINATOR }],
    });
    await opened.handle.executeUpdate(recordAgencyActivityUpdate, {
      args: [{ kind: 'joint_meeting', summary: '联审会', atMs: null, attendees: ['drc', 'nrp'], actor: COORDINATOR }],
    });
    const problem = await opened.handle.executeUpdate(recordAgencyActivityUpdate, {
      args: [{ kind: 'problem', summary: '用电接入', atMs: null, attendees: [], actor: COORDINATOR }],
    });
    await t.env.sleep('1 day');
    await opened.handle.executeUpdate(solveAgencyProblemUpdate, {
      args: [{ activityId: problem.activityId!, resolution: '已协调', actor: COORDINATOR }],
    });
    await approveCurrentStage(opened);
    await opened.handle.executeUpdate(handOutUpdate, {
      args: [{ stage: 'land-use-planning', recipient: { name: '经办人' }, channel: 'electronic', actor: WINDOW }],
    });
    await opened.handle.executeUpdate(recordAgencyActivityUpdate, {
      args: [{ kind: 'follow_up', summary: '回访', atMs: null, attendees: [], actor: COORDINATOR }],
    });
    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目调整', actor: WINDOW }] });
    return opened;
  },

  /**
   * A case opened as POST /v1/cases opens it since 12-01 (the opening written with the case row,
   * `openingWritten`; the workflow's first task writes nothing): a supplement round trip,
   * heritage-survey by deemed consent, stage 1 approved and handed out; then withdrawn.
   */
  async 'opening-written'(t) {
    const opened = await t.openCase({ projectType: 'gov-building', openingWritten: true });
    expect(opened.input.openingWritten).toBe(true);
    await t.env.sleep('1 day');
    await opened.handle.executeUpdate(decideUpdate, {
      args: [
        { taskId: taskIdOf(opened, 'eia'), decision: 'request_supplement', opinion: '请补正', missingMaterials: ['补充说明'], actor: reviewer('eco') },
      ],
    });
    await t.env.sleep('1 day');
    await opened.handle.executeUpdate(submitSupplementUpdate, {
      args: [{ taskId: taskIdOf(opened, 'eia'), materials: [{ name: '补充说明' }], actor: WINDOW }],
    });
    const deadlineMs = taskOf(await getState(opened), 'heritage-survey').run?.deadlineMs ?? 0;
    await sleepUntil(t.env, deadlineMs + DAY);
    expect(taskOf(await getState(opened), 'heritage-survey').decision?.decision).toBe('deemed_consent');
    await approveCurrentStage(opened);
    await opened.handle.executeUpdate(handOutUpdate, {
      args: [{ stage: 'land-use-planning', recipient: { name: '经办人' }, channel: 'counter', actor: WINDOW }],
    });
    await opened.handle.executeUpdate(withdrawUpdate, { args: [{ reason: '项目调整', actor: WINDOW }] });
    return opened;
  },
};

export const HISTORY_NAMES = Object.keys(SCENARIOS);

