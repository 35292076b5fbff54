/**
 * What a flush writes to the read model: the events since the last write and the rows they
 * changed, cut into parts small enough to be safe Temporal payloads. Runs in the workflow
 * sandbox: deterministic.
 *
 * The events name what they change (a task, an escalation, a certificate; a stage or the whole
 * case for stage and closing events), so the rows to write are read off them: a transition that
 * changes a row also records it.
 */
import { DEFAULT_STALL_RULES, type CaseEvent, type CaseSync, type NotificationRecord, type TaskState } from '../domain/case-types.js';
import { computeBoardMoments, type BoardMoments } from '../domain/supervision.js';
import { jsonBytes } from '../domain/text.js';
import { touchesAgency } from './agency.js';
import { computeAwaiting, currentStage, currentStageCode } from './case-machine.js';
import { calendarOf, isTaskOpen, type CaseState } from './case-state.js';
import { materialName, materialsOverdueAt, pendingMaterialsOf, resultOf } from './counter.js';

/**
 * Events per write are cut at this many bytes of JSON, far below Temporal's 2 MB payload limit.
 * One event is never cut: the largest (a stage application with 100 materials of maximal text)
 * stays under 1 MiB, the API's body limit.
 */
export const MAX_SYNC_EVENT_BYTES = 256 * 1024;

/** Events about a whole stage: every task of that stage may have changed. */
const STAGE_EVENTS: ReadonlySet<string> = new Set([
  'stage_opened',
  'stage_approved',
  'stage_rejected',
  'stage_application_submitted',
  'stage_supplement_submitted',
  // the stage's trips, notice or result changed
  'supplement_requested',
  'supplement_submitted',
  'materials_delivered',
  'result_handed_out',
  'intake_notice_issued',
]);
/** Events after which every row of the case is written again. */
const CASE_EVENTS: ReadonlySet<string> = new Set(['case_completed', 'case_rejected', 'case_withdrawn', 'case_reset']);

interface Touched {
  all: boolean;
  stages: Set<string>;
  tasks: Set<string>;
  escalations: Set<string>;
  certificates: Set<string>;
}

function touchedBy(events: CaseEvent[]): Touched {
  const touched: Touched = { all: false, stages: new Set(), tasks: new Set(), escalations: new Set(), certificates: new Set() };
  for (const { type, data } of events) {
    if (CASE_EVENTS.has(type)) touched.all = true;
    if (STAGE_EVENTS.has(type) && typeof data.stage === 'string') touched.stages.add(data.stage);
    if (type === 'case_opened') touched.stages.add('land-use-planning');
    if (typeof data.taskId === 'string') touched.tasks.add(data.taskId);
    if (Array.isArray(data.tasks)) {
      for (const entry of data.tasks as { taskId?: unknown }[]) if (typeof entry?.taskId === 'string') touched.tasks.add(entry.taskId);
    }
    if (typeof data.escalationId === 'string') touched.escalations.add(data.escalationId);
    if (type === 'certificate_issued' && typeof data.number === 'string') touched.certificates.add(data.number);
  }
  return touched;
}

/** The board's view of the case: its current stage's open tasks and its open escalations. */
export function boardMomentsOf(state: CaseState): BoardMoments {
  const stage = state.status === 'open' ? currentStage(state) : null;
  const open = stage?.status === 'in_review' ? state.tasks.filter((t) => t.stage === stage.code && isTaskOpen(t)) : [];
  const moments = computeBoardMoments(
    open.map((t) => ({
      department: t.department,
      status: t.status,
      dueDate: t.status === 'pending' ? (t.run?.dueDate ?? null) : null,
      deadlineMs: t.status === 'pending' ? (t.run?.deadlineMs ?? null) : null,
      yellowFromMs: t.status === 'pending' ? (t.run?.yellowFromMs ?? null) : null,
      lastEventAtMs: t.lastEventAtMs,
      supplementRequestedAtMs: t.status === 'awaiting_supplement' ? (t.supplement?.requestedAt ?? null) : null,
    })),
    state.status === 'open' ? (state.escalations ?? []).filter((e) => e.status === 'open').map((e) => e.level) : [],
    calendarOf(state),
    { ...DEFAULT_STALL_RULES, ...state.input.rules.stalled },
  );
  // a deferred material overdue puts the case on the board too (reason materials_overdue)
  const overdue = materialsOverdueAt(state);
  return overdue === null ? moments : { ...moments, from: moments.from === null ? overdue : Math.min(moments.from, overdue) };
}

/** The case row: where it stands, the board's moments, and what the counter still waits for. */
function caseRowOf(state: CaseState): CaseSync['rows']['case'] {
  return {
    status: state.status,
    currentStage: currentStageCode(state),
    awaiting: computeAwaiting(state),
    closedAtMs: state.closedAtMs,
    board: boardMomentsOf(state),
    pendingMaterials: pendingMaterialsOf(state).map((p) => ({ ...p, name: materialName(state, p.itemCode, p.code).zh })),
    materialsOverdueAt: materialsOverdueAt(state),
    ...(state.agency ? { agency: state.agency } : {}),
  };
}

/** Stage rows with what the read model shows of them: the lead department and the result. */
function stageRowsOf(state: CaseState): CaseSync['rows']['stages'] {
  return state.stages.map((stage) => ({
    ...stage,
    leadDepartment: state.input.plan.stages.find((s) => s.code === stage.code)?.leadDepartment ?? null,
    result: resultOf(state, stage),
  }));
}

function rowsOf(state: CaseState, events: CaseEvent[]): CaseSync['rows'] {
  const touched = touchedBy(events);
  const isTouchedTask = (task: TaskState) => touched.all || touched.tasks.has(task.taskId) || touched.stages.has(task.stage);
  return {
    case: caseRowOf(state),
    stages: touched.all || touched.stages.size > 0 ? stageRowsOf(state) : [],
    tasks: state.tasks.filter(isTouchedTask),
    certificates: state.certificates.filter((c) => touched.all || touched.certificates.has(c.number)),
    escalations: (state.escalations ?? []).filter((e) => touched.all || touched.escalations.has(e.escalationId)),
    ...(touched.all || touchesAgency(events) ? { agencyActivities: state.agencyActivities ?? [] } : {}),
  };
}

/** Consecutive runs of events, each under `maxBytes` of JSON unless a single event is larger. */
export function splitEvents(events: CaseEvent[], maxBytes: number): CaseEvent[][] {
  const parts: CaseEvent[][] = [];
  let part: CaseEvent[] = [];
  let size = 0;
  for (const event of events) {
    const bytes = jsonBytes(event);
    if (part.length > 0 && size + bytes > maxBytes) {
      parts.push(part);
      part = [];
      size = 0;
    }
    part.push(event);
    size += bytes;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * The writes that bring the read model up to `events` (all unflushed, in order). The rows are
 * the same in every part; notifications go with the first.
 */
export function buildSyncs(state: CaseState, events: CaseEvent[], notifications: NotificationRecord[]): CaseSync[] {
  const rows = rowsOf(state, events);
  return splitEvents(events, MAX_SYNC_EVENT_BYTES).map((part, index) => ({
    caseId: state.input.caseId,
    version: part[part.length - 1]?.seq ?? state.seq,
    events: part,
    rows,
    notifications: index === 0 ? notifications : [],
  }));
}

/** Every row of the case, for a write that must leave nothing stale (after events were taken back). */
export function buildFullSync(state: CaseState, version: number): CaseSync {
  return {
    caseId: state.input.caseId,
    version,
    events: [],
    rows: {
      case: caseRowOf(state),
      stages: stageRowsOf(state),
      tasks: state.tasks,
      certificates: state.certificates,
      escalations: state.escalations ?? [],
      agencyActivities: state.agencyActivities ?? [],
    },
    notifications: [],
    full: true,
  };
}
