/** Read-model rows → SPEC §4 resource shapes, with lights and day counts as of `now`. */
import type { WorkingCalendar } from '../domain/calendar.js';
import type { Actor } from '../domain/case-types.js';
import { computeCaseLight, computeTaskLight, worstLight, type Light } from '../domain/light.js';
import type { AuditEventRow, CaseViewRow, CertificateRow, EscalationRow, StageRow, TaskRow } from '../db/queries.js';
import type { AuditEventView, CaseSummaryView, CaseView, CertificateView, EscalationView, StageView, TaskView } from './schemas.js';

export interface ViewContext {
  calendar: WorkingCalendar;
  now: number;
}

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

export function formatInstant(ctx: ViewContext, value: Date | number | null): string | null {
  if (value === null) return null;
  return ctx.calendar.formatInstant(typeof value === 'number' ? value : value.getTime());
}

function instant(ctx: ViewContext, value: Date | number): string {
  return ctx.calendar.formatInstant(typeof value === 'number' ? value : value.getTime());
}

function actorView(actor: Actor) {
  return { sub: actor.sub, name: actor.name, role: actor.role, ...(actor.department ? { department: actor.department } : {}) };
}

export function taskLight(row: TaskRow, now: number): Light {
  return computeTaskLight({ status: row.status, deadlineMs: ms(row.deadline), yellowFromMs: ms(row.yellowFrom) }, now);
}

/** Working days used so far: banked days plus, while pending, the days run before today. */
function usedWorkingDays(ctx: ViewContext, row: TaskRow): number {
  if (row.status !== 'pending' || !row.startDate) return row.usedWorkingDays;
  const today = ctx.calendar.localDate(ctx.now);
  const running = today > row.startDate ? ctx.calendar.countWorkingDays(row.startDate, today) : 0;
  return row.usedBeforeRun + running;
}

/**
 * Until when views built at `ctx.now` from these tasks stay exactly what they would be if built
 * again: a pending task's light turns yellow at its yellow moment and red just after its
 * deadline, and used working days count by the local day. Nothing else in a view moves with the
 * clock (every other field comes from the rows).
 */
export function viewsValidUntil(ctx: ViewContext, taskRows: readonly TaskRow[]): number {
  let until = ctx.calendar.endOfDay(ctx.calendar.localDate(ctx.now)) + 1;
  for (const task of taskRows) {
    if (task.status !== 'pending') continue;
    const yellowFrom = ms(task.yellowFrom);
    if (yellowFrom !== null && yellowFrom > ctx.now) until = Math.min(until, yellowFrom);
    const deadline = ms(task.deadline);
    if (deadline !== null && deadline >= ctx.now) until = Math.min(until, deadline + 1);
  }
  return until;
}

export function toTaskView(ctx: ViewContext, row: TaskRow): TaskView {
  const used = usedWorkingDays(ctx, row);
  const total = row.committedWorkingDays + (row.extension?.workingDays ?? 0);
  return {
    taskId: row.taskId,
    caseId: row.caseId,
    stage: row.stage,
    itemCode: row.itemCode,
    itemName: row.itemName,
    itemNameEn: row.itemNameEn,
    department: row.department,
    status: row.status,
    committedWorkingDays: total,
    statutoryWorkingDays: row.statutoryWorkingDays,
    startDate: row.startDate,
    dueDate: row.dueDate,
    deadline: formatInstant(ctx, row.deadline),
    derivation: row.derivation,
    usedWorkingDays: used,
    remainingWorkingDays: Math.max(0, total - used),
    light: taskLight(row, ctx.now),
    extension: row.extension
      ? {
          workingDays: row.extension.workingDays,
          reason: row.extensionReason ?? row.extension.reason ?? '',
          by: actorView(row.extension.by),
          at: instant(ctx, row.extension.at),
        }
      : null,
    supplement: row.supplement
      ? {
          opinion: row.supplementText?.opinion ?? row.supplement.opinion ?? '',
          missingMaterials: row.supplementText?.missingMaterials ?? row.supplement.missingMaterials ?? [],
          requestedAt: instant(ctx, row.supplement.requestedAt),
          resubmittedAt: formatInstant(ctx, row.supplement.resubmittedAt),
          materials: row.supplement.materials ?? row.supplementMaterials ?? null,
        }
      : null,
    decision: row.decision
      ? {
          decision: row.decision.decision,
          opinion: row.decisionText?.opinion ?? row.decision.opinion ?? null,
          conditions: row.decisionText?.conditions ?? row.decision.conditions ?? [],
          by: actorView(row.decision.by),
          at: instant(ctx, row.decision.at),
        }
      : null,
  };
}

export function toStageView(ctx: ViewContext, row: StageRow, stageTasks: TaskView[], taskRows: TaskRow[]): StageView {
  return {
    code: row.code,
    order: row.order,
    status: row.status,
    openedAt: formatInstant(ctx, row.openedAt),
    closedAt: formatInstant(ctx, row.closedAt),
    committedDays: row.committedDays,
    leadDepartment: row.leadDepartment,
    // a stage not yet applied for waits for the applicant
    light: row.status === 'in_review' ? worstLight(stageTasks.map((t) => t.light)) : row.status === 'not_started' ? 'paused' : 'done',
    result: row.result
      ? {
          documents: row.result.documents,
          readyAt: formatInstant(ctx, row.result.readyAtMs),
          handedOut: row.handout
            ? {
                at: instant(ctx, row.handout.atMs),
                by: actorView(row.handout.by),
                recipient: { name: row.handoutRecipient ?? '' },
                channel: row.handout.channel,
              }
            : null,
        }
      : null,
    // the notice covers every task of the stage awaiting supplement, with what each asked for
    supplementNotice: row.supplementNotice
      ? {
          number: row.supplementNotice.number,
          issuedAt: instant(ctx, row.supplementNotice.issuedAtMs),
          items: taskRows
            .filter((t) => t.stage === row.code && t.status === 'awaiting_supplement')
            .map((t) => ({
              taskId: t.taskId,
              itemCode: t.itemCode,
              department: t.department,
              opinion: t.supplementText?.opinion ?? t.supplement?.opinion ?? '',
              missingMaterials: t.supplementText?.missingMaterials ?? t.supplement?.missingMaterials ?? [],
            })),
        }
      : null,
    trips: row.trips,
    tasks: stageTasks,
  };
}

export function toCertificateView(ctx: ViewContext, row: CertificateRow): CertificateView {
  return {
    number: row.number,
    name: row.name,
    itemCode: row.itemCode,
    caseId: row.caseId,
    projectCode: row.projectCode,
    holder: row.holder,
    issuedAt: instant(ctx, row.issuedAt),
    verificationCode: row.verificationCode,
  };
}

function caseLight(ctx: ViewContext, row: CaseViewRow, caseTasks: TaskRow[]): Light {
  const current = caseTasks.filter((t) => t.stage === row.currentStage);
  return computeCaseLight(row.status, current.map((t) => taskLight(t, ctx.now)));
}

export function toCaseSummaryView(ctx: ViewContext, row: CaseViewRow, caseTasks: TaskRow[]): CaseSummaryView {
  return {
    caseId: row.caseId,
    projectCode: row.projectCode,
    projectName: row.projectName,
    projectType: row.projectType,
    applicant: row.applicant,
    location: row.location,
    totalInvestment: row.totalInvestment,
    landArea: row.landArea,
    floorArea: row.floorArea,
    status: row.status,
    currentStage: row.currentStage,
    awaiting: row.awaiting,
    light: caseLight(ctx, row, caseTasks),
    catalogVersion: row.catalogVersion,
    acceptedAt: instant(ctx, row.acceptedAt),
    closedAt: formatInstant(ctx, row.closedAt),
    fault: row.fault ? { kind: row.fault.kind, message: row.fault.message, at: instant(ctx, row.fault.atMs) } : null,
  };
}

export function toEscalationView(ctx: ViewContext, row: EscalationRow): EscalationView {
  return {
    escalationId: row.escalationId,
    caseId: row.caseId,
    taskId: row.taskId,
    level: row.level,
    origin: row.origin,
    reason: row.reason,
    status: row.status,
    openedAt: instant(ctx, row.openedAt),
    dueAt: formatInstant(ctx, row.dueAt),
    openedBy: actorView(row.openedBy),
    resolvedAt: formatInstant(ctx, row.resolvedAt),
    resolution: row.resolution,
    resolvedBy: row.resolvedBy ? actorView(row.resolvedBy) : null,
  };
}

export function toCaseView(
  ctx: ViewContext,
  row: CaseViewRow,
  stageRows: StageRow[],
  taskRows: TaskRow[],
  certificateRows: CertificateRow[],
  escalationRows: EscalationRow[],
): CaseView {
  const taskViews = taskRows.map((t) => toTaskView(ctx, t));
  return {
    ...toCaseSummaryView(ctx, row, taskRows),
    materials: row.materials,
    pendingMaterials: row.pendingMaterials.map((p) => ({ itemCode: p.itemCode, code: p.code, name: p.name, dueDate: p.dueDate })),
    trips: {
      total: stageRows.reduce((sum, s) => sum + s.trips, 0),
      byStage: Object.fromEntries(stageRows.map((s) => [s.code, s.trips])),
    },
    agency:
      row.agencyCategory && row.agencyAgent && row.agencySince
        ? { category: row.agencyCategory, agent: row.agencyAgent, since: instant(ctx, row.agencySince) }
        : null,
    stages: stageRows.map((s) => toStageView(ctx, s, taskViews.filter((t) => t.stage === s.code), taskRows)),
    escalations: escalationRows.map((e) => toEscalationView(ctx, e)),
    certificates: certificateRows.map((c) => toCertificateView(ctx, c)),
  };
}

/** The stored canonical JSON is exactly what was hashed: return it as is, plus the hash. */
export function toAuditEventView(row: AuditEventRow): AuditEventView {
  return { ...(JSON.parse(row.canonical) as Omit<AuditEventView, 'hash'>), hash: row.hash };
}
