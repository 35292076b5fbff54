/**
 * SPEC §4 Idempotency-Key around the moment of answering: the API answers a command as soon as
 * it has taken effect and writes the answer's record meanwhile, so a repeat can arrive while the
 * record is on its way. It must get the first answer, never 409 IDEMPOTENCY_KEY_IN_USE for a
 * request that has been answered. Real Temporal and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiInstances, idempotencyKeys } from '../../db/schema.js';
import { call, caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let window: string;
const subject = 'window-idempotency';

beforeAll(async () => {
  stack = await startStack();
  window = await stack.token({ role: 'window', sub: subject });
});
afterAll(async () => stack?.close());

const claimOf = (key: string) => and(eq(idempotencyKeys.subject, subject), eq(idempotencyKeys.key, key));

/**
 * A case opened with a key, whose claim is then left as another live API process leaves it
 * between answering and recording the answer: held, unanswered. Returns the answer it had.
 */
async function answeredThenHeldByAnother() {
  const { db } = stack.database;
  const key = randomUUID();
  const body = caseBody();
  const first = await call(stack.app, 'POST', '/v1/cases', window, body, { 'idempotency-key': key });
  expect(first.statusCode).toBe(201);
  const other = `other-api-${randomUUID()}`;
  await db.insert(apiInstances).values({ instanceId: other });
  const [answered] = await db.select().from(idempotencyKeys).where(claimOf(key));
  await db.update(idempotencyKeys).set({ owner: other, statusCode: null, response: null }).where(claimOf(key));
  return { key, body, first, answered: answered! };
}

describe('a repeat of an answered request', () => {
  it('sent the moment the answer arrives, to the same API process, gets the first answer', async () => {
    for (let i = 0; i < 5; i += 1) {
      const key = randomUUID();
      const body = caseBody();
      const first = await call(stack.app, 'POST', '/v1/cases', window, body, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      const repeat = await call(stack.app, 'POST', '/v1/cases', window, body, { 'idempotency-key': key });
      expect(repeat.statusCode, repeat.body).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.json()).toEqual(first.json());
    }
  });

  it('sent while another API process is still writing the answer, waits for it and gets it', async () => {
    const { key, body, first, answered } = await answeredThenHeldByAnother();
    const repeat = call(stack.app, 'POST', '/v1/cases', window, body, { 'idempotency-key': key });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await stack.database.db.update(idempotencyKeys).set({ statusCode: answered.statusCode, response: answered.response }).where(claimOf(key));
    const response = await repeat;
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(response.json()).toEqual(first.json());
  });

  it('is told the key is in use while another live process holds it unanswered', async () => {
    const { key, body } = await answeredThenHeldByAnother();
    const repeat = await call(stack.app, 'POST', '/v1/cases', window, body, { 'idempotency-key': key });
    expect(repeat.statusCode).toBe(409);
    expect(repeat.json().error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
  });
});
