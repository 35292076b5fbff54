/**
 * Writes a case's read model and audit trail from a CaseSync: one transaction per write, its
 * statements sent together after the row lock, so a decision costs about one commit. Used by
 * the case workflow's read-model activity, and by the API when it opens a case (the opening's
 * rows and events, computed by the same pure code the workflow runs, land with the case row).
 *
 * Idempotent: a repeated write (same events, same version) writes nothing twice; a stale write
 * never overwrites a newer one; statistics are counted once, per event. Rows come from the
 * workflow's structure; free text (opinions, conditions, reasons, materials) comes from the
 * events, the only place it crosses the workflow boundary.
 *
 * Events already in the chain must be the very events written again. Where they differ they
 * came from a workflow task Temporal discarded (a worker died after its local activity wrote, or
 * the task was retried with other requests first): they never happened in the case's history,
 * so they are taken back (kept in audit_retractions) and the write asks the workflow for a full
 * write of its rows (`resync`).
 */
import type postgres from 'postgres';
import { WorkingCalendar } from '../domain/calendar.js';
import type { Actor, CaseEvent, CaseSync, DecisionText, Material, SupplementText, TaskState } from '../domain/case-types.js';
import type { BoardMoments } from '../domain/supervision.js';
import { GENESIS_HASH, hashEvent } from './audit-chain.js';

const CLOSING_EVENTS: Readonly<Record<string, 'completed' | 'rejected' | 'withdrawn'>> = {
  case_completed: 'completed',
  case_rejected: 'rejected',
  case_withdrawn: 'withdrawn',
};

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function actorView(actor: Actor): Record<string, unknown> {
  return { sub: actor.sub, name: actor.name, role: actor.role, ...(actor.department ? { department: actor.department } : {}) };
}

/** The text each event puts in the read model, last one winning, per row. */
interface Texts {
  stageMaterials: Map<string, Material[]>;
  decisionText: Map<string, DecisionText>;
  supplementText: Map<string, SupplementText>;
  supplementMaterials: Map<string, Material[] | null>;
  extensionReason: Map<string, string>;
  escalationReason: Map<string, string>;
  escalationResolution: Map<string, string>;
  handoutRecipient: Map<string, string>;
  agencySummary: Map<string, string>;
  agencyResolution: Map<string, string>;
}

function textsOf(events: CaseEvent[]): Texts {
  const texts: Texts = {
    stageMaterials: new Map(),
    decisionText: new Map(),
    supplementText: new Map(),
    supplementMaterials: new Map(),
    extensionReason: new Map(),
    escalationReason: new Map(),
    escalationResolution: new Map(),
    handoutRecipient: new Map(),
    agencySummary: new Map(),
    agencyResolution: new Map(),
  };
  for (const { type, data } of events) {
    const taskId = String(data.taskId);
    switch (type) {
      case 'stage_opened':
        if (Array.isArray(data.materials)) texts.stageMaterials.set(String(data.stage), data.materials as Material[]);
        break;
      case 'task_decided':
        texts.decisionText.set(taskId, {
          opinion: (data.opinion as string | null | undefined) ?? null,
          conditions: (data.conditions as string[] | undefined) ?? [],
        });
        break;
      case 'supplement_requested': {
        const opinion = String(data.opinion ?? '');
        texts.decisionText.set(taskId, { opinion, conditions: [] });
        texts.supplementText.set(taskId, { opinion, missingMaterials: (data.missingMaterials as string[] | undefined) ?? [] });
        texts.supplementMaterials.set(taskId, null);
        break;
      }
      case 'supplement_submitted':
        texts.supplementMaterials.set(taskId, Array.isArray(data.materials) ? (data.materials as Material[]) : null);
        break;
      case 'stage_supplement_submitted':
        // one answer to the stage's notice: each task it resumed received these materials
        for (const entry of (data.tasks as { taskId: string }[] | undefined) ?? []) {
          texts.supplementMaterials.set(entry.taskId, Array.isArray(data.materials) ? (data.materials as Material[]) : null);
        }
        break;
      case 'result_handed_out':
        texts.handoutRecipient.set(String(data.stage), String((data.recipient as { name?: unknown } | undefined)?.name ?? ''));
        break;
      case 'agency_activity_recorded':
        texts.agencySummary.set(String(data.activityId), String(data.summary ?? ''));
        break;
      case 'agency_problem_solved':
        texts.agencyResolution.set(String(data.activityId), String(data.resolution ?? ''));
        break;
      case 'extension_granted':
        texts.extensionReason.set(taskId, String(data.reason ?? ''));
        break;
      case 'escalation_opened':
        texts.escalationReason.set(String(data.escalationId), String(data.reason ?? ''));
        break;
      case 'escalation_resolved':
        texts.escalationResolution.set(String(data.escalationId), String(data.resolution ?? ''));
        break;
      default:
        break;
    }
  }
  return texts;
}

export interface CaseSyncWriter {
  /**
   * Writes one CaseSync in one statement. `tx`: inside a transaction of the caller's;
   * `byWorkflow`: the case's workflow writes it, so the workflow has run (the sweep's mark).
   */
  write(sync: CaseSync, options?: { tx?: postgres.TransactionSql; byWorkflow?: boolean }): Promise<{ lastHash: string; resync?: true }>;
  /** The SQL function's payload for a write that follows `prevHash` (the opening of a case). */
  payloadOf(sync: CaseSync, prevHash: string): unknown;
}

/** @param legacyBoard the board's moments for a write that carries none (legacy writes) */
export function createCaseSyncWriter(options: {
  sql: postgres.Sql;
  timeZone: string;
  legacyBoard?: (sync: CaseSync) => BoardMoments | undefined;
}): CaseSyncWriter {
  const { sql, timeZone } = options;
  const clock = new WorkingCalendar([], timeZone);

  async function previousHash(db: postgres.Sql | postgres.TransactionSql, caseId: string, firstSeq: number): Promise<string> {
    if (firstSeq <= 1) return GENESIS_HASH;
    const [previous] = await db<{ hash: string }[]>`select hash from audit_events where case_id = ${caseId} and seq = ${firstSeq - 1}`;
    // The workflow writes in order, so a gap means an earlier write is still being retried.
    if (!previous) throw new Error(`audit event ${firstSeq - 1} of case ${caseId} is not written yet`);
    return previous.hash;
  }

  function chain(caseId: string, events: CaseEvent[], prevHash: string) {
    let previous = prevHash;
    return events.map((event) => {
      const { canonical, hash } = hashEvent({
        seq: event.seq,
        type: event.type,
        at: clock.formatInstant(event.at),
        actor: actorView(event.actor),
        data: event.data,
        prevHash: previous,
      });
      const row = { case_id: caseId, seq: event.seq, type: event.type, at: iso(event.at), canonical, prev_hash: previous, hash };
      previous = hash;
      return row;
    });
  }

  /**
   * What this write's events add to the statistics (SPEC §3): a row per decision and per closing,
   * keyed by its event (triggers add them up per day; a retracted event takes its row with it).
   */
  function contributionsOf(sync: CaseSync) {
    const tasksById = new Map(sync.rows.tasks.map((t) => [t.taskId, t]));
    const decided: Record<string, unknown>[] = [];
    const closed: Record<string, unknown>[] = [];
    for (const { seq, type, data } of sync.events) {
      if (type === 'task_decided' && ['approve', 'reject', 'deemed_consent'].includes(String(data.decision))) {
        const task: TaskState | undefined = tasksById.get(String(data.taskId));
        if (!task || task.decidedAtMs === null) continue;
        decided.push({
          case_id: sync.caseId,
          seq,
          task_id: task.taskId,
          day: clock.localDate(task.decidedAtMs),
          department: task.department,
          item_code: task.itemCode,
          // a deemed consent is never on time: the department did not act
          on_time: data.decision !== 'deemed_consent' && task.run !== null && task.decidedAtMs <= task.run.deadlineMs,
          used_working_days: task.usedBeforeRun,
          committed_working_days: task.committedDays + (task.extension?.workingDays ?? 0),
          statutory_working_days: task.statutoryDays,
        });
      }
      const kind = CLOSING_EVENTS[type];
      if (kind && sync.rows.case.closedAtMs !== null) {
        closed.push({ case_id: sync.caseId, seq, day: clock.localDate(sync.rows.case.closedAtMs), kind });
      }
    }
    return { decided, closed };
  }

  /** The payload of approval_write_case (db/migrations/0007_read-model-writes.sql): column names as keys. */
  function payloadOf(sync: CaseSync, prevHash: string, byWorkflow: boolean) {
    const { caseId, rows } = sync;
    const texts = textsOf(sync.events);
    const { decided, closed } = contributionsOf(sync);
    const notices = sync.events
      .filter((e) => e.type === 'intake_notice_issued')
      .map((e) => ({
        notice_id: String(e.data.number),
        number: String(e.data.number),
        project_code: String(e.data.projectCode),
        case_id: caseId,
        stage: String(e.data.stage),
        missing: e.data.missing,
        issued_at: iso(e.at),
        issued_by: { sub: e.actor.sub, name: e.actor.name },
      }));
    const board = rows.case.board ?? options.legacyBoard?.(sync);
    return {
      case_id: caseId,
      version: sync.version,
      by_workflow: byWorkflow,
      full: sync.full === true,
      events: chain(caseId, sync.events, prevHash),
      decided,
      closed,
      notices,
      notifications: sync.notifications.map((n) => ({
        notification_id: n.notificationId,
        kind: n.kind,
        case_id: caseId,
        task_id: n.taskId,
        audience: n.audience,
        department: n.department,
        message: n.message,
        data: n.data,
        created_at: iso(n.createdAtMs),
      })),
      rows: {
        case: {
          status: rows.case.status,
          current_stage: rows.case.currentStage,
          awaiting: rows.case.awaiting,
          closed_at: iso(rows.case.closedAtMs),
          ...(board
            ? {
                board_deadline: iso(board.deadline),
                board_due_index: board.dueIndex,
                board_yellow_from: iso(board.yellowFrom),
                board_no_activity_at: iso(board.noActivityAt),
                board_applicant_silent_at: iso(board.applicantSilentAt),
                board_from: iso(board.from),
                board_running: board.running,
                board_departments: board.departments,
                escalation_level: board.escalationLevel,
              }
            : {}),
          ...(rows.case.pendingMaterials
            ? { pending_materials: rows.case.pendingMaterials, materials_overdue_at: iso(rows.case.materialsOverdueAt) }
            : {}),
          ...(rows.case.agency
            ? {
                agency_category: rows.case.agency.category,
                agency_agent: rows.case.agency.agent,
                agency_since: iso(rows.case.agency.sinceMs),
              }
            : {}),
        },
        stages: rows.stages.map((s) => ({
          case_id: caseId,
          code: s.code,
          order: s.order,
          status: s.status,
          opened_at: iso(s.openedAtMs),
          closed_at: iso(s.closedAtMs),
          committed_days: s.committedDays,
          // the materials come from stage_opened (legacy states also carried them)
          materials: s.materials ?? null,
          lead_department: s.leadDepartment ?? null,
          trips: s.trips ?? 0,
          supplement_notice: s.supplementNotice ?? null,
          result: s.result ?? null,
          handout: s.handout ?? null,
        })),
        tasks: rows.tasks.map((t) => {
          // A paused task has no running deadline; its last run's dates no longer hold.
          const run = t.status === 'awaiting_supplement' ? null : t.run;
          return {
            task_id: t.taskId,
            case_id: caseId,
            stage: t.stage,
            item_code: t.itemCode,
            item_name: t.itemName,
            item_name_en: t.itemNameEn,
            department: t.department,
            status: t.status,
            committed_working_days: t.committedDays,
            statutory_working_days: t.statutoryDays,
            warning_days: t.warningDays,
            deemed_consent: t.deemedConsent,
            start_date: run?.startDate ?? null,
            due_date: run?.dueDate ?? null,
            deadline: iso(run?.deadlineMs),
            yellow_from: iso(run?.yellowFromMs),
            derivation: run?.derivation ?? null,
            used_before_run: t.usedBeforeRun,
            used_working_days: t.usedBeforeRun,
            remaining_working_days: run?.workingDays ?? Math.max(0, t.committedDays + (t.extension?.workingDays ?? 0) - t.usedBeforeRun),
            extension: t.extension,
            supplement: t.supplement,
            decision: t.decision,
            pending_since: iso(t.pendingSinceMs),
            decided_at: iso(t.decidedAtMs),
            last_event_at: iso(t.lastEventAtMs),
          };
        }),
        certificates: rows.certificates.map((c) => ({
          number: c.number,
          name: c.name,
          item_code: c.itemCode,
          case_id: caseId,
          task_id: c.taskId,
          project_code: c.projectCode,
          holder: c.holder,
          issued_at: iso(c.issuedAtMs),
          verification_code: c.verificationCode,
        })),
        escalations: rows.escalations.map((e) => ({
          escalation_id: e.escalationId,
          case_id: caseId,
          task_id: e.taskId,
          level: e.level,
          origin: e.origin,
          // texts from escalation_opened / escalation_resolved (legacy records carry them)
          reason: texts.escalationReason.get(e.escalationId) ?? e.reason ?? '',
          status: e.status,
          opened_at: iso(e.openedAtMs),
          due_at: iso(e.dueAtMs),
          opened_by: e.openedBy,
          resolved_at: iso(e.resolvedAtMs),
          resolution: texts.escalationResolution.get(e.escalationId) ?? e.resolution ?? null,
          resolved_by: e.resolvedBy,
        })),
        ...(rows.agencyActivities
          ? {
              agency_activities: rows.agencyActivities.map((a) => ({
                activity_id: a.activityId,
                case_id: caseId,
                kind: a.kind,
                at: iso(a.atMs),
                recorded_at: iso(a.recordedAtMs),
                recorded_by: a.by,
                attendees: a.attendees,
                problem_status: a.problem?.status ?? null,
                solved_at: iso(a.problem?.solvedAtMs),
                solved_by: a.problem?.solvedBy ?? null,
              })),
            }
          : {}),
      },
      texts: {
        decision_text: [...texts.decisionText].map(([task_id, value]) => ({ task_id, value })),
        supplement_text: [...texts.supplementText].map(([task_id, value]) => ({ task_id, value })),
        supplement_materials: [...texts.supplementMaterials].map(([task_id, value]) => ({ task_id, value })),
        extension_reason: [...texts.extensionReason].map(([task_id, value]) => ({ task_id, value })),
        stage_materials: [...texts.stageMaterials].map(([code, value]) => ({ code, value })),
        handout_recipient: [...texts.handoutRecipient].map(([code, value]) => ({ code, value })),
        agency_summary: [...texts.agencySummary].map(([activity_id, value]) => ({ activity_id, value })),
        agency_resolution: [...texts.agencyResolution].map(([activity_id, value]) => ({ activity_id, value })),
      },
    };
  }

  async function write(sync: CaseSync, { tx, byWorkflow = false }: { tx?: postgres.TransactionSql; byWorkflow?: boolean } = {}) {
    const db = tx ?? sql;
    const first = sync.events[0];
    const prevHash = first ? (sync.prevHash ?? (await previousHash(db, sync.caseId, first.seq))) : (sync.prevHash ?? '');
    const payload = payloadOf(sync, prevHash, byWorkflow);
    const [result] = await db<{ result: { retracted: boolean } }[]>`select approval_write_case(${JSON.stringify(payload)}::jsonb) as result`;
    const lastHash = payload.events.at(-1)?.hash ?? prevHash;
    return { lastHash, ...(result?.result.retracted ? { resync: true as const } : {}) };
  }

  return {
    write,
    payloadOf: (sync: CaseSync, prevHash: string) => payloadOf(sync, prevHash, false),
  };
}
