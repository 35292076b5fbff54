/**
 * Writes a case's read model and audit trail. Idempotent: a retried call (same events, same
 * version) writes nothing twice; a stale write never overwrites a newer one.
 *
 * Rows come from the workflow's structure (CaseSync.rows); free text (opinions, conditions,
 * reasons, materials) comes from the events, the only place it crosses the workflow boundary.
 * A write the database refuses for a reason retrying cannot cure (SQLSTATE classes 22, 23, 54)
 * fails non-retryably as DATA_ERROR, so the workflow stops the case with a fault instead of
 * retrying forever.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { WorkingCalendar } from '../domain/calendar.js';
import type {
  Actor,
  CaseEvent,
  CaseFault,
  CaseSnapshot,
  CaseSync,
  DecisionText,
  Material,
  SupplementText,
} from '../domain/case-types.js';
import { sqlStateOf, type Database } from '../db/client.js';
import { auditEvents, cases, certificates, escalations, notifications, stages, tasks } from '../db/schema.js';
import { GENESIS_HASH, hashEvent } from '../db/audit-chain.js';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface ReadModelDependencies {
  db: Database;
  timeZone: string;
}

/** The activity failure type the workflow recognises as "stop with a fault". */
const DATA_ERROR = 'DATA_ERROR';

/** SQLSTATE classes no retry can cure: data exceptions, integrity violations, program limits. */
const DATA_ERROR_CLASSES = new Set(['22', '23', '54']);

/** `SET col = excluded.col` for every column but the key, for upserts. */
function excludedColumns(table: PgTable, keep: string[]): Record<string, SQL> {
  const columns = getTableColumns(table);
  return Object.fromEntries(
    Object.entries(columns)
      .filter(([name]) => !keep.includes(name))
      .map(([name, column]) => [name, sql.raw(`excluded."${column.name}"`)]),
  );
}

const date = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined ? null : new Date(ms));

function actorView(actor: Actor): Record<string, unknown> {
  return { sub: actor.sub, name: actor.name, role: actor.role, ...(actor.department ? { department: actor.department } : {}) };
}

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

export function createReadModelActivities({ db, timeZone }: ReadModelDependencies) {
  const clock = new WorkingCalendar([], timeZone);

  async function appendEvents(tx: Transaction, caseId: string, events: CaseEvent[]): Promise<void> {
    const first = events[0];
    if (!first) return;
    let prevHash = GENESIS_HASH;
    if (first.seq > 1) {
      const [previous] = await tx
        .select({ hash: auditEvents.hash })
        .from(auditEvents)
        .where(and(eq(auditEvents.caseId, caseId), eq(auditEvents.seq, first.seq - 1)));
      // The workflow writes in order, so a gap means an earlier write is still being retried.
      if (!previous) throw new Error(`audit event ${first.seq - 1} of case ${caseId} is not written yet`);
      prevHash = previous.hash;
    }
    for (const event of events) {
      const { canonical, hash } = hashEvent({
        seq: event.seq,
        type: event.type,
        at: clock.formatInstant(event.at),
        actor: actorView(event.actor),
        data: event.data,
        prevHash,
      });
      const inserted = await tx
        .insert(auditEvents)
        .values({ caseId, seq: event.seq, type: event.type, at: new Date(event.at), canonical, prevHash, hash })
        .onConflictDoNothing()
        .returning({ hash: auditEvents.hash });
      if (inserted.length > 0) {
        prevHash = hash;
      } else {
        const [existing] = await tx
          .select({ hash: auditEvents.hash })
          .from(auditEvents)
          .where(and(eq(auditEvents.caseId, caseId), eq(auditEvents.seq, event.seq)));
        prevHash = existing?.hash ?? hash;
      }
    }
  }

  async function writeRows(tx: Transaction, sync: CaseSync): Promise<void> {
    const { rows, caseId } = sync;
    await tx
      .update(cases)
      .set({
        status: rows.case.status,
        currentStage: rows.case.currentStage,
        awaiting: rows.case.awaiting,
        closedAt: date(rows.case.closedAtMs),
        version: sync.version,
        updatedAt: sql`now()`,
      })
      .where(eq(cases.caseId, caseId));

    if (rows.stages.length > 0) {
      await tx
        .insert(stages)
        .values(
          rows.stages.map((s) => ({
            caseId,
            code: s.code,
            order: s.order,
            status: s.status,
            openedAt: date(s.openedAtMs),
            closedAt: date(s.closedAtMs),
            committedDays: s.committedDays,
            // materials come from stage_opened (legacy states also carried them)
            materials: s.materials ?? null,
          })),
        )
        .onConflictDoUpdate({
          target: [stages.caseId, stages.code],
          set: { ...excludedColumns(stages, ['caseId', 'code', 'materials']), materials: sql`coalesce(excluded."materials", ${stages.materials})` },
        });
    }

    if (rows.tasks.length > 0) {
      await tx
        .insert(tasks)
        .values(
          rows.tasks.map((t) => {
            // A paused task has no running deadline; its last run's dates no longer hold.
            const run = t.status === 'awaiting_supplement' ? null : t.run;
            return {
              taskId: t.taskId,
              caseId,
              stage: t.stage,
              itemCode: t.itemCode,
              itemName: t.itemName,
              itemNameEn: t.itemNameEn,
              department: t.department,
              status: t.status,
              committedWorkingDays: t.committedDays,
              statutoryWorkingDays: t.statutoryDays,
              warningDays: t.warningDays,
              deemedConsent: t.deemedConsent,
              startDate: run?.startDate ?? null,
              dueDate: run?.dueDate ?? null,
              deadline: date(run?.deadlineMs),
              yellowFrom: date(run?.yellowFromMs),
              derivation: run?.derivation ?? null,
              usedBeforeRun: t.usedBeforeRun,
              usedWorkingDays: t.usedBeforeRun,
              remainingWorkingDays:
                run?.workingDays ?? Math.max(0, t.committedDays + (t.extension?.workingDays ?? 0) - t.usedBeforeRun),
              extension: t.extension,
              supplement: t.supplement,
              decision: t.decision,
              pendingSince: date(t.pendingSinceMs),
              decidedAt: date(t.decidedAtMs),
              lastEventAt: new Date(t.lastEventAtMs),
            };
          }),
        )
        .onConflictDoUpdate({
          target: tasks.taskId,
          // text columns are written from events only
          set: excludedColumns(tasks, ['taskId', 'supplementMaterials', 'decisionText', 'supplementText', 'extensionReason']),
        });
    }

    if (rows.certificates.length > 0) {
      await tx
        .insert(certificates)
        .values(
          rows.certificates.map((c) => ({
            number: c.number,
            name: c.name,
            itemCode: c.itemCode,
            caseId,
            taskId: c.taskId,
            projectCode: c.projectCode,
            holder: c.holder,
            issuedAt: new Date(c.issuedAtMs),
            verificationCode: c.verificationCode,
          })),
        )
        .onConflictDoNothing();
    }

    if (rows.escalations.length > 0) {
      await tx
        .insert(escalations)
        .values(
          rows.escalations.map((e) => ({
            escalationId: e.escalationId,
            caseId,
            taskId: e.taskId,
            level: e.level,
            origin: e.origin,
            // the texts are set from escalation_opened / escalation_resolved (legacy records carry them)
            reason: e.reason ?? '',
            status: e.status,
            openedAt: new Date(e.openedAtMs),
            dueAt: date(e.dueAtMs),
            openedBy: e.openedBy,
            resolvedAt: date(e.resolvedAtMs),
            resolution: e.resolution ?? null,
            resolvedBy: e.resolvedBy,
          })),
        )
        .onConflictDoUpdate({ target: escalations.escalationId, set: excludedColumns(escalations, ['escalationId', 'reason', 'resolution']) });
    }
  }

  /** Free text travels in events only: put it where the views read it. */
  async function writeTexts(tx: Transaction, caseId: string, events: CaseEvent[]): Promise<void> {
    for (const { type, data } of events) {
      const taskId = String(data.taskId);
      switch (type) {
        case 'stage_opened':
          if (Array.isArray(data.materials)) {
            await tx
              .update(stages)
              .set({ materials: data.materials as Material[] })
              .where(and(eq(stages.caseId, caseId), eq(stages.code, String(data.stage))));
          }
          break;
        case 'task_decided': {
          const text: DecisionText = { opinion: (data.opinion as string | null | undefined) ?? null, conditions: (data.conditions as string[] | undefined) ?? [] };
          await tx.update(tasks).set({ decisionText: text }).where(eq(tasks.taskId, taskId));
          break;
        }
        case 'supplement_requested': {
          const supplement: SupplementText = { opinion: String(data.opinion ?? ''), missingMaterials: (data.missingMaterials as string[] | undefined) ?? [] };
          await tx
            .update(tasks)
            .set({ decisionText: { opinion: supplement.opinion, conditions: [] }, supplementText: supplement, supplementMaterials: null })
            .where(eq(tasks.taskId, taskId));
          break;
        }
        case 'supplement_submitted':
          await tx
            .update(tasks)
            .set({ supplementMaterials: Array.isArray(data.materials) ? (data.materials as Material[]) : null })
            .where(eq(tasks.taskId, taskId));
          break;
        case 'extension_granted':
          await tx.update(tasks).set({ extensionReason: String(data.reason ?? '') }).where(eq(tasks.taskId, taskId));
          break;
        case 'escalation_opened':
          await tx.update(escalations).set({ reason: String(data.reason ?? '') }).where(eq(escalations.escalationId, String(data.escalationId)));
          break;
        case 'escalation_resolved':
          await tx
            .update(escalations)
            .set({ resolution: String(data.resolution ?? '') })
            .where(eq(escalations.escalationId, String(data.escalationId)));
          break;
        default:
          break;
      }
    }
  }

  /** The outbox rows of this write; a retried write inserts nothing twice. */
  async function appendNotifications(tx: Transaction, sync: CaseSync): Promise<void> {
    if (sync.notifications.length === 0) return;
    await tx
      .insert(notifications)
      .values(
        sync.notifications.map((n) => ({
          notificationId: n.notificationId,
          kind: n.kind,
          caseId: sync.caseId,
          taskId: n.taskId,
          audience: n.audience,
          department: n.department,
          message: n.message,
          data: n.data,
          createdAt: new Date(n.createdAtMs),
        })),
      )
      .onConflictDoNothing();
  }

  /** Database errors no retry can cure become a non-retryable DATA_ERROR; others are retried. */
  async function refusingDataErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const state = sqlStateOf(error);
      if (state && DATA_ERROR_CLASSES.has(state.slice(0, 2))) {
        throw ApplicationFailure.nonRetryable(`the database refused the write (SQLSTATE ${state})`, DATA_ERROR);
      }
      throw error;
    }
  }

  return {
    /** Appends the events to the case's audit chain and mirrors its rows, in one transaction. */
    async syncCase(input: CaseSync | CaseSnapshot, legacyEvents?: CaseEvent[]): Promise<void> {
      const sync = 'rows' in input ? input : fromLegacy(input, legacyEvents ?? []);
      await refusingDataErrors(() =>
        db.transaction(async (tx) => {
          const [row] = await tx
            .select({ version: cases.version })
            .from(cases)
            .where(eq(cases.caseId, sync.caseId))
            .for('update');
          if (!row) throw new Error(`case ${sync.caseId} has no row in the read model`);
          await appendEvents(tx, sync.caseId, sync.events);
          await appendNotifications(tx, sync);
          if (sync.version > row.version) {
            await writeRows(tx, sync);
            await writeTexts(tx, sync.caseId, sync.events);
          }
        }),
      );
    },

    /** Shows a case's fault in the read model (the board, the case view, the metrics). */
    async recordCaseFault(caseId: string, fault: CaseFault): Promise<void> {
      await db.update(cases).set({ fault, updatedAt: sql`now()` }).where(eq(cases.caseId, caseId));
    },
  };
}
