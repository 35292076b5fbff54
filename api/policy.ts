/**
 * Who may do what: the one access policy of the API (SPEC §4 route table, §6.0 Reviewers).
 *
 * - ROUTE_ROLES: every route and the roles that may call it. The authentication hook reads it for
 *   every request (a route missing from it is refused to everyone: a test enumerates them all),
 *   and OpenAPI shows it on each operation as `x-roles`.
 * - The administrator rule: an administrator may call every route that takes a token
 *   (SPEC §1: "administrators … can do anything"); it is written into `rolesOf`, nowhere else.
 * - A reviewer's scope: it reads the tasks of its department and, where its department leads a
 *   stage (一家牵头), every task of that stage (and the cases those belong to); it sees stage and
 *   case lights from what it reads, and audit events of other tasks without their data; it
 *   decides only its own department's tasks (checked before the body, so it learns nothing about
 *   what a task of another department accepts). `GET /v1/tasks` stays its own inbox.
 */
import type { FastifyInstance } from 'fastify';
import type { Actor, NotificationAudience, Role } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import { computeCaseLight, worstLight } from '../domain/light.js';
import type { AuditEventView, CaseView, TaskView } from './schemas.js';

const READERS = ['window', 'reviewer', 'coordinator'] as const;

/** `public`: no token. A role list: those roles, and administrators. `[]`: administrators only. */
export type RouteAccess = readonly Role[] | 'public';

export const ROUTE_ROLES = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  // public unless METRICS_TOKEN is set (then that bearer token, not a JWT): api/routes/system
  'GET /metrics': 'public',
  'GET /v1/catalog': READERS,
  'POST /v1/cases': ['window'],
  'GET /v1/cases': READERS,
  'GET /v1/cases/:caseId': READERS,
  'GET /v1/cases/:caseId/events': READERS,
  'POST /v1/cases/:caseId/stages/:stage/application': ['window'],
  'POST /v1/cases/:caseId/withdraw': ['window'],
  'POST /v1/cases/:caseId/materials': ['window'],
  'POST /v1/cases/:caseId/stages/:stage/supplement': ['window'],
  'POST /v1/cases/:caseId/stages/:stage/handout': ['window'],
  'POST /v1/intake/notices': ['window'],
  'GET /v1/intake/notices': ['window', 'coordinator'],
  'GET /v1/tasks': ['reviewer', 'coordinator'],
  'POST /v1/cases/:caseId/tasks/:taskId/decision': ['reviewer'],
  'POST /v1/cases/:caseId/tasks/:taskId/supplement': ['window'],
  'POST /v1/cases/:caseId/tasks/:taskId/extension': ['coordinator'],
  'POST /v1/cases/:caseId/escalations': ['coordinator'],
  'POST /v1/cases/:caseId/escalations/:escalationId/resolve': ['coordinator'],
  'GET /v1/escalations': ['coordinator'],
  'GET /v1/notifications': READERS,
  'GET /v1/supervision/board': ['coordinator'],
  'GET /v1/stats': ['coordinator'],
  'GET /v1/stats/bulletin': ['coordinator'],
  'PUT /v1/cases/:caseId/agency': ['coordinator'],
  'POST /v1/cases/:caseId/agency/activities': ['coordinator'],
  'GET /v1/cases/:caseId/agency/activities': ['coordinator'],
  'POST /v1/cases/:caseId/agency/activities/:activityId/solve': ['coordinator'],
  'GET /v1/agency': ['coordinator'],
  'GET /v1/calendar/deadline': READERS,
  'GET /v1/calendar/:year': READERS,
  'PUT /v1/calendar/:year': [],
  'GET /v1/calendar/publications/:publicationId': ['coordinator'],
  'GET /v1/certificates/:number': 'public',
  'POST /v1/admin/cases/:caseId/recover': [],
} as const satisfies Record<string, RouteAccess>;

export type RouteKey = keyof typeof ROUTE_ROLES;

/** The OpenAPI document and its UI (`/docs`, `/docs/json`, …) are public; they are not in the table. */
export const DOCS_PREFIX = '/docs';

const isDocs = (url: string) => url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`);

/**
 * The web console's static files (api/routes/console) and `/`, which redirects there, are public
 * too and not in the table: they are no part of the API contract. The console calls the API
 * with the user's token like any other client.
 */
export const CONSOLE_PREFIX = '/console';

const isConsole = (url: string) => url === '/' || url === CONSOLE_PREFIX || url.startsWith(`${CONSOLE_PREFIX}/`);

/**
 * The roles that may call a route (administrators included), or 'public'; undefined: no such
 * route in the policy. `table` is ROUTE_ROLES but for a benchmark's own app (scripts/benchmark/bare-api.ts).
 */
export function rolesOf(
  method: string,
  url: string,
  table: Readonly<Record<string, RouteAccess>> = ROUTE_ROLES,
): readonly Role[] | 'public' | undefined {
  if (isDocs(url) || (method === 'GET' || method === 'HEAD' ? isConsole(url) : false)) return 'public';
  const access = table[`${method === 'HEAD' ? 'GET' : method} ${url}`];
  if (access === undefined || access === 'public') return access;
  return [...access, 'admin'];
}

/**
 * Enforces the table: a route registered without an entry stops the app from starting, and every
 * request to a route that takes a token must carry a valid one (401) of a role the route allows
 * (403), before its body is looked at. Runs after authentication and the rate limit.
 */
export function registerAccessPolicy(app: FastifyInstance, table: Readonly<Record<string, RouteAccess>> = ROUTE_ROLES): void {
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      if (rolesOf(method, route.url, table) === undefined) {
        throw new Error(`route ${method} ${route.url} has no entry in ROUTE_ROLES (api/policy.ts)`);
      }
    }
  });
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no such route: the 404 handler answers
    const roles = rolesOf(request.method, url, table);
    if (roles === 'public') return;
    const authentication = request.authentication;
    if (!authentication) throw new AppError('UNAUTHENTICATED', 'an Authorization: Bearer token is required');
    if ('error' in authentication) throw authentication.error;
    const { actor } = authentication;
    request.actor = actor;
    if (roles === undefined || !roles.includes(actor.role as Role)) {
      throw new AppError('FORBIDDEN', `the ${actor.role} role may not use this route`);
    }
  });
}

export function isReviewer(actor: Actor): boolean {
  return actor.role === 'reviewer';
}

/** A case's stages and the department leading each (null: none recorded). */
export type StageLeads = ReadonlyMap<string, string | null>;

export function stageLeadsOf(stages: readonly { code: string; leadDepartment: string | null }[]): StageLeads {
  return new Map(stages.map((s) => [s.code, s.leadDepartment]));
}

/** Whether the actor may read a task: its own department's, or any of a stage its department leads. */
export function canReadTask(actor: Actor, task: { department: string; stage: string }, leads: StageLeads): boolean {
  return !isReviewer(actor) || actor.department === task.department || (leads.get(task.stage) ?? null) === actor.department;
}

/** Whether the actor may decide a task of `department` (the route's roles said it may decide at all). */
export function canDecideTask(actor: Actor, department: string): boolean {
  return !isReviewer(actor) || actor.department === department;
}

/** Whether the actor may see a case: one of its department's tasks is in it, or its department leads a stage of it. */
export function canReadCase(actor: Actor, taskDepartments: readonly string[], leads: StageLeads): boolean {
  if (!isReviewer(actor)) return true;
  const department = actor.department ?? '';
  return taskDepartments.includes(department) || [...leads.values()].includes(department);
}

/** The case as the actor may see it: for a reviewer, its tasks only, lights from those. */
export function scopeCaseView(view: CaseView, actor: Actor): CaseView {
  if (!isReviewer(actor)) return view;
  const leads = stageLeadsOf(view.stages);
  const readable = (task: TaskView) => canReadTask(actor, task, leads);
  const stages = view.stages.map((stage) => {
    const tasks = stage.tasks.filter(readable);
    const supplementNotice = stage.supplementNotice
      ? { ...stage.supplementNotice, items: stage.supplementNotice.items.filter((item) => tasks.some((t) => t.taskId === item.taskId)) }
      : null;
    return { ...stage, tasks, supplementNotice, light: stage.status === 'in_review' ? worstLight(tasks.map((t) => t.light)) : stage.light };
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
  /** every task of the case → its department and stage */
  taskOf: ReadonlyMap<string, { department: string; stage: string }>;
  leads: StageLeads;
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
    const task = context.taskOf.get(taskId);
    return task === undefined || canReadTask(actor, task, context.leads);
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

/** Notifications a caller sees: its own role's (a reviewer's department's), or all for an administrator. */
export function notificationScope(actor: Actor): { audience?: NotificationAudience; department?: string } {
  if (actor.role === 'admin') return {};
  if (isReviewer(actor)) return { audience: 'department', department: actor.department ?? '' };
  return { audience: actor.role === 'window' ? 'window' : 'coordinator' };
}
