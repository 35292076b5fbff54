/**
 * Temporal operations as the API uses them, with Temporal's errors translated at the edge:
 * an update's domain refusal → its error code, a missing workflow → 404, a closed one → 409,
 * an unreachable server → 503.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { CaseStartInput } from '../domain/case-types.js';
import { AppError, isErrorCode, type ErrorCode } from '../domain/errors.js';
import { calendarPublicationWorkflowId, caseWorkflowId, GRPC_STATUS, grpcCodeOf, PROJECT_CODE_SEARCH_ATTRIBUTE } from '../temporal.config.js';
import { calendarPublicationWorkflow, type CalendarPublicationInput } from '../workflows/calendar-publication.js';
import { caseWorkflow, syncedUpdate, type UpdateResult } from '../workflows/case-workflow.js';

/**
 * @param closedCode what a request means once the case's workflow has finished: a decision on
 * a closed case is refused as TASK_NOT_PENDING, a withdrawal as CASE_CLOSED, and so on.
 */
/**
 * How long a request waits for its workflow (a worker must pick the update up and the read model
 * catch up). Past it the answer is 503; the request is safe to retry with its Idempotency-Key.
 */
const UPDATE_DEADLINE_MS = 30_000;
const START_DEADLINE_MS = 10_000;


/**
 * A Temporal client error as the API answers it. A 503 names the dependency that is down and
 * nothing more (no addresses, no driver messages).
 */
export function toAppError(error: unknown, closedCode: ErrorCode = 'CASE_CLOSED'): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
      return new AppError(cause.type, cause.message, cause.details?.[0]);
    }
    return new AppError('INTERNAL', 'the workflow could not apply the request');
  }
  if (error instanceof WorkflowNotFoundError) {
    return new AppError(closedCode, 'the case is closed and takes no further requests');
  }
  // Temporal answered, but the case did not in time
  if (grpcCodeOf(error) === GRPC_STATUS.DEADLINE_EXCEEDED) {
    return new AppError(
      'DEPENDENCY_UNAVAILABLE',
      'the case did not answer in time: no worker is serving it, or the database it writes to is down; retry with the same Idempotency-Key',
      { dependency: 'worker' },
    );
  }
  return new AppError('DEPENDENCY_UNAVAILABLE', 'Temporal is unavailable', { dependency: 'temporal' });
}

/** A stable Update ID: a retried request with the same Idempotency-Key is applied once. */
export function updateIdFor(subject: string, idempotencyKey: string | undefined): string | undefined {
  if (!idempotencyKey) return undefined;
  return createHash('sha256').update(`${subject}\u0000${idempotencyKey}`).digest('hex');
}

export async function startCaseWorkflow(client: Client, taskQueue: string, input: CaseStartInput): Promise<void> {
  try {
    await client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start(caseWorkflow, {
        workflowId: caseWorkflowId(input.caseId),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        // a case's workflow runs once: a late start (a retry, the sweep) never revives a closed case
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // lets operators find a project's workflow in Temporal's UI and CLI
        typedSearchAttributes: [{ key: PROJECT_CODE_SEARCH_ATTRIBUTE, value: input.project.projectCode }],
      }),
    );
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw toAppError(error);
  }
}

/** Runs an update on the case's workflow and answers once its effects are in the read model. */
export async function updateCase<Args extends unknown[]>(
  client: Client,
  caseId: string,
  definition: UpdateDefinition<UpdateResult, Args, string>,
  args: Args,
  options: { updateId?: string | undefined; closedCode?: ErrorCode } = {},
): Promise<UpdateResult> {
  return updateWorkflow(client, caseWorkflowId(caseId), definition, args, options);
}

/** Runs an update on a workflow within the request's deadline, its errors as the API answers them. */
export async function updateWorkflow<Result, Args extends unknown[]>(
  client: Client,
  workflowId: string,
  definition: UpdateDefinition<Result, Args, string>,
  args: Args,
  options: { updateId?: string | undefined; closedCode?: ErrorCode } = {},
): Promise<Result> {
  const { updateId, closedCode } = options;
  try {
    const handle = client.workflow.getHandle(workflowId);
    // The SDK's overloads split on arity; the definition fixes the argument types already.
    const run = handle.executeUpdate as (
      def: UpdateDefinition<Result, Args, string>,
      options: { args: Args; updateId?: string },
    ) => Promise<Result>;
    return await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      run.call(handle, definition, { args, ...(updateId ? { updateId } : {}) }),
    );
  } catch (error) {
    throw toAppError(error, closedCode);
  }
}

export async function signalCase<Args extends unknown[]>(
  client: Client,
  caseId: string,
  definition: SignalDefinition<Args, string>,
  args: Args,
): Promise<void> {
  try {
    const handle = client.workflow.getHandle(caseWorkflowId(caseId));
    const send = handle.signal as (def: SignalDefinition<Args, string>, ...args: Args) => Promise<void>;
    await send.call(handle, definition, ...args);
  } catch (error) {
    throw toAppError(error);
  }
}

export async function waitForCaseSynced(client: Client, caseId: string): Promise<void> {
  await updateCase(client, caseId, syncedUpdate, []);
}

/** Starts a calendar publication's workflow; one already started (or finished) for it is left as it is. */
export async function startCalendarPublication(client: Client, taskQueue: string, input: CalendarPublicationInput): Promise<void> {
  try {
    await client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start(calendarPublicationWorkflow, {
        workflowId: calendarPublicationWorkflowId(input.publicationId),
        taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw toAppError(error);
  }
}
