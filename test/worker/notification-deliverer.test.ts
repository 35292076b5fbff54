/**
 * The notification webhook deliverer (SPEC §3 Notifications webhook) against a database of its
 * own on the run's PostgreSQL server and a real HTTP receiver on 127.0.0.1: rows inserted into
 * the `notifications` outbox are POSTed, signed, retried with back-off, and delivered at least
 * once even with two deliverers claiming rows at the same time.
 *
 * Back-off waits are skipped by moving `next_attempt_at` in the database, never by sleeping.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { notifications } from '../../db/schema.js';
import { WorkingCalendar } from '../../domain/calendar.js';
import { backoffMs, createNotificationDeliverer, signBody } from '../../worker/notification-deliverer.js';
import { createFreshDatabase, TIME_ZONE } from '../support/stack.js';

const SECRET = 'webhook-secret-for-tests';
const clock = new WorkingCalendar([], TIME_ZONE);
const formatInstant = (ms: number): string => clock.formatInstant(ms);

interface Received {
  id: string | undefined;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
  signatureValid: boolean;
  receivedAtMs: number;
}

/** How the receiver answers one request: a status, after an optional delay. */
type Answer = (request: Received, attempt: number) => { status: number; delayMs?: number };

interface Receiver {
  url: string;
  received: Received[];
  /** the most requests for one notification id the receiver was handling at one time */
  maxConcurrentPerId: number;
  /** the most requests (any ids) it was handling at one time */
  maxConcurrent: number;
  answer: Answer;
  /** called when a request arrives, before it is answered */
  onArrival: ((request: Received) => Promise<void>) | null;
  reset(): void;
}

function isSignedBy(secret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function startReceiver(): Promise<{ receiver: Receiver; server: Server }> {
  const inFlight = new Map<string, number>();
  let inFlightTotal = 0;
  const receiver: Receiver = {
    url: '',
    received: [],
    maxConcurrentPerId: 0,
    maxConcurrent: 0,
    answer: () => ({ status: 200 }),
    onArrival: null,
    reset() {
      this.received = [];
      this.maxConcurrentPerId = 0;
      this.maxConcurrent = 0;
      this.answer = () => ({ status: 200 });
      this.onArrival = null;
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const id = typeof req.headers['x-notification-id'] === 'string' ? req.headers['x-notification-id'] : undefined;
        const request: Received = {
          id,
          headers: req.headers,
          raw: raw.toString('utf8'),
          body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
          signatureValid: isSignedBy(SECRET, raw, req.headers['x-signature']),
          receivedAtMs: Date.now(),
        };
        const key = id ?? '';
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        inFlightTotal += 1;
        receiver.maxConcurrentPerId = Math.max(receiver.maxConcurrentPerId, inFlight.get(key) ?? 0);
        receiver.maxConcurrent = Math.max(receiver.maxConcurrent, inFlightTotal);
        receiver.received.push(request);
        const attempt = receiver.received.filter((r) => r.id === id).length;
        try {
          await receiver.onArrival?.(request);
          const { status, delayMs = 0 } = receiver.answer(request, attempt);
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
        } finally {
          inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
          inFlightTotal -= 1;
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/approval`;
  return { receiver, server };
}

let databaseUrl: string;
let database: DatabaseHandle;
let receiver: Receiver;
let server: Server;

beforeAll(async () => {
  databaseUrl = await createFreshDatabase();
  database = connectDatabase(databaseUrl, { max: 4 });
  ({ receiver, server } = await startReceiver());
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.close();
});
afterEach(async () => {
  receiver.reset();
  // Each test sees only its own rows.
  await database.db.delete(notifications);
});

let sequence = 0;
/** Inserts outbox rows as the read-model activity does; returns their ids, oldest first. */
async function insertNotifications(count: number, fields: Partial<typeof notifications.$inferInsert> = {}): Promise<string[]> {
  const caseId = `CASE-${randomUUID().slice(0, 8)}`;
  const base = Date.parse('2026-09-24T09:30:00+08:00');
  const rows = Array.from({ length: count }, (_, i): typeof notifications.$inferInsert => {
    sequence += 1;
    return {
      notificationId: `${caseId}-N${i + 1}`,
      kind: i % 2 === 0 ? 'reminder' : 'escalation',
      caseId,
      taskId: `${caseId}-eia`,
      audience: 'department',
      department: 'eco',
      message: `临期提醒：环境影响评价审批（${caseId}-eia）承诺时限至 2026-09-30 #${sequence}`,
      data: { dueDate: '2026-09-30', n: i + 1 },
      createdAt: new Date(base + i * 1_000),
      ...fields,
    };
  });
  await database.db.insert(notifications).values(rows);
  return rows.map((r) => r.notificationId);
}

async function rowsOf(ids: string[]) {
  const rows = await database.db.select().from(notifications).where(inArray(notifications.notificationId, ids));
  return ids.map((id) => rows.find((r) => r.notificationId === id));
}

async function databaseNowMs(): Promise<number> {
  const [row] = await database.db.execute<{ now: string }>(sql`select clock_timestamp()::text as now`);
  return new Date(row?.now ?? '').getTime();
}

function deliverer(options: { db?: DatabaseHandle; secret?: string | undefined; batchSize?: number; url?: string } = {}) {
  return createNotificationDeliverer({
    db: (options.db ?? database).db,
    url: options.url ?? receiver.url,
    secret: 'secret' in options ? options.secret : SECRET,
    formatInstant,
    batchSize: options.batchSize ?? 20,
    timeoutMs: 10_000,
  });
}

describe('backoffMs', () => {
  it.each([
    [0, 1_000],
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [10, 512_000],
    [11, 600_000],
    [40, 600_000],
  ])('waits %i failed attempts → %i ms (doubling from 1 s, at most 10 minutes)', (attempts, ms) => {
    expect(backoffMs(attempts)).toBe(ms);
  });
});

describe('delivering the outbox to the webhook', () => {
  it('POSTs each row once as the notification’s JSON, with X-Notification-Id and an HMAC X-Signature of the exact body', async () => {
    const ids = await insertNotifications(3);

    expect(await deliverer().deliverDue()).toBe(3);

    expect(receiver.received.map((r) => r.id)).toEqual(ids);
    const [first] = receiver.received;
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.body).toEqual({
      notificationId: ids[0],
      kind: 'reminder',
      caseId: ids[0]?.replace(/-N1$/, ''),
      taskId: `${ids[0]?.replace(/-N1$/, '')}-eia`,
      department: 'eco',
      audience: 'department',
      message: expect.stringContaining('临期提醒') as unknown,
      data: { dueDate: '2026-09-30', n: 1 },
      createdAt: '2026-09-24T09:30:00.000+08:00',
    });
    for (const request of receiver.received) {
      expect(request.signatureValid).toBe(true);
      expect(request.headers['x-signature']).toBe(signBody(request.raw, SECRET));
      expect(request.body.notificationId).toBe(request.id);
    }
    const rows = await rowsOf(ids);
    for (const row of rows) expect(row).toMatchObject({ attempts: 1, lastError: null, deliveredAt: expect.any(Date) as unknown });

    // Delivered rows are not sent again.
    expect(await deliverer().deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(3);
  });

  it('leaves out taskId and department when the row has none, and sends no X-Signature without a secret', async () => {
    const [id] = await insertNotifications(1, { taskId: null, department: null, audience: 'coordinator', kind: 'escalation' });

    await deliverer({ secret: undefined }).deliverDue();

    const [request] = receiver.received;
    expect(request?.id).toBe(id);
    expect(request?.headers['x-signature']).toBeUndefined();
    expect(request?.body).not.toHaveProperty('taskId');
    expect(request?.body).not.toHaveProperty('department');
    expect(request?.body).toMatchObject({ notificationId: id, kind: 'escalation', audience: 'coordinator' });
  });

  it('retries a notification answered 500 after its back-off, with the same id and body, until a 2xx', async () => {
    const [failing, fine] = await insertNotifications(2);
    receiver.answer = (request, attempt) => ({ status: request.id === failing && attempt === 1 ? 500 : 200 });
    const before = await databaseNowMs();

    expect(await deliverer().deliverDue()).toBe(2);

    let [failed, delivered] = await rowsOf([failing ?? '', fine ?? '']);
    expect(delivered).toMatchObject({ attempts: 1, lastError: null });
    expect(delivered?.deliveredAt).not.toBeNull();
    expect(failed).toMatchObject({ attempts: 1, lastError: 'HTTP 500', deliveredAt: null });
    expect(failed?.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + backoffMs(1));

    // Not due until its back-off has passed.
    expect(await deliverer().deliverDue()).toBe(0);
    expect(receiver.received.map((r) => r.id)).toEqual([failing, fine]);

    await database.db.update(notifications).set({ nextAttemptAt: sql`now()` }).where(eq(notifications.notificationId, failing ?? ''));
    expect(await deliverer().deliverDue()).toBe(1);

    expect(receiver.received.map((r) => r.id)).toEqual([failing, fine, failing]);
    const [firstTry, , secondTry] = receiver.received;
    expect(secondTry?.raw).toBe(firstTry?.raw);
    expect(secondTry?.signatureValid).toBe(true);
    [failed] = await rowsOf([failing ?? '']);
    expect(failed).toMatchObject({ attempts: 2, lastError: null });
    expect(failed?.deliveredAt).not.toBeNull();
  });

  it('records a failure to connect as an error to retry', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [id] = await insertNotifications(1);

    expect(await deliverer({ url }).deliverDue()).toBe(1);

    const [row] = await rowsOf([id ?? '']);
    expect(row).toMatchObject({ attempts: 1, deliveredAt: null });
    expect(row?.lastError).toBeTruthy();
  });

  it('stamps delivery and measures back-off from when each POST was answered, not from when the batch began', async () => {
    const [slow, failing] = await insertNotifications(2);
    // The first POST of the batch takes longer than the first back-off (1 s).
    receiver.answer = (request) => (request.id === slow ? { status: 200, delayMs: backoffMs(1) + 500 } : { status: 503 });

    await deliverer().deliverDue();

    const [slowRequest, failingRequest] = receiver.received;
    const [slowRow, failingRow] = await rowsOf([slow ?? '', failing ?? '']);
    expect(slowRow?.deliveredAt?.getTime()).toBeGreaterThanOrEqual((slowRequest?.receivedAtMs ?? 0) + backoffMs(1));
    expect(failingRow?.lastError).toBe('HTTP 503');
    expect(failingRow?.nextAttemptAt.getTime()).toBeGreaterThanOrEqual((failingRequest?.receivedAtMs ?? 0) + backoffMs(1));
  });

  it('starts polling and stops, delivering what is due in between', async () => {
    const ids = await insertNotifications(2);
    const running = deliverer();
    running.start(20);
    try {
      for (let i = 0; i < 500 && receiver.received.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await running.stop();
    }
    expect(receiver.received.map((r) => r.id)).toEqual(ids);
    const countAfterStop = receiver.received.length;
    await insertNotifications(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(countAfterStop);
  });
});

describe('two deliverers at once (FOR UPDATE SKIP LOCKED)', () => {
  it('never POST one row concurrently, and deliver every row at least once', async () => {
    const ids = await insertNotifications(24);
    const first = connectDatabase(databaseUrl, { max: 2 });
    const second = connectDatabase(databaseUrl, { max: 2 });
    // The first request waits until a second one (another id) is in flight: both deliverers then
    // hold claimed rows at the same moment, which a deliverer blocking on the other's locks
    // (FOR UPDATE without SKIP LOCKED) never reaches. One deliverer POSTs one row at a time and
    // waits for it longer than this (timeoutMs 10 s), so the second request is the other's.
    let release: () => void = () => {};
    const bothInFlight = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstWaiting = false;
    let barrierMet = false;
    receiver.onArrival = async (request) => {
      if (receiver.received.length === 1) {
        firstWaiting = true;
        await Promise.race([bothInFlight, new Promise((resolve) => setTimeout(resolve, 2_000))]);
        firstWaiting = false;
      } else if (firstWaiting && request.id !== receiver.received[0]?.id) {
        barrierMet = true;
        release();
      }
    };
    receiver.answer = () => ({ status: 200, delayMs: 5 });
    const drain = async (db: DatabaseHandle): Promise<number> => {
      const worker = deliverer({ db, batchSize: 3 });
      let attempted = 0;
      for (let round = 0; round < 50; round++) {
        const n = await worker.deliverDue();
        attempted += n;
        if (n === 0) break;
      }
      return attempted;
    };
    try {
      const [byFirst, bySecond] = await Promise.all([drain(first), drain(second)]);
      expect(barrierMet).toBe(true);
      expect(byFirst).toBeGreaterThan(0);
      expect(bySecond).toBeGreaterThan(0);
    } finally {
      await first.close();
      await second.close();
    }

    expect(receiver.maxConcurrentPerId).toBe(1);
    expect(receiver.maxConcurrent).toBeGreaterThanOrEqual(2);
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set(ids));
    const rows = await rowsOf(ids);
    for (const row of rows) expect(row?.deliveredAt).not.toBeNull();
    expect(rows.reduce((sum, row) => sum + (row?.attempts ?? 0), 0)).toBe(receiver.received.length);
  });
});
