/**
 * The case workflow's activities: writing its read model (db/case-sync.ts does the writing;
 * this is where a database refusal becomes a workflow's fault) and recording a fault.
 *
 * A write the database refuses for a reason retrying cannot cure (SQLSTATE classes 22, 23, 54)
 * fails non-retryably as DATA_ERROR, so the workflow stops the case with a fault instead of
 * retrying forever.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { eq, sql as sqlOf } from 'drizzle-orm';
import { WorkingCalendar } from '../domain/calendar.js';
import type { CaseEvent, CaseFault, CaseSnapshot, CaseSync } from '../domain/case-types.js';
import { computeBoardMoments, type BoardMoments } from '../domain/supervision.js';
import { createCaseSyncWriter } from '../db/case-sync.js';
import { sqlStateOf, type Database } from '../db/client.js';
import { cases } from '../db/schema.js';

export interface ReadModelDependencies {
  db: Database;
  timeZone: string;
}

/** The activity failure type the workflow recognises as "stop with a fault". */
const DATA_ERROR = 'DATA_ERROR';

/** SQLSTATE classes no retry can cure: data exceptions, integrity violations, program limits. */
const DATA_ERROR_CLASSES = new Set(['22', '23', '54']);

/** A legacy input (a full snapshot with text in it, from workflow code before CaseSync) in today's shape. */
function fromLegacy(snapshot: CaseSnapshot, events: CaseEvent[]): CaseSync {
  return {
    caseId: snapshot.caseId,
    version: snapshot.version,
    events,
    rows: {
      case: {
        status: snapshot.status,
        currentStage: snapshot.currentStage,
        awaiting: snapshot.awaiting,
        closedAtMs: snapshot.closedAtMs,
      },
      stages: snapshot.stages,
      tasks: snapshot.tasks,
      certificates: snapshot.certificates,
      escalations: snapshot.escalations ?? [],
    },
    notifications: snapshot.notifications ?? [],
  };
}

/** Legacy writes carry every task: the board's clock moments from them (stall moments need the case's calendar). */
function legacyBoard(sync: CaseSync): BoardMoments | undefined {
  const current = sync.rows.case.status === 'open' ? sync.rows.tasks.filter((t) => t.stage === sync.rows.case.currentStage) : [];
  if (sync.rows.tasks.length === 0) return undefined;
  const open = current.filter((t) => ['blocked', 'pending', 'awaiting_supplement'].includes(t.status));
  const board = computeBoardMoments(
    open.map((t) => ({
      department: t.department,
      status: t.status,
      dueDate: t.status === 'pending' ? (t.run?.dueDate ?? null) : null,
      deadlineMs: t.status === 'pending' ? (t.run?.deadlineMs ?? null) : null,
      yellowFromMs: t.status === 'pending' ? (t.run?.yellowFromMs ?? null) : null,
      lastEventAtMs: t.lastEventAtMs,
      supplementRequestedAtMs: null,
    })),
    sync.rows.escalations.filter((e) => e.status === 'open').map((e) => e.level),
    new WorkingCalendar([], 'UTC'),
    { noActivityWorkingDays: 1, applicantSilentWorkingDays: 1 },
  );
  return { ...board, noActivityAt: null, applicantSilentAt: null };
}

/**
 * The worker's own counters (README: Metrics), next to the Temporal SDK's on the worker's
 * Prometheus endpoint. Counted when a write commits; a retried write after a lost answer counts
 * twice, so they are rates to watch, not ledgers (the read model is the ledger).
 */
function recordSyncMetrics(sync: CaseSync, elapsedMs: number): void {
  const meter = Context.current().metricMeter;
  meter.createHistogram('approval_read_model_flush_ms', 'int', 'ms', 'one read-model write of a case (its audit events and changed rows)').record(Math.round(elapsedMs));
  let opened = 0;
  for (const event of sync.events) {
    if (event.type === 'task_started') opened += 1;
    else if (event.type === 'task_decided') {
      meter.createCounter('approval_tasks_decided', '1', 'department decisions written (deemed consent included)').add(1, {
        decision: String(event.data.decision ?? 'unknown'),
      });
    } else if (event.type === 'escalation_opened') {
      meter.createCounter('approval_escalations_opened', '1', 'escalations opened, automatic and by coordinators').add(1, {
        level: String(event.data.level ?? 'unknown'),
      });
    }
  }
  if (opened > 0) meter.createCounter('approval_tasks_opened', '1', 'tasks whose clock started').add(opened);
}

export function createReadModelActivities({ db, timeZone }: ReadModelDependencies) {
  const writer = createCaseSyncWriter({ sql: db.$client, timeZone, legacyBoard });

  /** Database errors no retry can cure become a non-retryable DATA_ERROR; others are retried. */
  async function refusingDataErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApplicationFailure) throw error;
      const state = sqlStateOf(error);
      if (state && DATA_ERROR_CLASSES.has(state.slice(0, 2))) {
        throw ApplicationFailure.nonRetryable(`the database refused the write (SQLSTATE ${state})`, DATA_ERROR);
      }
      throw error;
    }
  }

  return {
    /**
     * Appends the events to the case's audit chain and mirrors its rows, in one transaction.
     * Returns the chain's last hash, which the workflow carries into its next write, and
     * `resync` when events of a discarded workflow task had to be taken back.
     */
    async syncCase(input: CaseSync | CaseSnapshot, legacyEvents?: CaseEvent[]): Promise<{ lastHash: string; resync?: true }> {
      const sync = 'rows' in input ? input : fromLegacy(input, legacyEvents ?? []);
      const startedAt = performance.now();
      const result = await refusingDataErrors(() => writer.write(sync, { byWorkflow: true }));
      recordSyncMetrics(sync, performance.now() - startedAt);
      return result;
    },

    /** Shows a case's fault in the read model (the board, the case view, the metrics). */
    async recordCaseFault(caseId: string, fault: CaseFault): Promise<void> {
      await db.update(cases).set({ fault, updatedAt: sqlOf`now()` }).where(eq(cases.caseId, caseId));
    },
  };
}
