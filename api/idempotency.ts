/**
 * Idempotency-Key (SPEC §4): scoped to the caller's `sub`; a repeat with the same body returns
 * the first response without acting again; the same key with another body is refused.
 *
 * The record is claimed before acting. The final answer is kept, a success or a refusal (4xx):
 * a repeat gets it again. An attempt that failed for a passing reason (5xx, 503, 429) releases
 * its claim so a retry can act, keeping what it named (a new case's ID) for that retry. A claim left by a crashed process is taken over after a minute;
 * that is safe because every action below is itself idempotent on the key (case IDs and
 * workflow Update IDs are derived from it).
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../activities/audit.js';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { Database } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
import { actorOf } from './auth.js';

const STALE_CLAIM_MS = 60_000;

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 characters', { header: 'Idempotency-Key' });
  }
  return key;
}

export interface ActionResult {
  statusCode: number;
  body: unknown;
}

/** What an action may keep on its claim across attempts. */
export interface ClaimMemo {
  /** the resource the first attempt named, if any */
  resourceId: string | null;
  remember(resourceId: string): Promise<void>;
}

export async function withIdempotency(
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  action: (key: string | undefined, memo: ClaimMemo) => Promise<ActionResult>,
): Promise<unknown> {
  const key = idempotencyKeyOf(request);
  if (key === undefined) {
    const result = await action(undefined, { resourceId: null, remember: async () => {} });
    return reply.code(result.statusCode).send(result.body);
  }
  const subject = actorOf(request).sub;
  const requestHash = createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
  const where = and(eq(idempotencyKeys.subject, subject), eq(idempotencyKeys.key, key));

  let resourceId: string | null = null;
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ subject, key, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length === 0) {
    const [existing] = await db.select().from(idempotencyKeys).where(where);
    if (existing && existing.requestHash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
    }
    if (existing && existing.statusCode !== null) {
      reply.header('Idempotent-Replayed', 'true');
      if (existing.statusCode >= 400) {
        const { error } = existing.response as { error: { code: ErrorCode; message: string; details?: unknown } };
        throw new AppError(error.code, error.message, error.details);
      }
      return reply.code(existing.statusCode).send(existing.response);
    }
    const takenOver = await db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now()` })
      .where(and(where, lt(idempotencyKeys.createdAt, new Date(Date.now() - STALE_CLAIM_MS))))
      .returning({ resourceId: idempotencyKeys.resourceId });
    if (takenOver.length === 0) {
      throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'a request with this Idempotency-Key is still being processed');
    }
    resourceId = takenOver[0]?.resourceId ?? null;
  }
  const memo: ClaimMemo = {
    resourceId,
    remember: async (id) => {
      await db.update(idempotencyKeys).set({ resourceId: id }).where(where);
    },
  };

  let result: ActionResult;
  try {
    result = await action(key, memo);
  } catch (error) {
    if (error instanceof AppError && error.statusCode < 500 && error.code !== 'RATE_LIMITED') {
      const body = { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } };
      await db.update(idempotencyKeys).set({ statusCode: error.statusCode, response: body }).where(where);
    } else {
      // Released, not forgotten: a retry takes the claim over at once and keeps its resource ID.
      await db.update(idempotencyKeys).set({ createdAt: new Date(0) }).where(where);
    }
    throw error;
  }
  await db
    .update(idempotencyKeys)
    .set({ statusCode: result.statusCode, response: result.body })
    .where(where);
  return reply.code(result.statusCode).send(result.body);
}
