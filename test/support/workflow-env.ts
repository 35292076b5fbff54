/**
 * Time-skipping workflow tests: Temporal's Java test server (TEMPORAL_TEST_SERVER, provided by
 * ./scripts/test), a real Worker with the real workflow bundle and the real read-model activity
 * against the run's PostgreSQL database. Nothing is mocked.
 *
 * Time is global to one environment and only moves forward, so tests in a file run one after
 * the other and compute their expectations from the moment they open their case.
 */
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import type * as protoModule from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { GENESIS_HASH, sha256Hex } from '../../db/audit-chain.js';
import { createReadModelActivities } from '../../activities/read-model.js';
import { writeOpening } from '../../api/opening.js';
import { createCaseSyncWriter } from '../../db/case-sync.js';
import { connectDatabase, type DatabaseHandle } from '../../db/client.js';
import { findAuditEvents, findCaseRow, findTaskRow, insertCaseRow } from '../../db/queries.js';
import { SEED_CATALOG } from '../../db/seed.js';
import { WorkingCalendar, type IsoDate } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { DEFAULT_CLOCK_RULES, type Actor, type CaseStartInput, type TaskState } from '../../domain/case-types.js';
import { resolveCasePlan, type StageCode } from '../../domain/catalog.js';
import { completeMaterials } from './materials.js';
import { caseWorkflowId } from '../../temporal.config.js';
import { getWorkflowBundle } from '../../worker/create-worker.js';
import {
  CURRENT_WORKFLOW_VERSION,
  caseWorkflow,
  decideUpdate,
  handOutUpdate,
  stateQuery,
  submitStageApplicationUpdate,
  type UpdateResult,
} from '../../workflows/case-workflow.js';
import { currentStage, type CaseState } from '../../workflows/case-machine.js';
import { installQuietRuntime, newCreditCode, newProjectCode, requireInfrastructure, TIME_ZONE } from './stack.js';

export type CaseHandle = WorkflowHandle<typeof caseWorkflow>;

export interface OpenedCase {
  caseId: string;
  input: CaseStartInput;
  handle: CaseHandle;
}

export interface OpenCaseOptions {
  projectType?: string;
  /** defaults to the environment's current time */
  acceptedAtMs?: number;
  /** a low history limit makes the workflow continue as new early */
  historyLimit?: number;
  /** 容缺受理: stage-1 checklist codes the applicant brings later (left out of the materials) */
  deferredMaterials?: string[];
  /**
   * Writes the opening with the case row, as POST /v1/cases does (api/opening.ts), so the
   * workflow does not write it; by default the row is inserted alone and the workflow writes it.
   */
  openingWritten?: boolean;
}

export interface WorkflowTestEnv {
  env: TestWorkflowEnvironment;
  /**
   * A client on the environment's connection whose `handle.result()` does NOT unlock time
   * skipping. With `env.client`, awaiting a result unlocks it and the test server jumps ahead to
   * whatever comes next on the whole server, even for a workflow already finished: we saw jumps
   * of ten years that timed out other tests' open cases. Here time moves only through
   * `env.sleep`, so every test knows what time it is.
   */
  client: Client;
  database: DatabaseHandle;
  taskQueue: string;
  /** the seed calendar in Asia/Shanghai, for computing what the workflow should compute */
  calendar: WorkingCalendar;
  /** Inserts the case row and starts its workflow, as POST /v1/cases does. */
  openCase(options?: OpenCaseOptions): Promise<OpenedCase>;
  close(): Promise<void>;
}

export function requireTestServer(): string {
  const path = process.env.TEMPORAL_TEST_SERVER;
  if (!path) {
    throw new Error(
      "workflow tests need Temporal's time-skipping test server (TEMPORAL_TEST_SERVER): run them through ./scripts/test",
    );
  }
  return path;
}

/** `stackTraces`: the worker's sandbox records stack frames (WORKER_WORKFLOW_STACK_TRACES; off by default). */
export async function createWorkflowTestEnv({ stackTraces = false }: { stackTraces?: boolean } = {}): Promise<WorkflowTestEnv> {
  const path = requireTestServer();
  const { databaseUrl } = requireInfrastructure();
  installQuietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  const database = connectDatabase(databaseUrl, { max: 5 });
  const taskQueue = `workflow-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await getWorkflowBundle({ stackTraces }),
    activities: createReadModelActivities({ db: database.db, timeZone: TIME_ZONE }),
  });
  const running = worker.run();
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  const calendar = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);

  return {
    env,
    client,
    database,
    taskQueue,
    calendar,
    async openCase(options = {}) {
      const input = buildCaseStartInput({
        projectType: options.projectType ?? 'gov-building',
        acceptedAtMs: options.acceptedAtMs ?? (await env.currentTimeMs()),
      });
      if (options.historyLimit !== undefined) input.historyLimit = options.historyLimit;
      if (options.deferredMaterials) {
        input.deferredMaterials = options.deferredMaterials;
        input.materials = completeMaterials(input.project.projectType, 'land-use-planning', options.deferredMaterials);
      }
      let startInput = input;
      if (options.openingWritten) {
        const writer = createCaseSyncWriter({ sql: database.db.$client, timeZone: TIME_ZONE });
        startInput = (await writeOpening({ db: database.db, writer }, input, calendar.localDate(input.acceptedAtMs))).input;
      } else await insertCaseRow(database.db, input, input.openedBy);
      const handle = await client.workflow.start(caseWorkflow, {
        workflowId: caseWorkflowId(input.caseId),
        taskQueue,
        args: [startInput],
      });
      return { caseId: input.caseId, input: startInput, handle };
    },
    async close() {
      worker.shutdown();
      await running;
      await database.close();
      await env.teardown();
    },
  };
}

export const WINDOW: Actor = { sub: 'window-1', name: '综合窗口', role: 'window' };
export const COORDINATOR: Actor = { sub: 'coordinator-1', name: '协调员', role: 'coordinator' };
export const ADMIN: Actor = { sub: 'admin-1', name: '管理员', role: 'admin' };

export function reviewer(department: string): Actor {
  return { sub: `reviewer-${department}`, name: `${department} reviewer`, role: 'reviewer', department };
}

export function buildCaseStartInput({ projectType, acceptedAtMs }: { projectType: string; acceptedAtMs: number }): CaseStartInput {
  return {
    caseId: `WF-${randomUUID().slice(0, 8).toUpperCase()}`,
    project: {
      projectCode: newProjectCode(),
      projectName: '西安市第一中学新校区',
      projectType,
      applicant: { name: '西安市教育局', creditCode: newCreditCode() },
      location: '西安市雁塔区',
      totalInvestment: 120_000_000,
      landArea: 35_000,
      floorArea: 48_000,
    },
    materials: completeMaterials(projectType, 'land-use-planning'),
    plan: resolveCasePlan(SEED_CATALOG, projectType),
    acceptedAtMs,
    openedBy: WINDOW,
    calendar: SEED_SCHEDULES,
    timeZone: TIME_ZONE,
    rules: DEFAULT_CLOCK_RULES,
    // what the API starts cases with; the committed histories replay the versions before it
    workflowVersion: CURRENT_WORKFLOW_VERSION,
  };
}

export async function getState(opened: OpenedCase): Promise<CaseState> {
  return opened.handle.query(stateQuery);
}

/** The task of an item in the workflow's state (throws if the case has none). */
export function taskOf(state: CaseState, itemCode: string): TaskState {
  const task = state.tasks.find((t) => t.itemCode === itemCode);
  if (!task) throw new Error(`the case has no task for ${itemCode}`);
  return task;
}

export function taskIdOf(opened: OpenedCase, itemCode: string): string {
  return `${opened.caseId}-${itemCode}`;
}

/** The department owning an item in the case's plan. */
export function departmentOf(opened: OpenedCase, itemCode: string): string {
  const item = opened.input.plan.stages.flatMap((s) => s.items).find((i) => i.code === itemCode);
  if (!item) throw new Error(`the plan of ${opened.caseId} has no item ${itemCode}`);
  return item.department;
}

/** Approval by a reviewer of the item's own department. */
export async function approve(opened: OpenedCase, itemCode: string, opinion = '同意'): Promise<UpdateResult> {
  return opened.handle.executeUpdate(decideUpdate, {
    args: [{ taskId: taskIdOf(opened, itemCode), decision: 'approve', opinion, actor: reviewer(departmentOf(opened, itemCode)) }],
  });
}

/** Approves the current stage's tasks as they become pending, until the stage is approved. */
export async function approveCurrentStage(opened: OpenedCase): Promise<void> {
  for (;;) {
    const state = await getState(opened);
    const stage = currentStage(state);
    if (stage.status !== 'in_review') return;
    const pending = state.tasks.filter((t) => t.stage === stage.code && t.status === 'pending');
    if (pending.length === 0) throw new Error(`stage ${stage.code} of ${opened.caseId} has no pending task`);
    for (const task of pending) await approve(opened, task.itemCode);
  }
}

/** The window submits the application of `stage` (the next one the case awaits). */
export async function submitStageApplication(opened: OpenedCase, stage: StageCode): Promise<UpdateResult> {
  return opened.handle.executeUpdate(submitStageApplicationUpdate, {
    args: [{ stage, materials: completeMaterials(opened.input.project.projectType, stage), actor: WINDOW }],
  });
}

/**
 * The window hands out every ended stage's result at the counter (综合窗口出件): a closed case's
 * workflow waits for that before it finishes (SPEC §6.2).
 */
export async function handOutResults(opened: OpenedCase): Promise<void> {
  const state = await getState(opened);
  for (const stage of state.stages) {
    if ((stage.status !== 'approved' && stage.status !== 'rejected') || stage.handout) continue;
    await opened.handle.executeUpdate(handOutUpdate, {
      args: [{ stage: stage.code, recipient: { name: '建设单位经办人' }, channel: 'counter', actor: WINDOW }],
    });
  }
}

/** Every audit event links to the one before it and hashes its own canonical JSON. */
export function expectIntactHashChain(events: { seq: number; canonical: string; prevHash: string; hash: string }[]): void {
  let prev = GENESIS_HASH;
  events.forEach((event, i) => {
    expect(event.seq).toBe(i + 1);
    expect(event.prevHash).toBe(prev);
    expect(event.hash).toBe(sha256Hex(event.canonical));
    prev = event.hash;
  });
}

/** The error code a refused update was refused with (fails the test if it was not refused). */
export async function refusalOf(update: Promise<unknown>): Promise<string> {
  const error: unknown = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the update was expected to be refused').toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? '';
}

export async function readTaskRow(testEnv: WorkflowTestEnv, taskId: string) {
  const row = await findTaskRow(testEnv.database.db, taskId);
  if (!row) throw new Error(`task ${taskId} has no read-model row`);
  return row;
}

export async function readCaseRow(testEnv: WorkflowTestEnv, caseId: string) {
  const row = await findCaseRow(testEnv.database.db, caseId);
  if (!row) throw new Error(`case ${caseId} has no read-model row`);
  return row;
}

export async function readAuditEvents(testEnv: WorkflowTestEnv, caseId: string) {
  return findAuditEvents(testEnv.database.db, caseId);
}

/** Lets server time pass until `instantMs` (no-op if it has passed already). */
export async function sleepUntil(env: TestWorkflowEnvironment, instantMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instantMs > now) await env.sleep(instantMs - now);
}

/**
 * Moves server time to `hh:mm` local on the first working day strictly after today, so a test
 * opens its case in office hours, far from midnight, on a day the clocks count from.
 */
export async function skipToNextWorkingMorning(testEnv: WorkflowTestEnv, hh = 9, mm = 30): Promise<number> {
  const today = testEnv.calendar.localDate(await testEnv.env.currentTimeMs());
  return skipToLocal(testEnv, testEnv.calendar.nextWorkingDayAfter(today), hh, mm);
}

/** Moves server time to `hh:mm` local on `date` (which must not have passed). */
export async function skipToLocal(testEnv: WorkflowTestEnv, date: IsoDate, hh = 9, mm = 30): Promise<number> {
  const at = testEnv.calendar.startOfDay(date) + (hh * 60 + mm) * 60_000;
  const now = await testEnv.env.currentTimeMs();
  if (at < now) throw new Error(`cannot go back in time to ${testEnv.calendar.formatInstant(at)}`);
  await sleepUntil(testEnv.env, at);
  return at;
}

/** `hh:mm` local on the first working day strictly after `date`. */
export function workingMorningAfter(calendar: WorkingCalendar, date: IsoDate, hh = 9, mm = 30): number {
  return calendar.startOfDay(calendar.nextWorkingDayAfter(date)) + (hh * 60 + mm) * 60_000;
}

/**
 * History ⇄ proto3 JSON (the format of `temporal workflow show --output json`).
 *
 * @temporalio/common's historyToJSON / historyFromJSON throw "type must be a Type" with this
 * lock file: npm gives @temporalio/common and @temporalio/proto separate protobufjs copies, and
 * protojson's instanceof check fails across them. The same conversion through the protobufjs
 * copy that built the reflection types works.
 */
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History | null;
}
const requireHere = createRequire(import.meta.url);
// The CommonJS module itself is the (patched) protobufjs Root; an ESM namespace import wraps it.
const proto = requireHere('@temporalio/proto') as typeof protoModule & { lookupType(name: string): unknown };
const protojson = createRequire(requireHere.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = proto.lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJson(json: string): History {
  const history = protojson.fromJson(historyType, JSON.parse(json), { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a history');
  return history;
}
