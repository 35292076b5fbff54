/**
 * Recovering a case whose workflow stopped (SPEC §6.0; README "Recovering a case"): a fault the
 * read model shows (the database refused a write for good), or a workflow that ended abnormally
 * (terminated, failed, timed out) while its read model still says open.
 *
 * - `retry`: the fault's cause was repaired (a constraint, a full disk): the workflow writes again.
 * - `reset`: Temporal's reset to the last good point, just after the last write that reached the
 *   read model; requests accepted after it (none of which were answered with success) are
 *   dropped and may be sent again; signals are reapplied.
 * - `close`: the case is closed (withdrawn) with the administrator's reason in its audit chain,
 *   so the project can be filed again.
 *
 * Also the sweep that finds workflows which ended abnormally and marks their cases faulted.
 */
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { and, desc, eq, sql } from 'drizzle-orm';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { WorkingCalendar } from '../domain/calendar.js';
import type { Actor, CaseFault } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import { hashEvent, GENESIS_HASH } from '../db/audit-chain.js';
import type { Database } from '../db/client.js';
import { auditEvents, cases, escalations, stages, tasks } from '../db/schema.js';
import { caseWorkflowId, caseIdOfWorkflowId } from '../temporal.config.js';
import { recordResetUpdate, retryFaultUpdate } from '../workflows/case-workflow.js';
import { updateCase, waitForCaseSynced } from './temporal-edge.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export type RecoveryAction = 'retry' | 'reset' | 'close';

export interface RecoveryDependencies {
  db: Database;
  temporal: Client;
  timeZone: string;
}

const READ_MODEL_ACTIVITY = 'syncCase';
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const eventIdOf = (event: HistoryEvent): number => Number(event.eventId ?? 0);

/** Whether a local-activity marker records a successful read-model write. */
function isSuccessfulLocalSync(event: HistoryEvent): boolean {
  const marker = event.markerRecordedEventAttributes;
  if (!marker || marker.markerName !== LOCAL_ACTIVITY_MARKER || marker.failure) return false;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return false;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(data)) as { activityType?: string; activity_type?: string };
    return (parsed.activityType ?? parsed.activity_type) === READ_MODEL_ACTIVITY;
  } catch {
    return false;
  }
}

/**
 * Where to reset a case's history to. After the last read-model write that succeeded, the
 * first workflow task that ended is the point: the new run's state holds everything the read
 * model shows, and requests accepted later (none answered with success; the one the database
 * refused among them) are dropped. When no task ended after that write (the workflow was
 * terminated right after the task that wrote it, which with local activities is the task that
 * accepted the request), the point is that task, and the requests it accepted are applied again
 * (`reapplyUpdates`): their clients were answered with success. Null: no task to reset to.
 */
export function findResetPoint(events: HistoryEvent[]): { eventId: number; reapplyUpdates: boolean } | null {
  const scheduledType = new Map<number, string>();
  let lastGoodSync = 0;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) scheduledType.set(eventIdOf(event), scheduled.activityType?.name ?? '');
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && scheduledType.get(Number(completed.scheduledEventId ?? 0)) === READ_MODEL_ACTIVITY) {
      lastGoodSync = eventIdOf(event);
    }
    if (isSuccessfulLocalSync(event)) lastGoodSync = eventIdOf(event);
  }
  const endsWorkflowTask = (event: HistoryEvent) =>
    Boolean(
      event.workflowTaskCompletedEventAttributes ||
        event.workflowTaskFailedEventAttributes ||
        event.workflowTaskTimedOutEventAttributes,
    );
  const after = events.find((event) => eventIdOf(event) > lastGoodSync && endsWorkflowTask(event));
  if (after) return { eventId: eventIdOf(after), reapplyUpdates: false };
  const last = [...events].reverse().find(endsWorkflowTask);
  return last ? { eventId: eventIdOf(last), reapplyUpdates: true } : null;
}

async function getFaultedCase(db: Database, caseId: string) {
  const [row] = await db.select().from(cases).where(eq(cases.caseId, caseId));
  if (!row) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
  return row;
}

/** Marks a case faulted (the board shows it) unless it already is or is closed. */
export async function markCaseFaulted(db: Database, caseId: string, fault: CaseFault): Promise<boolean> {
  const updated = await db
    .update(cases)
    .set({ fault, updatedAt: sql`now()` })
    .where(and(eq(cases.caseId, caseId), eq(cases.status, 'open'), sql`${cases.fault} is null`))
    .returning({ caseId: cases.caseId });
  return updated.length > 0;
}

/** The statuses a case workflow should never end in while its case is open. */
const ABNORMAL_ENDS = ['Terminated', 'Failed', 'TimedOut', 'Canceled'];

/**
 * Finds case workflows on `taskQueue` that ended abnormally since `sinceMs` (all when null) and
 * marks their open cases faulted. Returns the case IDs newly marked.
 */
export async function sweepEndedWorkflows(
  db: Database,
  temporal: Client,
  taskQueue: string,
  sinceMs: number | null,
): Promise<string[]> {
  const statuses = ABNORMAL_ENDS.map((s) => `'${s}'`).join(', ');
  const since = sinceMs === null ? '' : ` AND CloseTime > '${new Date(sinceMs).toISOString()}'`;
  const query = `WorkflowType = 'caseWorkflow' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}' AND ExecutionStatus IN (${statuses})${since}`;
  const marked: string[] = [];
  for await (const workflow of temporal.workflow.list({ query })) {
    const caseId = caseIdOfWorkflowId(workflow.workflowId);
    if (!caseId) continue;
    // a reset leaves the old run terminated while a new one runs: only the latest run counts
    const latest = await temporal.workflow.getHandle(workflow.workflowId).describe();
    if (latest.runId !== workflow.runId) continue;
    const fault: CaseFault = {
      kind: 'workflow_closed',
      message: `the case's workflow ended (${workflow.status.name.toLowerCase()}) while the case was open`,
      seq: null,
      atMs: workflow.closeTime?.getTime() ?? Date.now(),
    };
    if (await markCaseFaulted(db, caseId, fault)) marked.push(caseId);
  }
  return marked;
}

async function resetCase(deps: RecoveryDependencies, caseId: string, reason: string, actor: Actor): Promise<void> {
  const handle = deps.temporal.workflow.getHandle(caseWorkflowId(caseId));
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const point = findResetPoint(history.events ?? []);
  if (point === null) throw new AppError('CASE_FAULTED', `case ${caseId} has no workflow task to reset to`);
  const reset = deps.temporal.workflowService.resetWorkflowExecution({
    namespace: deps.temporal.options.namespace,
    workflowExecution: { workflowId: caseWorkflowId(caseId), runId: description.runId },
    reason: `${actor.sub}: ${reason}`.slice(0, 1000),
    workflowTaskFinishEventId: Long.fromNumber(point.eventId),
    requestId: randomUUID(),
    // Signals (calendar publications) are applied again; updates only when the point is the
    // task that accepted them (see findResetPoint).
    resetReapplyExcludeTypes: point.reapplyUpdates ? [] : [proto.temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE],
  }) as Promise<temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse>;
  const { runId } = await reset;
  if (!runId) throw new AppError('INTERNAL', 'Temporal did not start a new run');
  await deps.db.update(cases).set({ fault: null, updatedAt: sql`now()` }).where(eq(cases.caseId, caseId));
  // The new run records the reset in the case's own chain and writes what the old run had not.
  await updateCase(deps.temporal, caseId, recordResetUpdate, [{ reason, actor, resetToEventId: point.eventId }]);
}

async function retryCase(deps: RecoveryDependencies, caseId: string, actor: Actor): Promise<void> {
  await deps.db.update(cases).set({ fault: null, updatedAt: sql`now()` }).where(eq(cases.caseId, caseId));
  await updateCase(deps.temporal, caseId, retryFaultUpdate, [{ actor }]);
}

/**
 * Closes a stopped case without its workflow: terminated if it still runs, then withdrawn in the
 * read model with an audit event chained to the last one written.
 */
async function closeCase(deps: RecoveryDependencies, caseId: string, reason: string, actor: Actor, fault: CaseFault | null): Promise<void> {
  const handle = deps.temporal.workflow.getHandle(caseWorkflowId(caseId));
  const description = await handle.describe().catch(() => null);
  if (description?.status.name === 'RUNNING') await handle.terminate(`closed by ${actor.sub}: ${reason}`.slice(0, 1000));
  const clock = new WorkingCalendar([], deps.timeZone);
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.select({ status: cases.status }).from(cases).where(eq(cases.caseId, caseId)).for('update');
    if (row?.status !== 'open') throw new AppError('CASE_CLOSED', `case ${caseId} is ${row?.status ?? 'missing'}`);
    const [last] = await tx
      .select({ seq: auditEvents.seq, hash: auditEvents.hash })
      .from(auditEvents)
      .where(eq(auditEvents.caseId, caseId))
      .orderBy(desc(auditEvents.seq))
      .limit(1);
    const now = Date.now();
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const at = new Date(now);
    const { canonical, hash } = hashEvent({
      seq,
      type: 'case_closed_by_admin',
      at: clock.formatInstant(now),
      actor: { sub: actor.sub, name: actor.name, role: actor.role, ...(actor.department ? { department: actor.department } : {}) },
      data: { reason, status: 'withdrawn', fault: fault ? { kind: fault.kind, message: fault.message } : null },
      prevHash,
    });
    await tx.insert(auditEvents).values({ caseId, seq, type: 'case_closed_by_admin', at, canonical, prevHash, hash });
    await tx
      .update(tasks)
      .set({ status: 'cancelled', lastEventAt: at })
      .where(and(eq(tasks.caseId, caseId), sql`${tasks.status} in ('blocked', 'pending', 'awaiting_supplement')`));
    await tx.update(stages).set({ status: 'cancelled', closedAt: at }).where(and(eq(stages.caseId, caseId), eq(stages.status, 'in_review')));
    await tx
      .update(escalations)
      .set({ status: 'resolved', resolvedAt: at, resolution: `case closed by an administrator: ${reason}`.slice(0, 2000), resolvedBy: actor })
      .where(and(eq(escalations.caseId, caseId), eq(escalations.status, 'open')));
    await tx
      .update(cases)
      .set({ status: 'withdrawn', awaiting: null, closedAt: at, fault: null, version: seq, updatedAt: sql`now()` })
      .where(eq(cases.caseId, caseId));
  });
}

/** Runs a recovery action on a case that needs one (409 CASE_FAULTED otherwise says why not). */
export async function recoverCase(
  deps: RecoveryDependencies,
  caseId: string,
  action: RecoveryAction,
  reason: string,
  actor: Actor,
): Promise<void> {
  const row = await getFaultedCase(deps.db, caseId);
  if (row.status !== 'open') throw new AppError('CASE_CLOSED', `case ${caseId} is ${row.status}`);
  if (!row.fault) {
    throw new AppError('CASE_FAULTED', `case ${caseId} has no fault to recover from (the sweep marks ended workflows within a minute)`);
  }
  if (action === 'retry') {
    if (row.fault.kind !== 'data_error') throw new AppError('CASE_FAULTED', `a ${row.fault.kind} fault cannot be retried: reset or close the case`);
    await retryCase(deps, caseId, actor);
  } else if (action === 'reset') {
    await resetCase(deps, caseId, reason, actor);
  } else {
    await closeCase(deps, caseId, reason, actor, row.fault);
  }
  if (action !== 'close') await waitForCaseSynced(deps.temporal, caseId);
}
