/**
 * Department tasks (SPEC §4): a reviewer's inbox, decisions (approve, reject, 一次性告知),
 * the applicant's supplementary materials through the window, a coordinator's extension.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { budgetOf, checkBudget, decisionTextBytes, describeExcess } from '../../../domain/budget.js';
import { AppError } from '../../../domain/errors.js';
import { findTasks, findTaskWithCase } from '../../../db/queries.js';
import { decideUpdate, grantExtensionUpdate, submitSupplementUpdate } from '../../../workflows/case-workflow.js';
import { actorOf } from '../../auth.js';
import { runCaseCommand } from '../../commands.js';
import { canDecideTask, isReviewer } from '../../policy.js';
import { getVisibleCase, loadTaskView, viewContext } from '../../reads.js';
import { listOf, MaterialsBody, TaskView } from '../../schemas.js';
import { toTaskView } from '../../views.js';
import { DecisionBody, ExtensionBody, TaskListQuery, TaskParams } from './schemas.js';

type TaskWithCase = Awaited<ReturnType<typeof findTaskWithCase>>;

/** Each task route's task and case, read once (one statement) for the 403 and the 404. */
const loadedTasks = new WeakMap<FastifyRequest, Promise<TaskWithCase>>();
function loadTask(request: FastifyRequest): Promise<TaskWithCase> {
  let task = loadedTasks.get(request);
  if (!task) {
    task = findTaskWithCase(request.server.db, (request.params as { taskId: string }).taskId);
    loadedTasks.set(request, task);
  }
  return task;
}

/** 403 before 400: a reviewer may not learn what another department's task accepts. */
async function assertMayDecide(request: FastifyRequest): Promise<void> {
  const task = await loadTask(request);
  if (task && !canDecideTask(actorOf(request), task.department)) {
    throw new AppError('FORBIDDEN', `task ${task.taskId} belongs to department ${task.department}`);
  }
}

/** The task named by the path, in the case named by the path, as the caller may see it (else 404). */
async function getTaskOfCase(request: FastifyRequest, { caseId, taskId }: { caseId: string; taskId: string }) {
  const actor = actorOf(request);
  const task = await loadTask(request);
  if (!task || task.caseId !== caseId) {
    if (!task) await getVisibleCase(request.server, caseId, actor); // an unknown case is the 404 to give
    throw new AppError('NOT_FOUND', `task ${taskId} not found in case ${caseId}`);
  }
  // (a lead department's reviewer reads the stage's tasks, but the routes here act on one)
  if (!canDecideTask(actor, task.department)) throw new AppError('NOT_FOUND', `case ${caseId} not found`);
  return { actor, caseId, taskId, task, caseRow: task.case };
}

export const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Inbox, ordered by deadline (reviewers: their department only)',
        querystring: TaskListQuery,
        response: { 200: listOf(TaskView) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query;
      if (isReviewer(actor) && query.department !== undefined && query.department !== actor.department) {
        throw new AppError('FORBIDDEN', 'reviewers see only their own department');
      }
      const department = isReviewer(actor) ? actor.department : query.department;
      const { rows, nextCursor } = await findTasks(app.db, {
        ...query,
        ...(department ? { department } : {}),
        limit: query.limit ?? 50,
        now: new Date(),
      });
      const view = await viewContext(app);
      return { items: rows.map((row) => toTaskView(view, row)), nextCursor };
    },
  );

  app.post(
    '/v1/cases/:caseId/tasks/:taskId/decision',
    {
      onRequest: assertMayDecide,
      schema: {
        tags: ['tasks'],
        summary: 'Approve, reject or ask for supplementary materials (一次性告知)',
        params: TaskParams,
        body: DecisionBody,
        response: { 200: TaskView },
      },
    },
    async (request, reply) => {
      const { actor, taskId, task, caseRow } = await getTaskOfCase(request, request.params);
      const body = request.body;
      // A text that could never fit the task's budget is refused here, so it never travels to the
      // workflow (422 comes last: only for a task the read model shows pending, else the 409 wins).
      const excess = checkBudget(budgetOf({ budget: caseRow.budget ?? {} }), 'taskTextBytes', 0, decisionTextBytes(body));
      return runCaseCommand(request, reply, {
        caseRow,
        update: decideUpdate,
        args: [
          {
            taskId,
            decision: body.decision,
            ...(body.opinion !== undefined ? { opinion: body.opinion } : {}),
            ...('conditions' in body && body.conditions ? { conditions: body.conditions } : {}),
            ...('missingMaterials' in body ? { missingMaterials: body.missingMaterials } : {}),
            actor,
          },
        ],
        closedCode: 'TASK_NOT_PENDING',
        check: () => {
          if (excess && task.status === 'pending') throw new AppError('CASE_BUDGET_EXCEEDED', describeExcess(excess), excess);
        },
        answer: () => loadTaskView(app, taskId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/tasks/:taskId/supplement',
    {
      schema: {
        tags: ['tasks'],
        summary: "The applicant's supplementary materials; restarts the clock",
        params: TaskParams,
        body: MaterialsBody,
        response: { 200: TaskView },
      },
    },
    async (request, reply) => {
      const { actor, taskId, caseRow } = await getTaskOfCase(request, request.params);
      return runCaseCommand(request, reply, {
        caseRow,
        update: submitSupplementUpdate,
        args: [{ taskId, materials: request.body.materials, actor }],
        closedCode: 'TASK_NOT_AWAITING_SUPPLEMENT',
        answer: () => loadTaskView(app, taskId),
      });
    },
  );

  app.post(
    '/v1/cases/:caseId/tasks/:taskId/extension',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Extend a task once by up to 10 working days (行政许可法 art. 42)',
        params: TaskParams,
        body: ExtensionBody,
        response: { 200: TaskView },
      },
    },
    async (request, reply) => {
      const { actor, taskId, caseRow } = await getTaskOfCase(request, request.params);
      const { workingDays, reason } = request.body;
      return runCaseCommand(request, reply, {
        caseRow,
        update: grantExtensionUpdate,
        args: [{ taskId, workingDays, reason, actor }],
        closedCode: 'TASK_NOT_OPEN',
        answer: () => loadTaskView(app, taskId),
      });
    },
  );
};
