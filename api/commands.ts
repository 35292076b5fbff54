/**
 * A command on a case, the one skeleton every command route shares (SPEC §4 request rules):
 *
 *   access (the route's roles and the caller's scope, checked before the body by the hooks and
 *   the route's loader) → Idempotency-Key (a repeat gets the first answer) → the case is not
 *   stopped by a fault → the state's own refusals → the workflow Update (its validator refuses
 *   what the current state does not allow; nothing is written then) → the resource as it is now.
 *
 * The Update answers once its write is in the read model, so the answer read afterwards shows it.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../domain/errors.js';
import type { UpdateResult } from '../workflows/case-workflow.js';
import { actorOf } from './auth.js';
import { assertCaseNotFaulted, type CommandableCase } from './reads.js';
import { updateCase, updateIdFor } from './temporal-edge.js';

export interface CaseCommand<Args extends unknown[]> {
  /** the case (what a command needs of it), loaded for the caller's 404 before the Idempotency-Key's 409 */
  caseRow: CommandableCase;
  update: UpdateDefinition<UpdateResult, Args, string>;
  /** the Update's arguments; a function when they name something after the Idempotency-Key (a notice's number) */
  args: Args | ((idempotencyKey: string | undefined) => Args);
  /** what the request means once the case's workflow has ended (a decision: TASK_NOT_PENDING) */
  closedCode?: ErrorCode;
  /** refusals that depend on the read model's state, made after the Idempotency-Key (a repeat gets the first answer) */
  check?: () => void;
  /** 201 when the command creates a resource (an escalation) */
  statusCode?: 200 | 201;
  /** the resource after the command, as the route answers it */
  answer: (result: UpdateResult) => Promise<unknown>;
}

export async function runCaseCommand<Args extends unknown[]>(
  request: FastifyRequest,
  reply: FastifyReply,
  command: CaseCommand<Args>,
): Promise<FastifyReply> {
  const app = request.server;
  const actor = actorOf(request);
  return app.idempotency.run(request, reply, async (key) => {
    assertCaseNotFaulted(command.caseRow);
    command.check?.();
    const args = typeof command.args === 'function' ? command.args(key) : command.args;
    const result = await updateCase(app.temporal, command.caseRow.caseId, command.update, args, {
      updateId: updateIdFor(actor.sub, key),
      ...(command.closedCode ? { closedCode: command.closedCode } : {}),
    });
    return { statusCode: command.statusCode ?? 200, body: await command.answer(result) };
  });
}
