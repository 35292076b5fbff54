/**
 * The case state machine: every transition of SPEC §2–§3 as plain functions over plain state.
 * Runs inside the workflow sandbox, so it is deterministic: time comes in as `now`, random
 * codes come from the injected `newCode` (the workflow passes its seeded uuid4).
 *
 * Each transition appends audit events to `state.unflushed`; the workflow persists them.
 */
import { decisionTextBytes } from '../domain/budget.js';
import { computeDeadline, computeUsedWorkingDays, computeYellowFrom, type YearSchedule } from '../domain/calendar.js';
import { STAGE_CODES, type StageCode } from '../domain/catalog.js';
import type {
  Actor,
  Awaiting,
  CaseStartInput,
  CertificateRecord,
  Material,
  StageState,
  TaskState,
} from '../domain/case-types.js';
import { SYSTEM_ACTOR } from '../domain/case-types.js';
import { utf8Length } from '../domain/text.js';
import {
  assertNotFaulted,
  assertOpen,
  assertWithinBudget,
  calendarOf,
  emit,
  findTask,
  isTaskOpen,
  refuse,
  TIMER_ORDER,
  type CaseState,
  type DueTimer,
} from './case-state.js';
import {
  addTrip,
  assertComplete,
  awaitsMaterials,
  checkApplication,
  deferMaterials,
  joinSupplementNotice,
  refreshSupplementNotice,
  stageOf,
} from './counter.js';
import { fireLadderTimer, listLadderTimers, resolveAllEscalations, resolveAutoEscalations } from './escalations.js';

export { findTask, isTaskOpen, refuse, type CaseState, type DueTimer };

export interface DecisionInput {
  taskId: string;
  decision: 'approve' | 'reject' | 'request_supplement';
  opinion?: string;
  conditions?: string[];
  missingMaterials?: string[];
  actor: Actor;
}

export interface SupplementInput {
  taskId: string;
  materials: Material[];
  actor: Actor;
}

export interface ExtensionInput {
  taskId: string;
  workingDays: number;
  reason: string;
  actor: Actor;
}

export interface StageApplicationInput {
  stage: StageCode;
  materials: Material[];
  /** 容缺受理: checklist codes to follow */
  deferredMaterials?: string[];
  actor: Actor;
}

/** A stage's merged supplement notice answered at once: every task of it awaiting supplement resumes. */
export interface StageSupplementInput {
  stage: StageCode;
  materials: Material[];
  actor: Actor;
}

export interface WithdrawInput {
  reason: string;
  actor: Actor;
}

export interface CalendarChangeInput {
  calendar: YearSchedule[];
  year: number;
  actor: Actor;
}

export function createInitialState(input: CaseStartInput): CaseState {
  const stages: StageState[] = input.plan.stages.map((s) => ({
    code: s.code,
    order: s.order,
    status: 'not_started',
    openedAtMs: null,
    closedAtMs: null,
    committedDays: s.committedDays,
    materials: null,
  }));
  return {
    input,
    calendar: input.calendar,
    status: 'open',
    stageIndex: 0,
    stages,
    tasks: [],
    certificates: [],
    closedAtMs: null,
    seq: 0,
    persistedSeq: 0,
    unflushed: [],
    escalations: [],
    outbox: [],
    notificationSeq: 0,
    ladder: false,
    materialsCount: input.materials.length,
    fault: null,
  };
}

/** 受理: the case opens with its stage-1 application, accepted at `acceptedAtMs`. */
export function openCase(state: CaseState): void {
  const { input } = state;
  emit(state, input.acceptedAtMs, input.openedBy, 'case_opened', {
    projectCode: input.project.projectCode,
    projectName: input.project.projectName,
    projectType: input.project.projectType,
    catalogVersion: input.plan.catalogVersion,
    // the materials themselves are recorded once, in stage_opened
    materialsCount: input.materials.length,
  });
  openStage(state, 0, input.materials, input.acceptedAtMs, input.openedBy);
  // The opening is a trip, and so was every notice the counter gave this project before it.
  const first = state.stages[0]!;
  first.trips = 1 + (input.priorTrips ?? 0);
  // The API checked the set (422 MATERIALS_INCOMPLETE); what was validly deferred is now owed.
  const { pending } = checkApplication(state, first.code, input.materials, input.deferredMaterials ?? []);
  deferMaterials(state, first.code, pending, input.acceptedAtMs);
  // The stage-1 materials are in stage_opened now; carrying them in the input would re-send them
  // with every continue-as-new.
  state.input = { ...input, materials: [] };
}

/**
 * The opening is in the read model already: the API wrote its rows and audit events with the
 * case row (CaseStartInput.openingWritten), computed by openCase as here. Nothing is left to write.
 */
export function markOpeningWritten(state: CaseState): void {
  state.persistedSeq = state.seq;
  state.unflushed = [];
  state.outbox = [];
}

function openStage(state: CaseState, index: number, materials: Material[], now: number, actor: Actor): void {
  const stage = state.stages[index];
  const planStage = state.input.plan.stages[index];
  if (!stage || !planStage) throw new Error(`no stage ${index}`);
  state.stageIndex = index;
  stage.status = 'in_review';
  stage.openedAtMs = now;
  // Materials cross the workflow boundary once, in this event (the read model takes them from
  // it); keeping them in state would re-send them with every write and every continue-as-new,
  // past Temporal's payload limits for a large application.
  stage.materials = null;
  emit(state, now, actor, 'stage_opened', { stage: stage.code, materials, committedDays: stage.committedDays });
  for (const item of planStage.items) {
    state.tasks.push({
      taskId: `${state.input.caseId}-${item.code}`,
      stage: stage.code,
      itemCode: item.code,
      itemName: item.name.zh,
      itemNameEn: item.name.en,
      department: item.department,
      after: item.after,
      status: 'blocked',
      committedDays: item.committedDays,
      statutoryDays: item.statutoryDays,
      warningDays: item.warningDays,
      deemedConsent: item.deemedConsent === true,
      certificate: item.certificate ?? null,
      usedBeforeRun: 0,
      run: null,
      extension: null,
      supplement: null,
      decision: null,
      pendingSinceMs: null,
      decidedAtMs: null,
      lastEventAtMs: now,
    });
  }
  releaseUnblockedTasks(state, now);
  if (stageTasks(state, stage.code).length === 0) approveStage(state, now);
}

export function stageTasks(state: CaseState, stage: StageCode): TaskState[] {
  return state.tasks.filter((t) => t.stage === stage);
}

export function currentStage(state: CaseState): StageState {
  const stage = state.stages[state.stageIndex];
  if (!stage) throw new Error('no current stage');
  return stage;
}

/** Tasks whose prerequisites are all approved become pending, and their clocks start. */
function releaseUnblockedTasks(state: CaseState, now: number): void {
  const stage = currentStage(state);
  const tasks = stageTasks(state, stage.code);
  const approved = new Set(tasks.filter((t) => t.status === 'approved').map((t) => t.itemCode));
  for (const task of tasks) {
    if (task.status !== 'blocked' || !task.after.every((code) => approved.has(code))) continue;
    task.status = 'pending';
    task.pendingSinceMs = now;
    startClock(state, task, now);
    emit(state, now, SYSTEM_ACTOR, 'task_started', {
      taskId: task.taskId,
      itemCode: task.itemCode,
      department: task.department,
      startDate: task.run?.startDate,
      dueDate: task.run?.dueDate,
    });
  }
}

/** Committed days not yet used (never below zero), plus the extension: an extension always moves the deadline. */
function remainingDays(task: TaskState): number {
  return Math.max(0, task.committedDays - task.usedBeforeRun) + (task.extension?.workingDays ?? 0);
}

function startClock(state: CaseState, task: TaskState, fromMs: number): void {
  const cal = calendarOf(state);
  const workingDays = remainingDays(task);
  const deadline = computeDeadline(cal, fromMs, workingDays);
  task.run = {
    fromMs,
    workingDays,
    startDate: deadline.startDate,
    dueDate: deadline.dueDate,
    deadlineMs: deadline.deadlineMs,
    yellowFromMs:
      workingDays === 0 ? deadline.deadlineMs : computeYellowFrom(cal, deadline.dueDate, task.warningDays),
    derivation: deadline.derivation,
  };
  task.lastEventAtMs = fromMs;
}

function assertDepartment(task: TaskState, actor: Actor): void {
  if (actor.role === 'reviewer' && actor.department !== task.department) {
    refuse('FORBIDDEN', `task ${task.taskId} belongs to department ${task.department}`);
  }
}

export function validateDecision(state: CaseState, input: DecisionInput): void {
  const task = findTask(state, input.taskId);
  assertDepartment(task, input.actor);
  assertNotFaulted(state);
  // The task's own state first: the loser of a race with a rejection (which closes the case)
  // gets TASK_NOT_PENDING like the loser of a race with an approval. A closed case has no
  // pending task, so assertOpen only guards against that invariant breaking.
  if (task.status !== 'pending') refuse('TASK_NOT_PENDING', `task ${task.taskId} is ${task.status}`);
  assertOpen(state);
  if (input.decision === 'approve' && awaitsMaterials(state, task.itemCode)) {
    refuse('MATERIALS_PENDING', `task ${task.taskId} waits for a deferred material of ${task.itemCode}`);
  }
  assertWithinBudget(state, 'taskTextBytes', task.textBytes ?? 0, decisionTextBytes(input));
  if (input.decision === 'request_supplement') assertWithinBudget(state, 'supplementRounds', task.supplementRounds ?? 0, 1);
}

export function applyDecision(state: CaseState, input: DecisionInput, now: number, newCode: () => string): void {
  validateDecision(state, input);
  const task = findTask(state, input.taskId);
  const opinion = input.opinion ?? null;
  const conditions = input.conditions ?? [];
  task.decision = { decision: input.decision, by: input.actor, at: now };
  task.textBytes = (task.textBytes ?? 0) + decisionTextBytes(input);
  task.lastEventAtMs = now;
  resolveAutoEscalations(state, task.taskId, now, input.actor, `department decided: ${input.decision}`);
  if (input.decision === 'request_supplement') {
    pauseClock(state, task, now);
    task.status = 'awaiting_supplement';
    task.supplementRounds = (task.supplementRounds ?? 0) + 1;
    task.supplement = { requestedAt: now, resubmittedAt: null };
    const notice = joinSupplementNotice(state, task.stage, now);
    emit(state, now, input.actor, 'supplement_requested', {
      taskId: task.taskId,
      stage: task.stage,
      notice,
      opinion: opinion ?? '',
      missingMaterials: input.missingMaterials ?? [],
      usedWorkingDays: task.usedBeforeRun,
      remainingWorkingDays: remainingDays(task),
    });
    return;
  }
  settleTask(state, task, now);
  emit(state, now, input.actor, 'task_decided', {
    taskId: task.taskId,
    decision: input.decision,
    opinion,
    conditions,
    usedWorkingDays: task.usedBeforeRun,
  });
  if (input.decision === 'approve') approveTask(state, task, now, newCode);
  else rejectStage(state, task, now, input.actor, opinion);
}

/** Stops the clock at a decision or pause: the days used so far are banked. */
function pauseClock(state: CaseState, task: TaskState, now: number): void {
  if (!task.run) return;
  task.usedBeforeRun += computeUsedWorkingDays(calendarOf(state), task.run.startDate, now);
}

function settleTask(state: CaseState, task: TaskState, now: number): void {
  pauseClock(state, task, now);
  task.decidedAtMs = now;
}

function approveTask(state: CaseState, task: TaskState, now: number, newCode: () => string): void {
  task.status = 'approved';
  if (task.certificate) issueCertificate(state, task, now, newCode);
  releaseUnblockedTasks(state, now);
  const tasks = stageTasks(state, task.stage);
  if (tasks.every((t) => t.status === 'approved')) approveStage(state, now);
}

/** 电子证照: number = case + item, verification code from the workflow's seeded randomness. */
function issueCertificate(state: CaseState, task: TaskState, now: number, newCode: () => string): void {
  if (!task.certificate) return;
  const certificate: CertificateRecord = {
    number: `${state.input.caseId}-${String(state.certificates.length + 1).padStart(2, '0')}`,
    name: task.certificate.zh,
    itemCode: task.itemCode,
    taskId: task.taskId,
    holder: state.input.project.applicant.name,
    projectCode: state.input.project.projectCode,
    issuedAtMs: now,
    verificationCode: newCode(),
  };
  state.certificates.push(certificate);
  emit(state, now, SYSTEM_ACTOR, 'certificate_issued', {
    number: certificate.number,
    name: certificate.name,
    itemCode: certificate.itemCode,
    taskId: task.taskId,
  });
}

function approveStage(state: CaseState, now: number): void {
  const stage = currentStage(state);
  stage.status = 'approved';
  stage.closedAtMs = now;
  emit(state, now, SYSTEM_ACTOR, 'stage_approved', { stage: stage.code });
  if (state.stageIndex === state.stages.length - 1) {
    closeCase(state, 'completed', now, SYSTEM_ACTOR, {});
  }
}

function rejectStage(state: CaseState, task: TaskState, now: number, actor: Actor, opinion: string | null): void {
  task.status = 'rejected';
  const stage = currentStage(state);
  cancelOpenTasks(state, stage.code, now);
  stage.status = 'rejected';
  stage.closedAtMs = now;
  // 不予许可决定书: the result the window hands out for a rejected stage
  stage.rejectionLetter = { number: `${state.input.caseId}-BY${stage.order}` };
  emit(state, now, actor, 'stage_rejected', { stage: stage.code, taskId: task.taskId, rejectionLetter: stage.rejectionLetter.number });
  closeCase(state, 'rejected', now, actor, { taskId: task.taskId, opinion });
}

function cancelOpenTasks(state: CaseState, stage: StageCode, now: number): void {
  for (const other of stageTasks(state, stage)) {
    if (!isTaskOpen(other)) continue;
    if (other.status === 'pending') pauseClock(state, other, now);
    other.status = 'cancelled';
    other.lastEventAtMs = now;
    emit(state, now, SYSTEM_ACTOR, 'task_cancelled', { taskId: other.taskId });
  }
  refreshSupplementNotice(state, stage);
}

function closeCase(
  state: CaseState,
  status: 'completed' | 'rejected' | 'withdrawn',
  now: number,
  actor: Actor,
  data: Record<string, unknown>,
): void {
  state.status = status;
  state.closedAtMs = now;
  emit(state, now, actor, `case_${status}`, data);
  resolveAllEscalations(state, now, `case ${status}`);
}

export function validateSupplement(state: CaseState, input: SupplementInput): void {
  const task = findTask(state, input.taskId);
  assertNotFaulted(state);
  assertOpen(state);
  if (task.status !== 'awaiting_supplement') {
    refuse('TASK_NOT_AWAITING_SUPPLEMENT', `task ${task.taskId} is ${task.status}`);
  }
  assertWithinBudget(state, 'materials', state.materialsCount ?? 0, input.materials.length);
}

/** The applicant's supplementary materials restart the clock with the remaining days. */
export function applySupplement(state: CaseState, input: SupplementInput, now: number): void {
  validateSupplement(state, input);
  const task = findTask(state, input.taskId);
  resumeTask(state, task, now);
  state.materialsCount = (state.materialsCount ?? 0) + input.materials.length;
  addTrip(state, task.stage);
  refreshSupplementNotice(state, task.stage);
  emit(state, now, input.actor, 'supplement_submitted', {
    taskId: task.taskId,
    stage: task.stage,
    materials: input.materials,
    remainingWorkingDays: task.run?.workingDays,
    dueDate: task.run?.dueDate,
  });
}

export function validateStageSupplement(state: CaseState, input: StageSupplementInput): void {
  assertNotFaulted(state);
  assertOpen(state);
  stageOf(state, input.stage);
  if (!state.tasks.some((t) => t.stage === input.stage && t.status === 'awaiting_supplement')) {
    refuse('TASK_NOT_AWAITING_SUPPLEMENT', `no task of stage ${input.stage} awaits supplementary materials`);
  }
  assertWithinBudget(state, 'materials', state.materialsCount ?? 0, input.materials.length);
}

/** The stage's notice answered in one visit: every task of it awaiting supplement resumes (one trip). */
export function applyStageSupplement(state: CaseState, input: StageSupplementInput, now: number): void {
  validateStageSupplement(state, input);
  const notice = stageOf(state, input.stage).supplementNotice?.number ?? null;
  const resumed = state.tasks.filter((t) => t.stage === input.stage && t.status === 'awaiting_supplement');
  for (const task of resumed) resumeTask(state, task, now);
  state.materialsCount = (state.materialsCount ?? 0) + input.materials.length;
  addTrip(state, input.stage);
  refreshSupplementNotice(state, input.stage);
  // the materials once, for every task they answer (the read model gives each task its copy)
  emit(state, now, input.actor, 'stage_supplement_submitted', {
    stage: input.stage,
    notice,
    materials: input.materials,
    tasks: resumed.map((t) => ({ taskId: t.taskId, remainingWorkingDays: t.run?.workingDays, dueDate: t.run?.dueDate })),
  });
}

/** The applicant's materials arrived: the clock runs again with the remaining days. */
function resumeTask(state: CaseState, task: TaskState, now: number): void {
  task.status = 'pending';
  // the materials themselves are recorded in the submission's event only, like stage materials
  if (task.supplement) task.supplement = { requestedAt: task.supplement.requestedAt, resubmittedAt: now };
  task.decision = null;
  startClock(state, task, now);
}

export function validateExtension(state: CaseState, input: ExtensionInput): void {
  const task = findTask(state, input.taskId);
  assertNotFaulted(state);
  assertOpen(state);
  if (task.extension) refuse('EXTENSION_ALREADY_GRANTED', `task ${task.taskId} was already extended`);
  if (task.status !== 'pending' && task.status !== 'awaiting_supplement') {
    refuse('TASK_NOT_OPEN', `task ${task.taskId} is ${task.status}; only pending or paused tasks can be extended`);
  }
  assertWithinBudget(state, 'taskTextBytes', task.textBytes ?? 0, utf8Length(input.reason));
}

/** 延长 (行政许可法 art. 42): once per task; a running clock's deadline moves at once. */
export function applyExtension(state: CaseState, input: ExtensionInput, now: number): void {
  validateExtension(state, input);
  const task = findTask(state, input.taskId);
  task.extension = { workingDays: input.workingDays, by: input.actor, at: now };
  task.textBytes = (task.textBytes ?? 0) + utf8Length(input.reason);
  if (task.status === 'pending' && task.run) {
    const banked = task.usedBeforeRun;
    startClockFrom(state, task, task.run.fromMs, banked);
  }
  emit(state, now, input.actor, 'extension_granted', {
    taskId: task.taskId,
    workingDays: input.workingDays,
    reason: input.reason,
    // A paused task has no running deadline: its last run's due date no longer holds.
    dueDate: task.status === 'pending' ? (task.run?.dueDate ?? null) : null,
  });
}

/** Re-derives the current run of a clock (after an extension or a calendar change), keeping its start. */
function startClockFrom(state: CaseState, task: TaskState, fromMs: number, banked: number): void {
  const lastEvent = task.lastEventAtMs;
  task.usedBeforeRun = banked;
  startClock(state, task, fromMs);
  task.lastEventAtMs = lastEvent;
}

export function validateStageApplication(state: CaseState, input: StageApplicationInput): void {
  assertNotFaulted(state);
  assertOpen(state);
  const index = STAGE_CODES.indexOf(input.stage);
  const current = currentStage(state);
  const awaited = current.status === 'approved' ? state.stageIndex + 1 : -1;
  if (index !== awaited) {
    const expected = state.stages[awaited]?.code;
    refuse(
      'STAGE_NOT_AWAITED',
      expected
        ? `the case awaits the ${expected} application, not ${input.stage}`
        : `the case is not awaiting an application (stage ${current.code} is ${current.status})`,
    );
  }
  assertWithinBudget(state, 'materials', state.materialsCount ?? 0, input.materials.length);
  // 422 comes last (SPEC §6.0): the whole checklist at once
  assertComplete(checkApplication(state, input.stage, input.materials, input.deferredMaterials ?? []));
}

export function applyStageApplication(state: CaseState, input: StageApplicationInput, now: number): void {
  validateStageApplication(state, input);
  const { pending } = checkApplication(state, input.stage, input.materials, input.deferredMaterials ?? []);
  state.materialsCount = (state.materialsCount ?? 0) + input.materials.length;
  emit(state, now, input.actor, 'stage_application_submitted', {
    stage: input.stage,
    materialsCount: input.materials.length,
    ...(pending.length > 0 ? { deferred: pending.map((p) => ({ itemCode: p.itemCode, code: p.code })) } : {}),
  });
  openStage(state, STAGE_CODES.indexOf(input.stage), input.materials, now, input.actor);
  addTrip(state, input.stage);
  deferMaterials(state, input.stage, pending, now);
}

export function validateWithdraw(state: CaseState): void {
  assertNotFaulted(state);
  assertOpen(state);
}

export function applyWithdraw(state: CaseState, input: WithdrawInput, now: number): void {
  validateWithdraw(state);
  withdrawCase(state, now, input.actor, { reason: input.reason });
}

function withdrawCase(state: CaseState, now: number, actor: Actor, data: Record<string, unknown>): void {
  const stage = currentStage(state);
  cancelOpenTasks(state, stage.code, now);
  if (stage.status === 'in_review') {
    stage.status = 'cancelled';
    stage.closedAtMs = now;
  }
  closeCase(state, 'withdrawn', now, actor, data);
}

/** A calendar publication moves every running clock (same start, same days, new calendar). */
export function applyCalendarChange(state: CaseState, input: CalendarChangeInput, now: number): void {
  // Publications may arrive out of order: per year, the higher version wins.
  const merged = new Map(state.calendar.map((y) => [y.year, y]));
  for (const year of input.calendar) {
    const current = merged.get(year.year);
    if (!current || year.version >= current.version) merged.set(year.year, year);
  }
  state.calendar = [...merged.values()].sort((a, b) => a.year - b.year);
  const moved: Record<string, unknown>[] = [];
  for (const task of state.tasks) {
    if (task.status !== 'pending' || !task.run) continue;
    const before = task.run.dueDate;
    startClockFrom(state, task, task.run.fromMs, task.usedBeforeRun);
    moved.push({ taskId: task.taskId, before, after: task.run.dueDate });
  }
  emit(state, now, input.actor, 'calendar_applied', { year: input.year, tasks: moved });
}

export function computeSupplementTimeout(state: CaseState, task: TaskState): number | null {
  if (task.status !== 'awaiting_supplement' || !task.supplement) return null;
  const limit = state.input.rules.supplementLimitDays;
  return computeDeadline(calendarOf(state), task.supplement.requestedAt, limit).deadlineMs;
}

/** Every pending automatic action, earliest first. */
export function listTimers(state: CaseState): DueTimer[] {
  if (state.status !== 'open') return [];
  const timers: DueTimer[] = [];
  for (const task of state.tasks) {
    // A deemed consent waits for the item's deferred materials: it comes when the last arrives, if late by then.
    if (task.status === 'pending' && task.deemedConsent && task.run && !awaitsMaterials(state, task.itemCode)) {
      timers.push({ at: Math.max(task.run.deadlineMs + 1, task.materialsMetAtMs ?? 0), kind: 'deemed_consent', taskId: task.taskId });
    }
    const timeout = computeSupplementTimeout(state, task);
    if (timeout !== null) timers.push({ at: timeout + 1, kind: 'supplement_timeout', taskId: task.taskId });
  }
  timers.push(...listLadderTimers(state));
  return timers.sort((a, b) => a.at - b.at || TIMER_ORDER[a.kind] - TIMER_ORDER[b.kind] || a.taskId.localeCompare(b.taskId));
}

/** Fires, in order, every automatic action whose moment has come (all of them for a back-dated case). */
export function fireDueTimers(state: CaseState, now: number, newCode: () => string): void {
  for (;;) {
    const due = listTimers(state).find((t) => t.at <= now);
    if (!due) return;
    fireTimer(state, due, now, newCode);
  }
}

/** Fires one due timer. The event records both when it was due and when it fired. */
export function fireTimer(state: CaseState, timer: DueTimer, now: number, newCode: () => string): void {
  if (timer.kind !== 'deemed_consent' && timer.kind !== 'supplement_timeout') {
    fireLadderTimer(state, timer, now);
    return;
  }
  const task = findTask(state, timer.taskId);
  if (timer.kind === 'deemed_consent') {
    settleTask(state, task, timer.at);
    // Runs since the ladder (state.ladder) date the consent at the deadline itself and start the
    // dependants' clocks then, as if the engine had acted on time; older runs keep their history.
    const consentAt = state.ladder && task.run ? Math.max(task.run.deadlineMs, task.materialsMetAtMs ?? 0) : timer.at;
    task.decidedAtMs = consentAt;
    task.decision = { decision: 'deemed_consent', by: SYSTEM_ACTOR, at: consentAt };
    task.lastEventAtMs = now;
    emit(state, now, SYSTEM_ACTOR, 'task_decided', {
      taskId: task.taskId,
      decision: 'deemed_consent',
      dueAt: calendarOf(state).formatInstant(timer.at),
      usedWorkingDays: task.usedBeforeRun,
    });
    approveTask(state, task, state.ladder ? consentAt : now, newCode);
  } else {
    const dueAt = calendarOf(state).formatInstant(timer.at);
    emit(state, now, SYSTEM_ACTOR, 'supplement_expired', { taskId: task.taskId, dueAt });
    // dated at the limit itself, like a deemed consent (the same for a late-firing timer)
    withdrawCase(state, state.ladder ? timer.at : now, SYSTEM_ACTOR, { reason: 'deemed_withdrawn', taskId: task.taskId, dueAt });
  }
}

export function computeAwaiting(state: CaseState): Awaiting {
  if (state.status !== 'open') return null;
  const stage = currentStage(state);
  if (stage.status !== 'in_review') return 'applicant';
  const open = stageTasks(state, stage.code).filter(isTaskOpen);
  if (open.some((t) => t.status === 'pending')) return 'departments';
  return open.some((t) => t.status === 'awaiting_supplement') ? 'applicant' : 'departments';
}

/** The stage the case is in, or awaits the application of. */
export function currentStageCode(state: CaseState): StageCode {
  const stage = currentStage(state);
  if (state.status === 'open' && stage.status === 'approved') {
    return state.stages[state.stageIndex + 1]?.code ?? stage.code;
  }
  return stage.code;
}
