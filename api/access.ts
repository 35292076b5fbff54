/**
 * What a reviewer may read (SPEC §4, §6.0 *Reviewers*): its own department's tasks, and the
 * cases those belong to. In a reviewer's view, stage and case lights come from the tasks it may
 * read; an audit event about tasks it may not read keeps its hashes but not its data, and an
 * event about several departments' tasks keeps only the reviewer's entries.
 */
import type { Actor } from '../domain/case-types.js';
import { computeCaseLight, worstLight } from '../domain/light.js';
import type { CaseView, TaskView } from './schemas.js';
import type { AuditEventView } from './views.js';

export function isReviewer(actor: Actor): boolean {
  return actor.role === 'reviewer';
}

/** Whether the actor may read a task of `department`. */
export function canReadTask(actor: Actor, department: string): boolean {
  return !isReviewer(actor) || actor.department === department;
}

/** The case as the actor may see it: for a reviewer, its tasks only, lights from those. */
export function scopeCaseView(view: CaseView, actor: Actor): CaseView {
  if (!isReviewer(actor)) return view;
  const readable = (task: TaskView) => canReadTask(actor, task.department);
  const stages = view.stages.map((stage) => {
    const tasks = stage.tasks.filter(readable);
    return { ...stage, tasks, light: stage.status === 'in_review' ? worstLight(tasks.map((t) => t.light)) : stage.light };
  });
  const current = stages.find((s) => s.code === view.currentStage);
  const readableTaskIds = new Set(stages.flatMap((s) => s.tasks.map((t) => t.taskId)));
  return {
    ...view,
    light: computeCaseLight(view.status, current?.tasks.map((t) => t.light) ?? []),
    stages,
    escalations: view.escalations.filter((e) => e.taskId === null || readableTaskIds.has(e.taskId)),
  };
}

/** Events about the case as a whole: every reader of the case sees them whole, whichever task they name. */
const CASE_LEVEL_EVENTS: ReadonlySet<string> = new Set([
  'case_opened',
  'stage_opened',
  'stage_application_submitted',
  'stage_approved',
  'stage_rejected',
  'case_completed',
  'case_rejected',
  'case_withdrawn',
  'case_reset',
  'case_closed_by_admin',
  'certificate_issued',
]);

export interface EventScopeContext {
  /** every task of the case → its department */
  departmentOfTask: ReadonlyMap<string, string>;
  /** every escalation of the case → its task (null: the whole case) */
  taskOfEscalation: ReadonlyMap<string, string | null>;
}

/**
 * An audit event as the actor may see it. The hashes always cover the full event, so a reviewer
 * sees the chain link up but cannot recompute the hash of an event it may not read.
 */
export function scopeEvent(event: AuditEventView, actor: Actor, context: EventScopeContext): AuditEventView {
  if (!isReviewer(actor) || CASE_LEVEL_EVENTS.has(event.type)) return event;
  const readable = (taskId: unknown) => {
    if (typeof taskId !== 'string') return true;
    const department = context.departmentOfTask.get(taskId);
    return department === undefined || canReadTask(actor, department);
  };
  const { data } = event;
  if (data === null) return event;
  if (Array.isArray(data.tasks)) {
    // an event about several departments' tasks (a calendar publication): the reviewer's entries
    return { ...event, data: { ...data, tasks: (data.tasks as { taskId?: unknown }[]).filter((entry) => readable(entry?.taskId)) } };
  }
  const taskId = data.taskId ?? (typeof data.escalationId === 'string' ? context.taskOfEscalation.get(data.escalationId) : undefined);
  return readable(taskId) ? event : { ...event, data: null };
}
