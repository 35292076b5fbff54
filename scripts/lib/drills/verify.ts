/**
 * What a drill checks on every case once the load is over, against the workflow itself:
 *
 * - no lost request: every case an opening was answered with exists, in PostgreSQL and as a
 *   workflow; every decision answered 200 is in the workflow's state and in the read model, by
 *   that reviewer; every stage application answered 200 opened its stage;
 * - no duplicate: at most one `task_decided` event per task in the audit trail (exactly one for
 *   each decision of the ledger), and no case that no answer named;
 * - no gap in an audit chain: every chain verifies (db/audit-verification.ts, as
 *   ./scripts/verify-audit does), seq 1…n, and n is the workflow's own last event seq;
 * - the read model equals the workflow's state (its `state` query): the case row, every stage,
 *   task, certificate and escalation row, field by field on what the workflow owns;
 * - every timer still armed: the workflow's next wake-up, computed from its queried state by its
 *   own pure code (listTimers + the case's wake-up offset), is a timer the Temporal server holds:
 *   its history has a TimerStarted, neither fired nor cancelled, due at that moment (to within the
 *   workflow task's own lag); and no open timer is overdue.
 *
 * Nothing here is timed: each check waits until the case has written everything it did.
 */
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { inArray, sql } from 'drizzle-orm';
import { verifyStoredChains } from '../../../db/audit-verification.js';
import { verifyChain } from '../../../db/audit-chain.js';
import { connectDatabase, type Database } from '../../../db/client.js';
import { findAuditEvents, findCaseWithRows } from '../../../db/queries.js';
import { auditRetractions, cases } from '../../../db/schema.js';
import { caseWorkflowId } from '../../../temporal.config.js';
import { currentStageCode, listTimers } from '../../../workflows/case-machine.js';
import type { CaseState } from '../../../workflows/case-state.js';
import { stateQuery, wakeUpDelayMs } from '../../../workflows/case-workflow.js';
import type { Ledger } from './load.js';

/** How long the TimerStarted may come after the moment the workflow computed it from (its task's lag). */
const TIMER_LAG_TOLERANCE_MS = 60_000;
const SETTLE_PATIENCE_MS = 180_000;

export interface CheckReport {
  cases: number;
  decisions: number;
  events: number;
  /** audit events taken back after Temporal discarded the workflow task that wrote them (a killed worker) */
  retractions: number;
  timersArmed: number;
  problems: string[];
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function toMs(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  const seconds = time?.seconds;
  const whole = typeof seconds === 'number' ? seconds : Number((seconds as { toString(): string } | null | undefined)?.toString() ?? 0);
  return whole * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

/** The timers of the current run that are started and neither fired nor cancelled, with when each is due. */
export function findOpenTimers(events: HistoryEvent[]): { timerId: string; startedAtMs: number; fireAtMs: number }[] {
  const open = new Map<string, { timerId: string; startedAtMs: number; fireAtMs: number }>();
  for (const event of events) {
    const started = event.timerStartedEventAttributes;
    if (started?.timerId) {
      const startedAtMs = toMs(event.eventTime);
      open.set(started.timerId, { timerId: started.timerId, startedAtMs, fireAtMs: startedAtMs + toMs(started.startToFireTimeout) });
    }
    const closed = event.timerFiredEventAttributes?.timerId ?? event.timerCanceledEventAttributes?.timerId;
    if (closed) open.delete(closed);
  }
  return [...open.values()];
}

/** The case's state once everything it did is in the read model (nothing unflushed). */
async function querySettled(client: Client, caseId: string): Promise<CaseState> {
  const handle = client.workflow.getHandle(caseWorkflowId(caseId));
  const giveUpAt = Date.now() + SETTLE_PATIENCE_MS;
  for (;;) {
    const state = await handle.query(stateQuery);
    if ((state.persistedSeq >= state.seq && state.unflushed.length === 0) || state.fault) return state;
    if (Date.now() > giveUpAt) return state;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const ms = (date: Date | null | undefined): number | null => (date ? date.getTime() : null);

function compareReadModel(state: CaseState, row: NonNullable<Awaited<ReturnType<typeof findCaseWithRows>>>, say: (what: string) => void): void {
  const same = (what: string, fromWorkflow: unknown, fromReadModel: unknown) => {
    if (JSON.stringify(fromWorkflow) !== JSON.stringify(fromReadModel)) {
      say(`read model differs on ${what}: workflow ${JSON.stringify(fromWorkflow)}, read model ${JSON.stringify(fromReadModel)}`);
    }
  };
  same('case status', state.status, row.status);
  same('current stage', currentStageCode(state), row.currentStage);
  same('case version (last event seq written)', state.seq, row.version);
  same('case closedAt', state.closedAtMs, ms(row.closedAt));
  same('case fault', state.fault ?? null, row.fault ?? null);
  const stageRows = new Map(row.stages.map((s) => [s.code, s]));
  for (const stage of state.stages) {
    const r = stageRows.get(stage.code);
    same(`stage ${stage.code}`, [stage.status, stage.openedAtMs, stage.closedAtMs], r ? [r.status, ms(r.openedAt), ms(r.closedAt)] : null);
  }
  same('stage rows', state.stages.length, row.stages.length);
  const taskRows = new Map(row.tasks.map((t) => [t.taskId, t]));
  for (const task of state.tasks) {
    const r = taskRows.get(task.taskId);
    const run = task.status === 'awaiting_supplement' ? null : task.run;
    same(
      `task ${task.taskId}`,
      [task.status, task.decision?.decision ?? null, task.decision?.by.sub ?? null, task.decidedAtMs, run?.deadlineMs ?? null, run?.dueDate ?? null, task.pendingSinceMs],
      r ? [r.status, r.decision?.decision ?? null, r.decision?.by.sub ?? null, ms(r.decidedAt), ms(r.deadline), r.dueDate, ms(r.pendingSince)] : null,
    );
  }
  same('task rows', state.tasks.length, row.tasks.length);
  same('certificates', state.certificates.map((c) => c.number).sort(), row.certificates.map((c) => c.number).sort());
  same(
    'escalations',
    (state.escalations ?? []).map((e) => `${e.escalationId}:${e.level}:${e.status}`).sort(),
    row.escalations.map((e) => `${e.escalationId}:${e.level}:${e.status}`).sort(),
  );
}

export interface CheckTarget {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
}

/**
 * Checks every case the ledger opened (and, on a stack of the drills' own, that no other case
 * exists: `exclusive`). Returns the problems found; none means the drill passed.
 */
export async function checkEveryCase(target: CheckTarget, ledger: Ledger, options: { exclusive: boolean; since?: Date }): Promise<CheckReport> {
  const connection = await Connection.connect({ address: target.temporalAddress });
  const client = new Client({ connection, namespace: target.namespace });
  const database = connectDatabase(target.databaseUrl, { max: 4 });
  const report: CheckReport = { cases: 0, decisions: 0, events: 0, retractions: 0, timersArmed: 0, problems: [] };
  try {
    const db: Database = database.db;
    const known = new Set(ledger.cases);
    const stored = await db
      .select({ caseId: cases.caseId })
      .from(cases)
      .where(options.since ? sql`${cases.createdAt} >= ${options.since.toISOString()}` : sql`true`);
    if (options.exclusive || options.since) {
      for (const { caseId } of stored) if (!known.has(caseId)) report.problems.push(`${caseId}: a case no answer named (a duplicate opening?)`);
    }
    const decisionsByCase = new Map<string, Ledger['requests']>();
    for (const request of ledger.requests) {
      if (!request.caseId) continue;
      decisionsByCase.set(request.caseId, [...(decisionsByCase.get(request.caseId) ?? []), request]);
    }
    for (const caseId of ledger.cases) {
      const say = (what: string) => report.problems.push(`${caseId}: ${what}`);
      report.cases += 1;
      const row = await findCaseWithRows(db, caseId);
      if (!row) {
        say('lost: the opening was answered 201 but the read model has no such case');
        continue;
      }
      let state: CaseState;
      try {
        state = await querySettled(client, caseId);
      } catch (error) {
        say(`lost: its workflow does not answer (${error instanceof Error ? error.message : String(error)})`);
        continue;
      }
      if (state.fault) say(`faulted: ${state.fault.message}`);
      if (state.persistedSeq < state.seq) say(`events ${state.persistedSeq + 1}…${state.seq} never reached the read model`);

      // the audit chain: whole, and ending at the workflow's last event
      const events = await findAuditEvents(db, caseId);
      report.events += events.length;
      const chain = verifyChain(events);
      if (!chain.verified) say(`audit chain broken at seq ${chain.brokenAtSeq}`);
      if (events.length !== state.seq) say(`audit trail holds ${events.length} events, the workflow emitted ${state.seq}`);

      // decisions: each in the workflow and the read model, once
      const decidedEvents = new Map<string, number>();
      for (const event of events) {
        if (event.type !== 'task_decided') continue;
        const taskId = String((JSON.parse(event.canonical) as { data?: { taskId?: unknown } }).data?.taskId);
        decidedEvents.set(taskId, (decidedEvents.get(taskId) ?? 0) + 1);
      }
      for (const [taskId, count] of decidedEvents) if (count > 1) say(`duplicate: ${count} task_decided events for ${taskId}`);
      const taskRows = new Map(row.tasks.map((t) => [t.taskId, t]));
      for (const request of decisionsByCase.get(caseId) ?? []) {
        if (request.kind === 'decide') {
          report.decisions += 1;
          const task = state.tasks.find((t) => t.taskId === request.taskId);
          if (request.status !== 200 || request.answer !== 'approved') say(`decision on ${request.taskId} answered ${request.status} ${request.answer}`);
          if (task?.status !== 'approved' || task.decision?.by.sub !== request.subject) {
            say(`lost decision: ${request.taskId} answered 200 but the workflow has it ${task?.status ?? 'missing'} (by ${task?.decision?.by.sub ?? 'nobody'})`);
          }
          if (taskRows.get(request.taskId!)?.status !== 'approved') say(`lost decision: ${request.taskId} answered 200 but the read model has it ${taskRows.get(request.taskId!)?.status}`);
          if ((decidedEvents.get(request.taskId!) ?? 0) !== 1) say(`${request.taskId}: ${decidedEvents.get(request.taskId!) ?? 0} task_decided events for one decision`);
        } else if (request.kind === 'apply') {
          if (request.status !== 200) say(`stage application answered ${request.status} ${request.answer}`);
          else if (request.answer !== 'in_review' && request.answer !== 'approved') say(`stage application answered with the stage ${request.answer}`);
        }
      }

      compareReadModel(state, row, say);

      // the next wake-up is a timer the server holds
      const next = listTimers(state)[0];
      if (state.status === 'open' && next) {
        const wakeAt = next.at + wakeUpDelayMs(caseId);
        const history = await client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
        const open = findOpenTimers(history.events ?? []);
        const matching = open.filter((t) => t.fireAtMs >= wakeAt - 1_000 && t.fireAtMs <= wakeAt + TIMER_LAG_TOLERANCE_MS);
        if (matching.length === 0) {
          say(
            `timer not armed: next wake-up ${new Date(wakeAt).toISOString()} (${next.kind} of ${next.taskId}); open timers in history: ` +
              (open.map((t) => new Date(t.fireAtMs).toISOString()).join(', ') || 'none'),
          );
        } else report.timersArmed += 1;
        for (const timer of open) if (timer.fireAtMs < Date.now() - TIMER_LAG_TOLERANCE_MS) say(`timer ${timer.timerId} was due at ${new Date(timer.fireAtMs).toISOString()} and never fired`);
      }
    }
    if (ledger.cases.length > 0) {
      const [retracted] = await db.select({ n: sql<number>`count(*)::int` }).from(auditRetractions).where(inArray(auditRetractions.caseId, ledger.cases));
      report.retractions = retracted?.n ?? 0;
    }
    // ./scripts/verify-audit's own pass, over every case in the database
    const chains = await verifyStoredChains(db);
    for (const { caseId, brokenAtSeq } of chains.broken) report.problems.push(`${caseId}: verify-audit finds the chain broken at seq ${brokenAtSeq}`);
  } finally {
    await database.close();
    await connection.close();
  }
  return report;
}
