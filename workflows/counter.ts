/**
 * The window's counter work inside a case (SPEC §6.1–6.3): the materials check of each
 * application (一次性告知), materials accepted to follow (容缺受理) and their delivery, the stage's
 * merged supplement notice, results handed out (综合窗口出件), and the applicant's trips
 * (最多跑一次). Runs in the workflow sandbox: deterministic, no I/O.
 */
import { computeDeadline } from '../domain/calendar.js';
import type { StageCode } from '../domain/catalog.js';
import {
  DEFAULT_DEFERRAL_DAYS,
  type Actor,
  type HandoutChannel,
  type Material,
  type PendingMaterialState,
  type StageState,
} from '../domain/case-types.js';
import { checkMaterials, deliverMaterials, stageChecklist, type MaterialsCheck, type PendingMaterial } from '../domain/materials.js';
import { assertNotFaulted, assertOpen, assertWithinBudget, calendarOf, emit, refuse, type CaseState } from './case-state.js';

export interface DeliveryInput {
  materials: Material[];
  actor: Actor;
}

export interface HandoutInput {
  stage: StageCode;
  recipient: { name: string };
  channel: HandoutChannel;
  actor: Actor;
}

export interface IntakeNoticeInput {
  /** chosen by the API (from the Idempotency-Key), so a retry names the same notice */
  number: string;
  stage: StageCode;
  materials: Material[];
  actor: Actor;
}

export function stageOf(state: CaseState, code: StageCode): StageState {
  const stage = state.stages.find((s) => s.code === code);
  if (!stage) refuse('NOT_FOUND', `case ${state.input.caseId} has no stage ${code}`);
  return stage;
}

/** 最多跑一次: one more visit of the applicant to the counter for this stage. */
export function addTrip(state: CaseState, code: StageCode): void {
  const stage = stageOf(state, code);
  stage.trips = (stage.trips ?? 0) + 1;
}

/** A checklist entry's name, from the case's own plan (names stay out of workflow state). */
export function materialName(state: CaseState, itemCode: string, code: string): { zh: string; en: string } {
  for (const stage of state.input.plan.stages) {
    const found = stage.items.find((i) => i.code === itemCode)?.materials?.find((m) => m.code === code);
    if (found) return found.name;
  }
  return { zh: code, en: code };
}

/** What an application lacks against its stage's checklist, all at once. */
export function checkApplication(state: CaseState, stage: StageCode, materials: Material[], deferred: string[]): MaterialsCheck {
  return checkMaterials(stageChecklist(state.input.plan, stage), materials, deferred);
}

/** 422 MATERIALS_INCOMPLETE with every missing material (一次性告知), as SPEC §6.1 shapes it. */
export function missingDetails(check: MaterialsCheck) {
  return {
    missing: check.missing.map((m) => ({ itemCode: m.itemCode, code: m.code, name: m.name.zh, copies: m.copies, deferrable: m.deferrable })),
    ...(check.invalidDeferrals.length > 0 ? { invalidDeferrals: check.invalidDeferrals } : {}),
  };
}

/** Why a set is incomplete, or null when it is complete (the API and the workflow refuse alike). */
export function incompleteness(check: MaterialsCheck): { message: string; details: ReturnType<typeof missingDetails> } | null {
  if (check.missing.length === 0 && check.invalidDeferrals.length === 0) return null;
  const parts = [
    check.missing.length > 0 ? `${check.missing.length} required material(s) missing` : null,
    check.invalidDeferrals.length > 0 ? `cannot defer ${check.invalidDeferrals.join(', ')}` : null,
  ].filter(Boolean);
  return { message: `the application is incomplete: ${parts.join('; ')}`, details: missingDetails(check) };
}

export function assertComplete(check: MaterialsCheck): void {
  const problem = incompleteness(check);
  if (problem) refuse('MATERIALS_INCOMPLETE', problem.message, problem.details);
}

/** 容缺受理: the deferred entries are owed `deferralDays` working days after the acceptance. */
export function deferMaterials(state: CaseState, stage: StageCode, pending: PendingMaterial[], acceptedAtMs: number): void {
  if (pending.length === 0) return;
  const days = state.input.rules.deferralDays ?? DEFAULT_DEFERRAL_DAYS;
  const { dueDate } = computeDeadline(calendarOf(state), acceptedAtMs, days);
  const owed = (state.pendingMaterials ??= []);
  for (const entry of pending) owed.push({ stage, itemCode: entry.itemCode, code: entry.code, copies: entry.copies, dueDate });
}

export function pendingMaterialsOf(state: CaseState): PendingMaterialState[] {
  return state.pendingMaterials ?? [];
}

/** Whether an item still waits for a deferred material (it cannot be approved, nor consent be deemed). */
export function awaitsMaterials(state: CaseState, itemCode: string): boolean {
  return pendingMaterialsOf(state).some((p) => p.itemCode === itemCode);
}

/** The instant the first pending material becomes overdue (00:00 of the day after its due date), or null. */
export function materialsOverdueAt(state: CaseState): number | null {
  const pending = pendingMaterialsOf(state);
  if (pending.length === 0 || state.status !== 'open') return null;
  const earliest = pending.map((p) => p.dueDate).sort()[0]!;
  return calendarOf(state).endOfDay(earliest) + 1;
}

function asPending(state: CaseState, entries: PendingMaterialState[]): PendingMaterial[] {
  return entries.map((p) => ({ itemCode: p.itemCode, code: p.code, copies: p.copies, name: materialName(state, p.itemCode, p.code) }));
}

export function validateDelivery(state: CaseState, input: DeliveryInput): void {
  assertNotFaulted(state);
  assertOpen(state);
  const pending = pendingMaterialsOf(state);
  const { notPending } = deliverMaterials(asPending(state, pending), input.materials);
  // only materials the case owes, each named by its code (too few copies are taken, and leave it owed)
  const uncoded = input.materials.filter((m) => !m.code).map((m) => m.name);
  if (pending.length === 0 || notPending.length > 0 || uncoded.length > 0) {
    refuse(
      'MATERIALS_NOT_PENDING',
      pending.length === 0 ? 'the case owes no deferred materials' : 'only materials the case owes may be delivered, each with its code',
      { notPending, ...(uncoded.length > 0 ? { withoutCode: uncoded } : {}), pending: [...new Set(pending.map((p) => p.code))] },
    );
  }
  assertWithinBudget(state, 'materials', state.materialsCount ?? 0, input.materials.length);
}

/** The applicant brings deferred materials: what they settle is no longer owed (one trip). */
export function applyDelivery(state: CaseState, input: DeliveryInput, now: number, currentStage: StageCode): void {
  validateDelivery(state, input);
  const pending = pendingMaterialsOf(state);
  const { met } = deliverMaterials(asPending(state, pending), input.materials);
  const settled = new Set(met.map((m) => `${m.itemCode}\u0000${m.code}`));
  state.pendingMaterials = pending.filter((p) => !settled.has(`${p.itemCode}\u0000${p.code}`));
  state.materialsCount = (state.materialsCount ?? 0) + input.materials.length;
  for (const itemCode of new Set(met.map((m) => m.itemCode))) {
    if (awaitsMaterials(state, itemCode)) continue;
    const task = state.tasks.find((t) => t.itemCode === itemCode);
    if (task) task.materialsMetAtMs = now;
  }
  addTrip(state, currentStage);
  emit(state, now, input.actor, 'materials_delivered', {
    stage: currentStage,
    materials: input.materials,
    met: met.map((m) => ({ itemCode: m.itemCode, code: m.code })),
    stillPending: state.pendingMaterials.length,
  });
}

/**
 * One notice per stage (一次性告知, 一家牵头): a request for supplementary materials opens the
 * stage's notice, or joins the open one.
 */
export function joinSupplementNotice(state: CaseState, code: StageCode, now: number): string {
  const stage = stageOf(state, code);
  if (!stage.supplementNotice) {
    state.noticeSeq = (state.noticeSeq ?? 0) + 1;
    stage.supplementNotice = { number: `${state.input.caseId}-BZ${String(state.noticeSeq).padStart(2, '0')}`, issuedAtMs: now };
  }
  return stage.supplementNotice.number;
}

/** The notice closes once no task of its stage awaits supplementary materials. */
export function refreshSupplementNotice(state: CaseState, code: StageCode): void {
  const stage = stageOf(state, code);
  if (stage.supplementNotice && !state.tasks.some((t) => t.stage === code && t.status === 'awaiting_supplement')) {
    stage.supplementNotice = null;
  }
}

/** A stage's result (SPEC §6.2): its certificates, or its rejection letter; null until it ends. */
export function resultOf(state: CaseState, stage: StageState) {
  if (stage.status !== 'approved' && stage.status !== 'rejected') return null;
  const documents =
    stage.status === 'approved'
      ? state.certificates
          .filter((c) => state.tasks.some((t) => t.taskId === c.taskId && t.stage === stage.code))
          .map((c) => ({ kind: 'certificate' as const, number: c.number, name: c.name }))
      : stage.rejectionLetter
        ? [{ kind: 'rejection_letter' as const, number: stage.rejectionLetter.number, name: '不予许可决定书' }]
        : [];
  return { documents, readyAtMs: stage.closedAtMs };
}

/** Whether an ended stage's result still waits at the window (a closed case's workflow waits for it). */
export function awaitsHandout(state: CaseState): boolean {
  return state.stages.some((s) => resultOf(state, s) !== null && !s.handout);
}

export function validateHandout(state: CaseState, input: HandoutInput): void {
  assertNotFaulted(state);
  const stage = stageOf(state, input.stage);
  if (!resultOf(state, stage)) refuse('RESULT_NOT_READY', `stage ${stage.code} has not ended (${stage.status})`);
  if (stage.handout) refuse('RESULT_ALREADY_HANDED_OUT', `the result of stage ${stage.code} was handed out already`);
}

/** 出件: the result leaves the window; at the counter it is a trip, by post or electronically not. */
export function applyHandout(state: CaseState, input: HandoutInput, now: number): void {
  validateHandout(state, input);
  const stage = stageOf(state, input.stage);
  stage.handout = { atMs: now, by: input.actor, channel: input.channel };
  if (input.channel === 'counter') addTrip(state, stage.code);
  emit(state, now, input.actor, 'result_handed_out', {
    stage: stage.code,
    recipient: { name: input.recipient.name },
    channel: input.channel,
    documents: resultOf(state, stage)?.documents ?? [],
  });
}

/** The stage whose application the case awaits, or null (the same rule as a stage application). */
export function awaitedStage(state: CaseState): StageCode | null {
  const current = state.stages[state.stageIndex];
  if (state.status !== 'open' || current?.status !== 'approved') return null;
  return state.stages[state.stageIndex + 1]?.code ?? null;
}

export function validateIntakeNotice(state: CaseState, input: IntakeNoticeInput): void {
  assertNotFaulted(state);
  assertOpen(state);
  if (awaitedStage(state) !== input.stage) {
    refuse('STAGE_NOT_AWAITED', `the case does not await the ${input.stage} application`);
  }
  if (checkApplication(state, input.stage, input.materials, []).missing.length === 0) {
    refuse('NOTHING_MISSING', 'the set is complete: apply for the stage instead');
  }
}

/** 一次性告知 at the counter for a later stage: everything missing, told at once (one trip). */
export function applyIntakeNotice(state: CaseState, input: IntakeNoticeInput, now: number): void {
  validateIntakeNotice(state, input);
  const check = checkApplication(state, input.stage, input.materials, []);
  addTrip(state, input.stage);
  emit(state, now, input.actor, 'intake_notice_issued', {
    number: input.number,
    projectCode: state.input.project.projectCode,
    stage: input.stage,
    missing: missingDetails(check).missing,
  });
}
