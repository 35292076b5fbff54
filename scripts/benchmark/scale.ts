/**
 * The read routes at a city's scale: with K live cases (opened through the API, half of them
 * back-dated so the board has late work, every one a running workflow with its timers), and
 * with 100,000 cases written straight into PostgreSQL. Also the worker's memory, its workflow
 * cache and what a cache miss costs (replaying a case's history).
 */
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { connectDatabase } from '../../db/client.js';
import { prepareDatabase } from '../../db/prepare.js';
import { caseWorkflowId } from '../../temporal.config.js';
import { getWorkflowBundle } from '../../worker/create-worker.js';
import { waitForFirstTasks } from './first-tasks.js';
import { ApiError, BENCH_DEPARTMENTS, createApiClient, benchCaseBody, type ApiClient } from './api-client.js';
import { measure, percentile, round, type Summary } from './measure.js';
import { cpuSecondsOfTree } from './cpu.js';
import { alive, findFreePort, isApiReady, nodeArgs, onFreePorts, startChild, stopChild, waitFor, type Child } from '../lib/processes.js';

const DEPARTMENTS = ['drc', 'nrp', 'housing', 'eco', 'cad', 'water', 'heritage', 'archives'];

export interface WorkerFigures {
  /** the largest of the workers' */
  residentMiB: number;
  /** each worker's, when there are several */
  residentMiBEach?: number[];
  cacheLimit: number;
  cacheSize: number | null;
  cacheHitRate: number | null;
  replayMs: number;
}

/** The history service's CPU (the cluster's; the dev server's whole process on the other topology). */
export interface HistoryCpu {
  /** CPU ms per case while the cases were opened */
  openingMsPerCase: number;
  /** cores busy on average while opening */
  openingCores: number;
  /** cores busy on average afterwards, holding the live cases with their timers (no requests) */
  idleCores: number;
  idleSeconds: number;
}

export interface ScaleReport {
  cases: number;
  openSeconds: number;
  /** openings answered 5xx (or 409 key in use) first and sent again with the same Idempotency-Key */
  openingsRetried?: number;
  /** every case in the read model when the reads were timed (a cluster keeps earlier runs' cases) */
  casesInReadModel?: number;
  reads: Record<string, Summary>;
  /** decisions one after another, each on another live case, once the reads are timed */
  decisions?: Summary;
  /** next year's schedule published with the live cases in place (absent before 12-02 08:30) */
  publication?: PublicationFigures;
  worker?: WorkerFigures;
  history?: HistoryCpu;
}

/** A calendar year published with the live cases open (SPEC §4: 202 at once, the cases told in the background). */
export interface PublicationFigures {
  year: number;
  /** the PUT's answer, 202 with the publication */
  answerMs: number;
  /** the open cases the publication tells, and how many it had told when the wait ended */
  openCases: number;
  updated: number;
  /** from the answer until the publication said done; null if it had not within the wait */
  doneSeconds: number | null;
}

/** Where the scale measure runs: the dev-server stack or the cluster. */
export interface ScaleTarget {
  api: ApiClient;
  databaseUrl: string;
  workerPids: number[];
  /** the worker's Prometheus endpoint (cache figures), when it serves one */
  workerMetricsUrl: string | null;
  /** the process whose CPU is the history service's */
  historyPid: number | null;
}

export type SeededReport = Omit<ScaleReport, 'worker' | 'openSeconds'> & { seedSeconds: number };

/**
 * Times each read route, `n` requests one after another: the latency a user clicking sees, from
 * the request to the answer's last byte. The benchmark does not decode the JSON inside the timing:
 * a case page is about 390 KB, and decoding it in this process (on the same 2 cores) added 3–7 ms
 * to the p50 and more to the p99 with its garbage collections, a cost of this client, not of the
 * route (load tools such as wrk and k6 time the same way).
 */
async function measureReads(api: ApiClient, sampleCaseIds: string[], n: number, progress: (label: string) => (done: number) => void): Promise<Record<string, Summary>> {
  const firstPage = await api.call<{ nextCursor: string | null }>('GET', '/v1/supervision/board', api.tokens.coordinator);
  const routes: [string, () => Promise<unknown>][] = [
    ['GET /v1/supervision/board', () => api.read('/v1/supervision/board', api.tokens.coordinator)],
    [
      'GET /v1/supervision/board (page 2)',
      () => api.read(`/v1/supervision/board${firstPage.nextCursor ? `?cursor=${firstPage.nextCursor}` : ''}`, api.tokens.coordinator),
    ],
    ['GET /v1/supervision/board?department=eco', () => api.read('/v1/supervision/board?department=eco', api.tokens.coordinator)],
    ['GET /v1/tasks?status=pending (drc inbox)', () => api.read('/v1/tasks?status=pending', api.tokens.reviewer('drc'))],
    ['GET /v1/tasks (eco inbox, all)', () => api.read('/v1/tasks', api.tokens.reviewer('eco'))],
    ['GET /v1/cases?status=open', () => api.read('/v1/cases?status=open', api.tokens.window)],
    ['GET /v1/cases?light=red', () => api.read('/v1/cases?light=red', api.tokens.coordinator)],
    ['GET /v1/cases/{caseId}', () => api.read(`/v1/cases/${sampleCaseIds[Math.floor(Math.random() * sampleCaseIds.length)]}`, api.tokens.coordinator)],
    ['GET /v1/stats', () => api.read('/v1/stats', api.tokens.coordinator)],
  ];
  const reads: Record<string, Summary> = {};
  for (const [route, call] of routes) {
    await call(); // warm
    reads[route] = await measure(n, 1, call, progress(route));
  }
  return reads;
}

/**
 * Times `n` decisions one after another, each approving a pending task of another live case: what
 * a reviewer waits for with the whole caseload in place (a write whose cost grew with the number
 * of task rows would show here, not in the ratios, which run on a fresh stack).
 */
async function measureDecisions(
  api: ApiClient,
  caseIds: string[],
  n: number,
  progress: (label: string) => (done: number) => void,
): Promise<Summary | undefined> {
  type Listed = { stages: { status: string; tasks: { taskId: string; status: string; department: string }[] }[] };
  const targets: { caseId: string; taskId: string; token: string }[] = [];
  for (const caseId of caseIds) {
    if (targets.length >= n) break;
    const view = await api.call<Listed>('GET', `/v1/cases/${caseId}`, api.tokens.coordinator);
    const task = view.stages.find((s) => s.status === 'in_review')?.tasks.find((t) => t.status === 'pending' && BENCH_DEPARTMENTS.includes(t.department));
    if (task) targets.push({ caseId, taskId: task.taskId, token: api.tokens.reviewer(task.department) });
  }
  if (targets.length === 0) return undefined;
  return measure(
    targets.length,
    1,
    async (i) => {
      const { caseId, taskId, token } = targets[i]!;
      await api.call('POST', `/v1/cases/${caseId}/tasks/${taskId}/decision`, token, { decision: 'approve', opinion: '压测同意' }, randomUUID());
    },
    progress('decisions with the live cases'),
  );
}

const BENCH_HOLIDAY = '压测假日';
/** How long the benchmark follows a publication before it reports how far it got. */
const PUBLICATION_WAIT_MS = 15 * 60_000;

/**
 * Publishes next year's schedule with one change, as an administrator would revise it: a day off
 * more (a weekday of March), or, on a stack a run before gave that day, the day back. Times the
 * PUT's answer, then follows the publication until every open case has been told.
 */
async function measurePublication(api: ApiClient, progress: (label: string) => (done: number) => void): Promise<PublicationFigures> {
  type Schedule = { holidays: { from: string; to: string; name: string }[]; makeUpDays: string[] };
  type Publication = { publicationId: string; status: string; openCases: { total: number; updated: number } };
  const year = new Date().getUTCFullYear() + 1;
  const schedule = await api.call<Schedule>('GET', `/v1/calendar/${year}`, api.tokens.admin);
  const given = schedule.holidays.filter((h) => h.name === BENCH_HOLIDAY);
  const offDays = (day: string) => schedule.holidays.some((h) => h.from <= day && day <= h.to) || schedule.makeUpDays.includes(day);
  let day = `${year}-03-01`;
  while (offDays(day) || [0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) {
    day = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  }
  const holidays = given.length > 0
    ? schedule.holidays.filter((h) => h.name !== BENCH_HOLIDAY)
    : [...schedule.holidays, { from: day, to: day, name: BENCH_HOLIDAY }];
  const body = { holidays: holidays.map(({ from, to, name }) => ({ from, to, name })), makeUpDays: schedule.makeUpDays };
  const at = performance.now();
  const answer = await api.call<{ publication: Publication }>('PUT', `/v1/calendar/${year}`, api.tokens.admin, body, randomUUID());
  const answerMs = round(performance.now() - at, 1);
  const answered = performance.now();
  const report = progress(`publication of ${year}: open cases told`);
  let publication = answer.publication;
  while (publication.status !== 'done' && performance.now() - answered < PUBLICATION_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const told = publication.openCases.updated;
    publication = await api.call<Publication>('GET', `/v1/calendar/publications/${publication.publicationId}`, api.tokens.coordinator);
    if (publication.openCases.updated !== told) report(publication.openCases.updated);
  }
  return {
    year,
    answerMs,
    openCases: publication.openCases.total,
    updated: publication.openCases.updated,
    doneSeconds: publication.status === 'done' ? round((performance.now() - answered) / 1000, 1) : null,
  };
}

function residentMiBOf(pid: number | undefined): number {
  if (!pid) return 0;
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const line = text.split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

/** The SDK's workflow cache figures from the worker's Prometheus endpoint. */
async function cacheFigures(metricsUrl: string | null): Promise<{ size: number | null; hitRate: number | null }> {
  if (!metricsUrl) return { size: null, hitRate: null };
  const text = await fetch(metricsUrl).then((response) => response.text(), () => '');
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(name) && !line.startsWith('#'))
      .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  const hits = sum('temporal_sticky_cache_hit');
  const misses = sum('temporal_sticky_cache_miss');
  const size = text.includes('temporal_sticky_cache_size') ? sum('temporal_sticky_cache_size') : null;
  return { size, hitRate: hits + misses > 0 ? round(hits / (hits + misses), 3) : null };
}

/** Replays one case's history `times` times: what the worker pays when a case is not in its cache. */
async function replayCost(client: Client, caseId: string, times: number): Promise<number> {
  const history = await client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
  const workflowBundle = await getWorkflowBundle();
  const spent: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await Worker.runReplayHistory({ workflowBundle, replayName: `bench-${i}` }, history);
    spent.push(performance.now() - started);
  }
  return round(percentile(spent.sort((a, b) => a - b), 50), 1);
}

export async function measureScale(
  target: ScaleTarget,
  client: Client,
  options: { cases: number; concurrency: number; cacheLimit: number; idleSeconds?: number },
  progress: (label: string) => (done: number) => void,
  phase: (message: string) => void,
): Promise<ScaleReport> {
  const { api } = target;
  const cal = new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai');
  const today = cal.localDate(Date.now());
  const caseIds: string[] = [];
  let retried = 0;
  const historyCpu = () => (target.historyPid ? cpuSecondsOfTree(target.historyPid) : 0);
  const cpuBefore = historyCpu();
  const started = performance.now();
  await measure(
    options.cases,
    options.concurrency,
    async (i) => {
      // half of them back-dated (1 to 60 working days): late work on the board, timers already fired
      const backdated = i % 2 === 1;
      let date = today;
      for (let back = 1 + (i % 60); backdated && back > 0; ) {
        date = new Date(Date.parse(`${date}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
        if (cal.isWorkingDay(date)) back -= 1;
      }
      const body = benchCaseBody(i % 3 === 0 ? 'social-small' : 'gov-building', backdated ? { acceptedAt: `${date}T10:00:00+08:00` } : {});
      // as a careful client: a 503 (the case did not answer in time) is sent again with the same key
      const key = randomUUID();
      for (let attempt = 1; ; attempt += 1) {
        try {
          const opened = await api.call<{ caseId: string }>('POST', '/v1/cases', backdated ? api.tokens.admin : api.tokens.window, body, key);
          caseIds.push(opened.caseId);
          return;
        } catch (error) {
          const status = error instanceof ApiError ? error.status : 0;
          const retriable = status >= 500 || status === 429 || (status === 409 && JSON.stringify((error as ApiError).body).includes('IDEMPOTENCY_KEY_IN_USE'));
          if (!retriable || attempt >= 20) throw error;
          retried += 1;
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
      }
    },
    progress('live cases opened'),
  );
  const database = postgres(target.databaseUrl, { max: 1, onnotice: () => {} });
  let casesInReadModel = 0;
  try {
    await waitForFirstTasks(client, caseIds.map(caseWorkflowId));
    casesInReadModel = Number((await database`select count(*)::int as n from cases`)[0]?.n ?? 0);
  } finally {
    await database.end();
  }
  const openSeconds = round((performance.now() - started) / 1000, 1);
  const cpuOpening = historyCpu() - cpuBefore;
  let history: HistoryCpu | undefined;
  if (target.historyPid) {
    const idleSeconds = options.idleSeconds ?? 30;
    phase(`${options.cases} live cases opened in ${openSeconds} s; the history service at rest for ${idleSeconds} s`);
    const idleFrom = historyCpu();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    history = {
      openingMsPerCase: round((cpuOpening * 1000) / Math.max(1, options.cases), 1),
      openingCores: round(cpuOpening / openSeconds, 2),
      idleCores: round((historyCpu() - idleFrom) / idleSeconds, 3),
      idleSeconds,
    };
  }
  phase(`${options.cases} live cases opened in ${openSeconds} s (${casesInReadModel} cases in the read model); timing the read routes`);
  const reads = await measureReads(api, caseIds, 200, progress);
  // the cache as the reads left it; the decisions after it wake cases the cache may have let go
  const cache = await cacheFigures(target.workerMetricsUrl);
  const decisions = await measureDecisions(api, caseIds, 100, progress);
  const resident = target.workerPids.map((pid) => residentMiBOf(pid));
  // before the publication, which adds a signal to every case's history
  const replayMs = await replayCost(client, caseIds[1] ?? caseIds[0]!, 10);
  phase('publishing next year\'s calendar with the live cases open');
  const publication = await measurePublication(api, progress);
  return {
    cases: options.cases,
    openSeconds,
    openingsRetried: retried,
    casesInReadModel,
    reads,
    ...(decisions ? { decisions } : {}),
    publication,
    worker: {
      residentMiB: Math.max(0, ...resident),
      ...(resident.length > 1 ? { residentMiBEach: resident } : {}),
      cacheLimit: options.cacheLimit,
      cacheSize: cache.size,
      cacheHitRate: cache.hitRate,
      replayMs,
    },
    ...(history ? { history } : {}),
  };
}

/**
 * N cases written straight into a database of their own (no workflows): what the read model
 * holds for a city's caseload. Half are late (their stage-1 deadlines passed), a tenth escalated;
 * a third of the tasks are decided, counted in the statistics as the sync would count them. The board
 * moments are approximate (the due index counts five working days a week), the order they give is real.
 */
export async function seedReadModel(url: string, cases: number): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      insert into cases (case_id, project_code, project_name, project_type, applicant, materials, status, current_stage,
        awaiting, catalog_version, accepted_at, accepted_on, opened_by, start_input, version, workflow_ran, created_at,
        board_deadline, board_due_index, board_yellow_from, board_from, board_running, board_departments, escalation_level)
      select 'S' || lpad(i::text, 9, '0'), '2026-610100-47-01-' || lpad(i::text, 6, '0'), '种子项目 ' || i, 'gov-building',
        '{"name":"种子建设单位","creditCode":"91610100MA00000000"}', '[]', 'open', 'land-use-planning',
        'departments', 1, accepted, (accepted at time zone 'Asia/Shanghai')::date, '{"sub":"seed","name":"seed","role":"admin"}',
        '{"rules":{"stalled":{"noActivityWorkingDays":5,"applicantSilentWorkingDays":10}}}', 6, true, accepted,
        accepted + interval '7 days', ((accepted at time zone 'Asia/Shanghai')::date + 7 - date '2000-01-01') * 5 / 7,
        accepted + interval '5 days', accepted + interval '5 days', true,
        '{drc,nrp,eco,heritage}', case when i % 10 = 0 then 1 else 0 end
      from (select i, now() - ((i % 2) * (1 + i % 60) * interval '1 day') - interval '1 hour' as accepted
            from generate_series(1, ${cases}) i) s;
      insert into tasks (task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
        committed_working_days, statutory_working_days, warning_days, deemed_consent, start_date, due_date, deadline,
        yellow_from, used_before_run, used_working_days, remaining_working_days, decision, decided_at, last_event_at)
      select c.case_id || '-' || t.item, c.case_id, 'land-use-planning', t.item, t.item, t.item, t.dept,
        case when (hashtext(c.case_id || t.item) % 3) = 0 then 'approved' else 'pending' end,
        t.days, 20, 1, false, c.accepted_on + 1, (c.accepted_at + t.days * interval '1 day')::date,
        c.accepted_at + t.days * interval '1 day', c.accepted_at + (t.days - 2) * interval '1 day', 0, 0, t.days,
        case when (hashtext(c.case_id || t.item) % 3) = 0 then '{"decision":"approve","by":{"sub":"seed","name":"seed","role":"reviewer"},"at":0}'::jsonb end,
        case when (hashtext(c.case_id || t.item) % 3) = 0 then c.accepted_at + interval '2 days' end,
        c.accepted_at
      from cases c cross join (values ('project-approval', 'drc', 5), ('land-site-review', 'nrp', 10), ('eia', 'eco', 20),
        ('heritage-survey', 'heritage', 10)) as t(item, dept, days);
      insert into decided_tasks (case_id, seq, task_id, day, department, item_code, on_time, used_working_days,
        committed_working_days, statutory_working_days)
      select case_id, row_number() over (partition by case_id order by task_id)::int + 6, task_id,
        (decided_at at time zone 'Asia/Shanghai')::date, department, item_code, decided_at <= deadline, 2,
        committed_working_days, statutory_working_days
      from tasks where status = 'approved';
      insert into escalations (escalation_id, case_id, task_id, level, origin, reason, status, opened_at, opened_by)
      select case_id || '-E1', case_id, case_id || '-project-approval', 1, 'auto', '超过承诺时限未办结', 'open', now(),
        '{"sub":"system","name":"system","role":"system"}'
      from cases where escalation_level = 1;`);
    // as autovacuum leaves a table at rest: statistics gathered, pages marked all-visible
    await sql.unsafe('vacuum analyze');
  } finally {
    await sql.end();
  }
}

export async function measureSeededReadModel(
  stack: { databaseUrl: string; temporalAddress: string; secret: string },
  options: { cases: number },
  progress: (label: string) => (done: number) => void,
  phase: (message: string) => void,
): Promise<SeededReport> {
  const admin = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const name = `bench_seeded_${Date.now()}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(stack.databaseUrl);
  url.pathname = `/${name}`;
  const database = connectDatabase(url.toString(), { max: 1 });
  await prepareDatabase(database.db);
  await database.close();
  const started = performance.now();
  await seedReadModel(url.toString(), options.cases);
  const seedSeconds = round((performance.now() - started) / 1000, 1);
  phase(`${options.cases} cases written in ${seedSeconds} s; timing the read routes on an API of their own`);

  let api: Child | undefined;
  try {
    // a port found free is released before the API binds it: on a taken one, start it again on another
    const base = await onFreePorts(async () => {
      const port = await findFreePort();
      api = startChild('seeded-api', process.execPath, nodeArgs('api/server.ts'), {
        env: {
          ...process.env,
          DATABASE_URL: url.toString(),
          TEMPORAL_ADDRESS: stack.temporalAddress,
          AUTH_JWT_SECRET: stack.secret,
          PORT: String(port),
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_MINUTE: '1000000',
        },
        quiet: true,
      });
      const child = api;
      const base = `http://127.0.0.1:${port}`;
      await waitFor('the seeded API', async () => alive(child) && (await isApiReady(base)), 60_000);
      return base;
    });
    const client = await createApiClient(base, stack.secret, DEPARTMENTS);
    const sample = Array.from({ length: 100 }, (_, i) => `S${String(1 + ((i * 997) % options.cases)).padStart(9, '0')}`);
    return { cases: options.cases, seedSeconds, reads: await measureReads(client, sample, 200, progress) };
  } finally {
    if (api) await stopChild(api);
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  }
}
