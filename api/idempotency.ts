/**
 * Idempotency-Key (SPEC §4): scoped to the caller's `sub`; a repeat with the same body returns
 * the first response without acting again; the same key with another body is refused.
 *
 * The record is claimed before acting, by this API process (its instance ID). The final answer
 * is kept, a success or a refusal (4xx): a repeat gets it again. An attempt that failed for a
 * passing reason (5xx, 429, a faulted case) releases its claim so a retry can act, keeping what it
 * named (a new case's ID). A claim whose owner has died (it stopped heartbeating in
 * `api_instances`) is taken over at once by the retry, which carries the action out or, if it
 * had taken effect, gets its result: every action is itself idempotent on the key (case IDs and
 * workflow Update IDs are derived from it).
 *
 * A final answer (a success or a refusal) is sent at once; its record is written while the
 * answer travels (one database round trip less on every command's way back). A repeat that
 * finds the claim still unanswered waits a moment for that record before it says "in use".
 */
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../db/audit-chain.js';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { Database } from '../db/client.js';
import { apiInstances, idempotencyKeys } from '../db/schema.js';
import { actorOf } from './auth.js';

/** A live process heartbeats this often; one silent for DEAD_AFTER_MS is taken for dead. */
const HEARTBEAT_MS = 2_000;
const DEAD_AFTER_MS = 6_000;
/** Claims from before owners were recorded are taken over after this long, as they were then. */
const OWNERLESS_STALE_MS = 60_000;

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

export interface ClaimOptions {
  /** what the first attempt will name (a new case's ID), kept with the claim as it is made */
  resourceId?: (key: string) => string;
}

/**
 * How long a repeat waits for an unanswered claim to get its answer before it is told the key is
 * in use: long enough for a first request that has answered to have its record written.
 */
const ANSWER_WAIT_MS = [5, 20, 50];

/** Refusals that say nothing final about the request: a retry may act. */
const PASSING_REFUSALS: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'CASE_FAULTED']);

export interface IdempotencyStore {
  instanceId: string;
  /** Runs `action` once per (caller, key), answering repeats with the first answer. */
  run(
    request: FastifyRequest,
    reply: FastifyReply,
    action: (key: string | undefined, memo: ClaimMemo) => Promise<ActionResult>,
    options?: ClaimOptions,
  ): Promise<FastifyReply>;
  /** Starts heartbeating this process (call once it serves requests). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How a claim ends: with the answer a repeat gets, or released for a retry to take over. */
type Settlement = { answer: ActionResult } | { release: true };

export function createIdempotencyStore(db: Database, log: (error: unknown) => void = () => {}): IdempotencyStore {
  const instanceId = randomUUID();
  // The claim and its settlement run on every request with a key: plain statements, which the
  // driver prepares once (building them with the query builder cost the API more than running them).
  const client = db.$client;
  let timer: NodeJS.Timeout | undefined;
  /**
   * Claims of this process whose last write failed (the database was unreachable when the answer
   * was recorded or the claim released): written again with every heartbeat until they land, so
   * a claim never stays "in use" by a live process that has finished with it.
   */
  const unsettled = new Map<string, { subject: string; key: string; settlement: Settlement }>();
  /** Answers of this process on their way into the database (see `run`). */
  const recording = new Map<string, Promise<boolean>>();

  const whereClaim = (subject: string, key: string) => and(eq(idempotencyKeys.subject, subject), eq(idempotencyKeys.key, key));
  const claimId = (subject: string, key: string) => `${subject}\n${key}`;

  /** Records an answer or releases a claim; if the database refuses, keeps it for the heartbeat (false). */
  async function settle(subject: string, key: string, settlement: Settlement): Promise<boolean> {
    const id = claimId(subject, key);
    try {
      if ('answer' in settlement) {
        const { statusCode, body } = settlement.answer;
        await client`update idempotency_keys set status_code = ${statusCode}, response = ${JSON.stringify(body ?? null)}::jsonb
                  where subject = ${subject} and key = ${key}`;
      } else {
        // released, not forgotten: a retry takes the claim over at once and keeps its resource ID
        await client`update idempotency_keys set owner = null, created_at = 'epoch'
                  where subject = ${subject} and key = ${key}`;
      }
      unsettled.delete(id);
      return true;
    } catch (error) {
      unsettled.set(id, { subject, key, settlement });
      log(error);
      return false;
    }
  }

  /**
   * Writes a final answer's record without holding the answer back: the caller answers at once.
   * A repeat in this process waits for the write (`answeredClaim`); a refused write is kept for
   * the heartbeat; if this process dies first, a repeat takes the claim over and gets the same
   * result from the action itself.
   */
  function recordAnswer(subject: string, key: string, answer: ActionResult): void {
    const id = claimId(subject, key);
    const written = settle(subject, key, { answer });
    recording.set(id, written);
    void written.then(() => recording.delete(id));
  }

  async function heartbeat(): Promise<void> {
    await db
      .insert(apiInstances)
      .values({ instanceId })
      .onConflictDoUpdate({ target: apiInstances.instanceId, set: { heartbeatAt: sql`now()` } });
    for (const { subject, key, settlement } of [...unsettled.values()]) {
      if (!(await settle(subject, key, settlement))) break;
    }
  }

  async function run(
    request: FastifyRequest,
    reply: FastifyReply,
    action: (key: string | undefined, memo: ClaimMemo) => Promise<ActionResult>,
    options: ClaimOptions = {},
  ): Promise<FastifyReply> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) {
      const result = await action(undefined, { resourceId: null, remember: async () => {} });
      return reply.code(result.statusCode).send(result.body);
    }
    const named = options.resourceId?.(key) ?? null;
    const subject = actorOf(request).sub;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const where = whereClaim(subject, key);

    let resourceId: string | null = named;
    const claimed = await client<{ key: string }[]>`
      insert into idempotency_keys (subject, key, request_hash, owner, resource_id)
      values (${subject}, ${key}, ${requestHash}, ${instanceId}, ${named})
      on conflict do nothing returning key`;
    if (claimed.length === 0) {
      const existing = await answeredClaim(subject, key, where);
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
      // Unfinished: take it over if its owner is gone (or it was released).
      const takenOver = await db
        .update(idempotencyKeys)
        .set({ owner: instanceId, createdAt: sql`now()` })
        .where(
          and(
            where,
            sql`${idempotencyKeys.statusCode} is null`,
            sql`case when ${idempotencyKeys.owner} is null
                  then ${idempotencyKeys.createdAt} < now() - (${OWNERLESS_STALE_MS} * interval '1 millisecond')
                  else not exists (select 1 from ${apiInstances} where ${apiInstances.instanceId} = ${idempotencyKeys.owner}
                    and ${apiInstances.heartbeatAt} > now() - (${DEAD_AFTER_MS} * interval '1 millisecond'))
                end`,
          ),
        )
        .returning({ resourceId: idempotencyKeys.resourceId });
      if (takenOver.length === 0) {
        throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'a request with this Idempotency-Key is still being processed');
      }
      resourceId = takenOver[0]?.resourceId ?? named;
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
      if (error instanceof AppError && error.statusCode < 500 && !PASSING_REFUSALS.has(error.code)) {
        const body = { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } };
        recordAnswer(subject, key, { statusCode: error.statusCode, body });
      } else {
        // awaited: a retry of a passing failure must find the claim released
        await settle(subject, key, { release: true });
      }
      throw error;
    }
    recordAnswer(subject, key, result);
    return reply.code(result.statusCode).send(result.body);
  }

  /**
   * The claim as a repeat finds it. One still unanswered may have answered a moment ago with its
   * record on the way: the repeat waits for that record (this process's own at once, another's a
   * few short polls) before it goes on to take the claim over or say it is in use.
   */
  async function answeredClaim(subject: string, key: string, where: ReturnType<typeof whereClaim>) {
    await recording.get(claimId(subject, key));
    let [existing] = await db.select().from(idempotencyKeys).where(where);
    for (const waitMs of ANSWER_WAIT_MS) {
      if (!existing || existing.statusCode !== null || existing.owner === null || existing.owner === instanceId) break;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      [existing] = await db.select().from(idempotencyKeys).where(where);
    }
    return existing;
  }

  return {
    instanceId,
    run,
    async start() {
      if (timer) return;
      await heartbeat().catch(log);
      timer = setInterval(() => heartbeat().catch(log), HEARTBEAT_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await Promise.all(recording.values());
      await db.delete(apiInstances).where(eq(apiInstances.instanceId, instanceId)).catch(log);
    },
  };
}
