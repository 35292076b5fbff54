import type { FastifyInstance, FastifyRequest } from 'fastify';
import { budgetOf, checkBudget, decisionTextBytes, describeExcess } from '../../domain/budget.js';
import type { Material } from '../../domain/case-types.js';
import { AppError } from '../../domain/errors.js';
import { findTaskRow, findTasks, findTaskWithCase } from '../../db/queries.js';
import { decideUpdate, grantExtensionUpdate, submitSupplementUpdate } from '../../workflows/case-workflow.js';
import type { AppContext } from '../app.js';
import { isReviewer } from '../access.js';
import { actorOf } from '../auth.js';
import {
  DecisionBody,
  ErrorResponse,
  ExtensionBody,
  listOf,
  MaterialsBody,
  TaskListQuery,
  TaskParams,
  TaskView,
} from '../schemas.js';
import { updateCase, updateIdFor } from '../temporal-edge.js';
import { toTaskView } from '../views.js';
import { assertCaseNotFaulted, getVisibleCase, viewContext } from './cases.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function registerTaskRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** Each task route's task and case, read once (one statement) for both the 403 and the 404. */
  const loaded = new WeakMap<FastifyRequest, Promise<Awaited<ReturnType<typeof findTaskWithCase>>>>();
  const loadTask = (request: FastifyRequest) => {
    let task = loaded.get(request);
    if (!task) {
      task = findTaskWithCase(ctx.db, (request.params as { taskId: string }).taskId);
      loaded.set(request, task);
    }
    return task;
  };

  /** 403 before 400: a reviewer may not learn what another department's task accepts. */
  async function assertOwnDepartment(request: FastifyRequest): Promise<void> {
    const actor = actorOf(request);
    if (actor.role !== 'reviewer') return;
    const task = await loadTask(request);
    if (task && task.department !== actor.department) {
      throw new AppError('FORBIDDEN', `task ${task.taskId} belongs to department ${task.department}`);
    }
  }

  async function getTaskOfCase(request: FastifyRequest) {
    const actor = actorOf(request);
    const { caseId, taskId } = request.params as { caseId: string; taskId: string };
    const task = await loadTask(request);
    // the case is visible to a reviewer through this very task (its department was checked above)
    if (!task || task.caseId !== caseId) {
      if (!task) await getVisibleCase(ctx, caseId, actor); // an unknown case is the 404 to give
      throw new AppError('NOT_FOUND', `task ${taskId} not found in case ${caseId}`);
    }
    if (isReviewer(actor) && task.department !== actor.department) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
    return { actor, caseId, taskId, task, caseRow: task.case };
  }

  async function taskView(taskId: string): Promise<TaskView> {
    const [view, row] = await Promise.all([viewContext(ctx), findTaskRow(ctx.db, taskId)]);
    if (!row) throw new AppError('NOT_FOUND', `task ${taskId} not found`);
    return toTaskView(view, row);
  }

  app.get(
    '/v1/tasks',
    {
      config: { access: ['reviewer', 'coordinator'] },
      schema: {
        tags: ['tasks'],
        summary: 'Inbox, ordered by deadline (reviewers: their department only)',
        querystring: TaskListQuery,
        response: { 200: listOf(TaskView), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query as import('../schemas.js').TaskListQuery;
      if (actor.role === 'reviewer' && query.department !== undefined && query.department !== actor.department) {
        throw new AppError('FORBIDDEN', 'reviewers see only their own department');
      }
      const department = actor.role === 'reviewer' ? actor.department : query.department;
      const { rows, nextCursor } = await findTasks(ctx.db, {
        ...query,
        ...(department ? { department } : {}),
        limit: query.limit ?? 50,
        now: new Date(),
      });
      const view = await viewContext(ctx);
      return { items: rows.map((row) => toTaskView(view, row)), nextCursor };
    },
  );

  app.post(
    '/v1/cases/:caseId/tasks/:taskId/decision',
    {
      config: { access: ['reviewer'] },
      onRequest: assertOwnDepartment,
      schema: {
        tags: ['tasks'],
        summary: 'Approve, reject or ask for supplementary materials (一次性告知)',
        params: TaskParams,
        body: DecisionBody,
        response: { 200: TaskView, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, caseId, taskId, task, caseRow } = await getTaskOfCase(request);
      const body = request.body as DecisionBody;
      // A text that could never fit the task's budget is refused here, so it never travels to the
      // workflow (422 comes last: only for a task the read model shows pending, else the 409 wins).
      const excess = checkBudget(budgetOf(caseRow.startInput.rules), 'taskTextBytes', 0, decisionTextBytes(body));
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(caseRow);
        if (excess && task.status === 'pending') throw new AppError('CASE_BUDGET_EXCEEDED', describeExcess(excess), excess);
        await updateCase(
          ctx.temporal,
          caseId,
          decideUpdate,
          [
            {
              taskId,
              decision: body.decision,
              ...('opinion' in body && body.opinion !== undefined ? { opinion: body.opinion } : {}),
              ...('conditions' in body && body.conditions ? { conditions: body.conditions } : {}),
              ...('missingMaterials' in body ? { missingMaterials: body.missingMaterials } : {}),
              actor,
            },
          ],
          { updateId: updateIdFor(actor.sub, key), closedCode: 'TASK_NOT_PENDING' },
        );
        return { statusCode: 200, body: await taskView(taskId) };
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/tasks/:taskId/supplement',
    {
      config: { access: ['window'] },
      schema: {
        tags: ['tasks'],
        summary: "The applicant's supplementary materials; restarts the clock",
        params: TaskParams,
        body: MaterialsBody,
        response: { 200: TaskView, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, caseId, taskId, caseRow } = await getTaskOfCase(request);
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(caseRow);
        const { materials } = request.body as { materials: Material[] };
        await updateCase(ctx.temporal, caseId, submitSupplementUpdate, [{ taskId, materials, actor }], {
          updateId: updateIdFor(actor.sub, key),
          closedCode: 'TASK_NOT_AWAITING_SUPPLEMENT',
        });
        return { statusCode: 200, body: await taskView(taskId) };
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/tasks/:taskId/extension',
    {
      config: { access: ['coordinator'] },
      schema: {
        tags: ['tasks'],
        summary: 'Extend a task once by up to 10 working days (行政许可法 art. 42)',
        params: TaskParams,
        body: ExtensionBody,
        response: { 200: TaskView, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, caseId, taskId, caseRow } = await getTaskOfCase(request);
      return ctx.idempotency.run(request, reply, async (key) => {
        assertCaseNotFaulted(caseRow);
        const { workingDays, reason } = request.body as { workingDays: number; reason: string };
        await updateCase(
          ctx.temporal,
          caseId,
          grantExtensionUpdate,
          [{ taskId, workingDays, reason, actor }],
          { updateId: updateIdFor(actor.sub, key), closedCode: 'TASK_NOT_OPEN' },
        );
        return { statusCode: 200, body: await taskView(taskId) };
      });
    },
  );
}
