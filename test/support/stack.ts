/**
 * A real stack for integration tests: the run's Temporal dev server and PostgreSQL database
 * (from global setup), a real Worker on a task queue of its own, a Temporal client and the
 * Fastify app. Nothing is mocked.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { randomInt, randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { buildApp, type AppOptions } from '../../api/app.js';
import { signToken, type TokenClaims } from '../../api/auth.js';
import postgres from 'postgres';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { prepareDatabase } from '../../db/prepare.js';
import { SEED_CATALOG } from '../../db/seed.js';
import type { YearSchedule } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { DEFAULT_CLOCK_RULES, type Actor, type CaseStartInput, type ClockRules } from '../../domain/case-types.js';
import { resolveCasePlan } from '../../domain/catalog.js';
import { computeCreditCodeCheck } from '../../domain/identifiers.js';
import { createCaseWorker } from '../../worker/create-worker.js';
import { completeMaterials } from './materials.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const TIME_ZONE = 'Asia/Shanghai';

export function requireInfrastructure(): { temporalAddress: string; databaseUrl: string } {
  const temporalAddress = inject('temporalAddress');
  const databaseUrl = inject('databaseUrl');
  if (!temporalAddress || !databaseUrl) {
    throw new Error('integration tests need Temporal and PostgreSQL: run them through ./scripts/test');
  }
  return { temporalAddress, databaseUrl };
}

export interface Stack {
  app: FastifyInstance;
  database: DatabaseHandle;
  client: Client;
  taskQueue: string;
  worker: Worker;
  token(claims: Partial<TokenClaims> & Pick<TokenClaims, 'role'>): Promise<string>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Worker logs at WARN so test output shows what matters; once per process. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** The app as tests build it: the test secret and zone, a generous rate limit, quiet logs. */
export function buildTestApp(
  parts: Pick<AppOptions, 'db' | 'temporal' | 'taskQueue'> & Partial<Pick<AppOptions, 'rateLimitPerMinute' | 'logLevel' | 'metricsToken'>>,
): Promise<FastifyInstance> {
  return buildApp({ authJwtSecret: TEST_SECRET, timeZone: TIME_ZONE, rateLimitPerMinute: 1000, logLevel: 'warn', ...parts });
}

/**
 * A database of its own (migrated and seeded) on the run's PostgreSQL server, for tests whose
 * answers depend on everything in the database (statistics, the board).
 */
export async function createFreshDatabase(): Promise<string> {
  const { databaseUrl } = requireInfrastructure();
  const name = `approval_fresh_${Date.now()}_${randomInt(0, 1_000_000)}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const database = connectDatabase(url.toString(), { max: 1 });
  try {
    await prepareDatabase(database.db);
  } finally {
    await database.close();
  }
  return url.toString();
}

export async function startStack(options: { freshDatabase?: boolean; rateLimitPerMinute?: number } = {}): Promise<Stack> {
  const { temporalAddress } = requireInfrastructure();
  const databaseUrl = options.freshDatabase ? await createFreshDatabase() : requireInfrastructure().databaseUrl;
  installQuietRuntime();
  const database = connectDatabase(databaseUrl, { max: 5 });
  const workerConnection = await NativeConnection.connect({ address: temporalAddress });
  const taskQueue = `test-${randomUUID()}`;
  const worker = await createCaseWorker({
    connection: workerConnection,
    namespace: 'default',
    taskQueue,
    db: database.db,
    timeZone: TIME_ZONE,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const app = await buildTestApp({
    db: database.db,
    temporal: client,
    taskQueue,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
  });
  return {
    app,
    database,
    client,
    taskQueue,
    worker,
    token: (claims) =>
      signToken(
        {
          sub: claims.sub ?? `${claims.role}-${claims.department ?? 'x'}`,
          name: claims.name ?? claims.role,
          role: claims.role,
          ...(claims.department ? { department: claims.department } : {}),
        },
        TEST_SECRET,
      ),
    async close() {
      await app.close();
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await database.close();
    },
  };
}

/** A fresh, valid national project code, so tests never collide on CASE_ALREADY_OPEN. */
export function newProjectCode(): string {
  // region and serial random: 10^12 codes, so cases of one test database never share a project by chance
  return `2026-${String(randomInt(0, 1_000_000)).padStart(6, '0')}-47-01-${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

export function newCreditCode(): string {
  const body = `91610100MA${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  return body + computeCreditCodeCheck(body);
}

/**
 * A social-small case's start input as the API would build it (without materials), for tests
 * that write a case row straight into the read model. Calendar and rules default to the seed's.
 */
export function startInputOf(
  caseId: string,
  options: { projectName: string; acceptedAtMs: number; openedBy: Actor; calendar?: YearSchedule[]; rules?: ClockRules },
): CaseStartInput {
  return {
    caseId,
    project: {
      projectCode: newProjectCode(),
      projectName: options.projectName,
      projectType: 'social-small',
      applicant: { name: '建设单位', creditCode: newCreditCode() },
      location: null,
      totalInvestment: null,
      landArea: null,
      floorArea: null,
    },
    materials: [],
    plan: resolveCasePlan(SEED_CATALOG, 'social-small'),
    acceptedAtMs: options.acceptedAtMs,
    openedBy: options.openedBy,
    calendar: options.calendar ?? SEED_SCHEDULES,
    timeZone: TIME_ZONE,
    rules: options.rules ?? DEFAULT_CLOCK_RULES,
  };
}

/** An opening request with the stage-1 checklist complete for its project type (override `materials` to test the check). */
export function caseBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const projectType = typeof overrides.projectType === 'string' ? overrides.projectType : 'gov-building';
  return {
    projectCode: newProjectCode(),
    projectName: '西安市第一中学新校区',
    projectType,
    applicant: { name: '西安市教育局', creditCode: newCreditCode() },
    location: '西安市雁塔区',
    totalInvestment: 120_000_000,
    landArea: 35_000,
    floorArea: 48_000,
    materials: SEED_CATALOG.projectTypes.some((t) => t.code === projectType) ? completeMaterials(projectType, 'land-use-planning') : [],
    ...overrides,
  };
}

export async function call(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
}
