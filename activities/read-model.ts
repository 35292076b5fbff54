/**
 * Writes a case's read model and audit trail. Idempotent: a retried call (same events, same
 * snapshot version) writes nothing twice; a stale snapshot never overwrites a newer one.
 */
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { WorkingCalendar } from '../domain/calendar.js';
import type { Actor, CaseEvent, CaseSnapshot, Material } from '../domain/case-types.js';
import type { Database } from '../db/client.js';
import { auditEvents, cases, certificates, escalations, notifications, stages, tasks } from '../db/schema.js';
import { canonicalJson, GENESIS_HASH, sha256Hex } from './audit.js';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface ReadModelDependencies {
  db: Database;
  timeZone: string;
}

/** `SET col = excluded.col` for every column but the key, for upserts. */
function excludedColumns(table: PgTable, keys: string[]): Record<string, SQL> {
  const columns = getTableColumns(table);
  return Object.fromEntries(
    Object.entries(columns)
      .filter(([name]) => !keys.includes(name))
      .map(([name, column]) => [name, sql.raw(`excluded."${column.name}"`)]),
  );
}

const date = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined ? null : new Date(ms));

function actorView(actor: Actor): Record<string, unknown> {
  return { sub: actor.sub, name: actor.name, role: actor.role, ...(actor.department ? { department: actor.department } : {}) };
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
      const body = {
        seq: event.seq,
        type: event.type,
        at: clock.formatInstant(event.at),
        actor: actorView(event.actor),
        data: event.data,
        prevHash,
      };
      const canonical = canonicalJson(body);
      const hash = sha256Hex(canonical);
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

  async function writeSnapshot(tx: Transaction, snapshot: CaseSnapshot): Promise<void> {
    await tx
      .update(cases)
      .set({
        status: snapshot.status,
        currentStage: snapshot.currentStage,
        awaiting: snapshot.awaiting,
        closedAt: date(snapshot.closedAtMs),
        version: snapshot.version,
        updatedAt: sql`now()`,
      })
      .where(eq(cases.caseId, snapshot.caseId));

    if (snapshot.stages.length > 0) {
      await tx
        .insert(stages)
        .values(
          snapshot.stages.map((s) => ({
            caseId: snapshot.caseId,
            code: s.code,
            order: s.order,
            status: s.status,
            openedAt: date(s.openedAtMs),
            closedAt: date(s.closedAtMs),
            committedDays: s.committedDays,
            materials: s.materials,
          })),
        )
        .onConflictDoUpdate({
          target: [stages.caseId, stages.code],
          // materials come from the stage_opened event (cases started before kept them in state too)
          set: { ...excludedColumns(stages, ['caseId', 'code', 'materials']), materials: sql`coalesce(excluded."materials", ${stages.materials})` },
        });
    }

    if (snapshot.tasks.length > 0) {
      await tx
        .insert(tasks)
        .values(
          snapshot.tasks.map((t) => {
            // A paused task has no running deadline; its last run's dates no longer hold.
            const run = t.status === 'awaiting_supplement' ? null : t.run;
            return {
            taskId: t.taskId,
            caseId: snapshot.caseId,
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
        .onConflictDoUpdate({ target: tasks.taskId, set: excludedColumns(tasks, ['taskId', 'supplementMaterials']) });
    }

    if (snapshot.certificates.length > 0) {
      await tx
        .insert(certificates)
        .values(
          snapshot.certificates.map((c) => ({
            number: c.number,
            name: c.name,
            itemCode: c.itemCode,
            caseId: snapshot.caseId,
            taskId: c.taskId,
            projectCode: c.projectCode,
            holder: c.holder,
            issuedAt: new Date(c.issuedAtMs),
            verificationCode: c.verificationCode,
          })),
        )
        .onConflictDoNothing();
    }

    const escalationList = snapshot.escalations ?? [];
    if (escalationList.length > 0) {
      await tx
        .insert(escalations)
        .values(
          escalationList.map((e) => ({
            escalationId: e.escalationId,
            caseId: snapshot.caseId,
            taskId: e.taskId,
            level: e.level,
            origin: e.origin,
            reason: e.reason,
            status: e.status,
            openedAt: new Date(e.openedAtMs),
            dueAt: date(e.dueAtMs),
            openedBy: e.openedBy,
            resolvedAt: date(e.resolvedAtMs),
            resolution: e.resolution,
            resolvedBy: e.resolvedBy,
          })),
        )
        .onConflictDoUpdate({ target: escalations.escalationId, set: excludedColumns(escalations, ['escalationId']) });
    }
  }

  /** Materials travel in events only (never in the snapshot): put them where the views read them. */
  async function writeMaterials(tx: Transaction, caseId: string, events: CaseEvent[]): Promise<void> {
    for (const event of events) {
      const { data } = event;
      if (event.type === 'stage_opened' && Array.isArray(data.materials)) {
        await tx
          .update(stages)
          .set({ materials: data.materials as Material[] })
          .where(and(eq(stages.caseId, caseId), eq(stages.code, String(data.stage))));
      } else if (event.type === 'supplement_submitted' || event.type === 'supplement_requested') {
        const materials = event.type === 'supplement_submitted' && Array.isArray(data.materials) ? (data.materials as Material[]) : null;
        await tx.update(tasks).set({ supplementMaterials: materials }).where(eq(tasks.taskId, String(data.taskId)));
      }
    }
  }

  /** The outbox rows of this write; a retried write inserts nothing twice. */
  async function appendNotifications(tx: Transaction, snapshot: CaseSnapshot): Promise<void> {
    const list = snapshot.notifications ?? [];
    if (list.length === 0) return;
    await tx
      .insert(notifications)
      .values(
        list.map((n) => ({
          notificationId: n.notificationId,
          kind: n.kind,
          caseId: snapshot.caseId,
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

  return {
    /** Appends `events` to the case's audit chain and mirrors `snapshot`, in one transaction. */
    async syncCase(snapshot: CaseSnapshot, events: CaseEvent[]): Promise<void> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select({ version: cases.version })
          .from(cases)
          .where(eq(cases.caseId, snapshot.caseId))
          .for('update');
        if (!row) throw new Error(`case ${snapshot.caseId} has no row in the read model`);
        await appendEvents(tx, snapshot.caseId, events);
        await appendNotifications(tx, snapshot);
        if (snapshot.version > row.version) {
          await writeSnapshot(tx, snapshot);
          await writeMaterials(tx, snapshot.caseId, events);
        }
      });
    },
  };
}
