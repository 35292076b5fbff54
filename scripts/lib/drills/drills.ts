/**
 * The fault drills (issue 14): each starts the load (scripts/lib/drills/load.ts), breaks one
 * process while decisions are in flight, brings it back, lets the load finish and then checks
 * every case (scripts/lib/drills/verify.ts). A drill passes when the load got a final answer
 * for every request, the drill's own assertion holds and the checks find no problem.
 */
import { connectDatabase } from '../../../db/client.js';
import { createDrillClient, startLoad, type Ledger, type LoadOptions, type RunningLoad } from './load.js';
import type { Topology } from './topology.js';
import { checkEveryCase, type CheckReport } from './verify.js';

export interface DrillSettings extends LoadOptions {
  /** how long the broken process stays down */
  downtimeMs: number;
  /** the share of the load's decisions answered before the fault */
  faultAt: number;
}

interface DrillContext {
  topology: Topology;
  load: RunningLoad;
  settings: DrillSettings;
  log: (message: string) => void;
}

export interface Drill {
  name: string;
  topology: Topology['name'];
  summary: string;
  /** breaks something and brings it back, noting what it saw in `observation`; returns lines for the report */
  run(context: DrillContext, observation: DrillObservation): Promise<string[]>;
  /** the drill's own assertion on the finished ledger (beyond the checks every drill makes) */
  assert?(ledger: Ledger, observed: DrillObservation): string[];
}

export interface DrillObservation {
  /** Idempotency-Keys of the requests in flight when the fault struck */
  inFlightAtFault: string[];
  /** when the process was killed or stopped, and when it served again */
  struckAtMs?: number;
  backAtMs?: number;
  /** decisions answered while the process was down */
  answeredWhileDown?: number;
  /** when the drill began to start the process again */
  restartAtMs?: number;
  /** the request caught between its claim and its answer (the API drill) */
  caught?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the given share of decisions is answered and at least one decision is in flight. */
async function midStage(context: DrillContext): Promise<void> {
  const { load, settings } = context;
  const threshold = Math.max(1, Math.floor(load.expectedDecisions * settings.faultAt));
  for (;;) {
    const deciding = [...load.inFlight.values()].some((request) => request.kind === 'decide');
    if (load.decisionsAnswered() >= threshold && deciding) return;
    if (load.isOver()) throw new Error('the load finished before the fault could strike');
    await sleep(5);
  }
}

function inFlightDecisions(load: RunningLoad): string[] {
  return [...load.inFlight.entries()].filter(([, request]) => request.kind === 'decide').map(([key]) => key);
}

/** Kills `name` mid-stage, keeps it down for the downtime, then starts it again. */
function killAndRestart(name: string, signal: 'kill9' | 'stop' = 'kill9') {
  return async (context: DrillContext, observation: DrillObservation): Promise<string[]> => {
    const { topology, load, settings, log } = context;
    await midStage(context);
    observation.inFlightAtFault = inFlightDecisions(load);
    const answeredBefore = load.decisionsAnswered();
    const struck = Date.now();
    observation.struckAtMs = struck;
    await topology[signal](name);
    log(`${name} ${signal === 'kill9' ? 'killed' : 'stopped'} with ${observation.inFlightAtFault.length} decisions in flight, ${answeredBefore} of ${load.expectedDecisions} answered`);
    await sleep(settings.downtimeMs);
    const answeredWhileDown = load.decisionsAnswered() - answeredBefore;
    observation.answeredWhileDown = answeredWhileDown;
    observation.restartAtMs = Date.now();
    await topology.start(name);
    observation.backAtMs = Date.now();
    return [
        `${name} ${signal === 'kill9' ? 'kill -9' : 'stopped'} with ${observation.inFlightAtFault.length} decisions in flight; down ${((Date.now() - struck) / 1000).toFixed(1)} s (restarted after ${settings.downtimeMs / 1000} s); ${answeredWhileDown} decisions answered while it was down`,
    ];
  };
}

/**
 * The fault struck requests, and each of them still got its success: every decision in flight at
 * the fault answered 200, and some request waited or retried across the outage (one answered
 * after the process was back, sent before it was), so the fault did not go unnoticed.
 */
function assertRidden(ledger: Ledger, observation: DrillObservation): string[] {
  const caught = ledger.requests.filter((r) => observation.inFlightAtFault.includes(r.key));
  const problems = caught.filter((r) => r.status !== 200).map((r) => `${r.taskId}: in flight at the fault, answered ${r.status} ${r.answer}`);
  if (caught.length < observation.inFlightAtFault.length) problems.push('a request in flight at the fault never got a final answer');
  const { struckAtMs, backAtMs } = observation;
  // (when a request never got its answer, that is the problem to report, not this)
  if (struckAtMs !== undefined && backAtMs !== undefined && caught.length === observation.inFlightAtFault.length) {
    // Waited across: sent before the process was started again and answered only after that
    // began. (A request can be answered before the start returns: the process serves as soon as
    // it is up, and the start goes on to wait for its readiness.)
    const back = observation.restartAtMs ?? backAtMs;
    const across = ledger.requests.filter((r) => r.sentAtMs < back && r.answeredAtMs > struckAtMs && (r.attempts > 1 || r.answeredAtMs >= back));
    if (across.length === 0) problems.push('no request waited or retried across the outage: the fault went unnoticed');
  }
  return problems;
}

export const DRILLS: Drill[] = [
  {
    name: 'worker-kill',
    topology: 'dev-server',
    summary: 'kill -9 the worker mid-stage and start it again',
    run: killAndRestart('worker-1'),
    assert: (ledger, observation) => assertRidden(ledger, observation),
  },
  {
    name: 'api-kill',
    topology: 'dev-server',
    summary: 'kill -9 an API between accepting a decision and answering; the client retries with the same Idempotency-Key',
    run: async (context, observation) => {
      const { topology, load, settings, log } = context;
      await midStage(context);
      // A decision sent to api-1 whose Idempotency-Key it has claimed and not answered yet. The
      // claim is seen in the database, but api-1 may answer it before a kill lands; so api-1 is
      // frozen (SIGSTOP) first, and an answer it sent just before reaches the client meanwhile.
      // A key claimed, unanswered in the database and still awaited by the client while the
      // process cannot run is one whose answer was never sent (api-1 answers, then records the
      // answer). If there is none, api-1 runs on (SIGCONT) and the drill waits for another.
      const database = connectDatabase(topology.databaseUrl, { max: 1 });
      const api1 = topology.pidOf('api-1');
      if (api1 === null) throw new Error('api-1 is not running');
      const unanswered = async (keys: string[]) =>
        (await database.sql<{ key: string }[]>`select key from idempotency_keys where key = any(${keys}) and status_code is null`).map((row) => row.key);
      const toApi1 = () => [...load.inFlight.entries()].filter(([, r]) => r.kind === 'decide' && r.api === 0).map(([key]) => key);
      let caught: string | undefined;
      let thawed = 0;
      try {
        while (!caught) {
          if (load.isOver()) throw new Error('the load finished before a decision was caught between its claim and its answer');
          const candidates = toApi1();
          if (candidates.length === 0 || (await unanswered(candidates)).length === 0) {
            await sleep(2);
            continue;
          }
          process.kill(api1, 'SIGSTOP');
          const frozenAtMs = Date.now();
          await sleep(100);
          const inFlight = inFlightDecisions(load);
          // a read that throws must not leave api-1 frozen for the rest of the run
          caught = (await unanswered(toApi1()).catch((error: unknown) => {
            process.kill(api1, 'SIGCONT');
            throw error;
          })).find((key) => load.inFlight.has(key));
          if (!caught) {
            process.kill(api1, 'SIGCONT');
            thawed += 1;
            continue;
          }
          observation.inFlightAtFault = inFlight;
          observation.caught = caught;
          observation.struckAtMs = frozenAtMs;
          await topology.kill9('api-1');
        }
      } finally {
        await database.close();
      }
      log(`api-1 killed while it held the claim of decision ${caught} (${observation.inFlightAtFault.length} decisions in flight)`);
      await sleep(settings.downtimeMs);
      await topology.start('api-1');
      observation.backAtMs = Date.now();
      return [
        `api-1 kill -9 between claiming Idempotency-Key ${caught.slice(0, 8)}… and answering; ${observation.inFlightAtFault.length} decisions in flight` +
          (thawed > 0 ? ` (frozen ${thawed} time${thawed === 1 ? '' : 's'} before a claim was still held, and let run on)` : ''),
      ];
    },
    assert: (ledger, observation) => {
      const problems = assertRidden(ledger, observation);
      const caught = ledger.requests.find((r) => r.key === observation.caught);
      if (!caught) problems.push('the caught decision never got a final answer');
      else {
        if (caught.status !== 200 || caught.answer !== 'approved') problems.push(`the caught decision ${caught.taskId} answered ${caught.status} ${caught.answer}`);
        if (!caught.retriedOn.some((why) => why.startsWith('network'))) problems.push(`the caught decision ${caught.taskId} saw no broken connection (${caught.retriedOn.join('; ')})`);
      }
      return problems;
    },
  },
  {
    name: 'postgres-restart',
    topology: 'dev-server',
    summary: 'stop PostgreSQL while the read model is being written, and start it again',
    run: killAndRestart('postgres', 'stop'),
    assert: (ledger, observation) => assertRidden(ledger, observation),
  },
  {
    name: 'temporal-restart',
    topology: 'dev-server',
    summary: 'kill -9 the Temporal dev server mid-stage and start it again on its database file',
    run: killAndRestart('temporal'),
    assert: (ledger, observation) => assertRidden(ledger, observation),
  },
  {
    name: 'history-kill',
    topology: 'cluster',
    summary: "kill -9 the cluster's history service mid-stage and start it again",
    run: killAndRestart('temporal-history'),
    assert: (ledger, observation) => assertRidden(ledger, observation),
  },
  {
    name: 'cluster-worker-kill',
    topology: 'cluster',
    summary: 'kill -9 one of the two workers mid-stage; the other carries on; start it again',
    run: killAndRestart('worker-1'),
    assert: (ledger, observation) => {
      // the other worker takes the cases over: decisions keep being answered while this one is down
      const problems = assertRidden(ledger, observation).filter((problem) => !problem.includes('went unnoticed'));
      const { struckAtMs = 0, restartAtMs = 0 } = observation;
      const servedByTheOther = ledger.requests.filter((r) => r.kind === 'decide' && r.sentAtMs > struckAtMs && r.answeredAtMs < restartAtMs && r.status === 200);
      if (servedByTheOther.length === 0) problems.push('no decision sent after the kill was answered while worker-1 was down: worker-2 did not take over');
      return problems;
    },
  },
];

export interface DrillResult {
  drill: string;
  topology: Topology['name'];
  seconds: number;
  observed: string[];
  requests: number;
  retried: number;
  maxAttempts: number;
  retryReasons: Record<string, number>;
  check: CheckReport;
  problems: string[];
}

/** Runs one drill on the topology; `ledger` carries the cases of earlier drills, which are checked again. */
export async function runDrill(drill: Drill, topology: Topology, settings: DrillSettings, ledger: Ledger, log: (message: string) => void): Promise<DrillResult> {
  const began = Date.now();
  const observation: DrillObservation = { inFlightAtFault: [] };
  const client = await createDrillClient(topology.apiUrls, topology.secret);
  const own: Ledger = { cases: [], requests: [] };
  const load = startLoad(topology.apiUrls, client.tokens, settings, own);
  // the load's failure must not go unhandled while the drill breaks things
  const finished = load.finished.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  let observed: string[] = [];
  const problems: string[] = [];
  try {
    observed = await drill.run({ topology, load, settings, log }, observation);
  } catch (error) {
    problems.push(`the drill failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const outcome = await finished;
  if (!outcome.ok) problems.push(`the load failed: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
  ledger.cases.push(...own.cases);
  ledger.requests.push(...own.requests);
  log(`load done (${own.requests.length} requests answered); checking every case`);
  // a stack of the drills' own holds their cases only; the cluster may hold others (the benchmark's): this drill's
  const check =
    topology.name === 'dev-server'
      ? await checkEveryCase(topology, ledger, { exclusive: true })
      : await checkEveryCase(topology, own, { exclusive: false, since: new Date(began) });
  problems.push(...(drill.assert?.(own, observation) ?? []), ...check.problems);
  const retryReasons: Record<string, number> = {};
  for (const request of own.requests) for (const why of request.retriedOn) retryReasons[why] = (retryReasons[why] ?? 0) + 1;
  return {
    drill: drill.name,
    topology: topology.name,
    seconds: Math.round((Date.now() - began) / 100) / 10,
    observed,
    requests: own.requests.length,
    retried: own.requests.filter((r) => r.attempts > 1).length,
    maxAttempts: Math.max(0, ...own.requests.map((r) => r.attempts)),
    retryReasons,
    check,
    problems,
  };
}

export function formatResult(result: DrillResult): string {
  const { check } = result;
  const reasons = Object.entries(result.retryReasons)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ×${n}`)
    .join(', ');
  return [
    `${result.problems.length === 0 ? 'PASS' : 'FAIL'}  ${result.drill} (${result.topology}, ${result.seconds} s)`,
    ...result.observed.map((line) => `      ${line}`),
    `      ${result.requests} requests answered, ${result.retried} after a retry (at most ${result.maxAttempts} attempts)${reasons ? `: ${reasons}` : ''}`,
    `      checked ${check.cases} cases: ${check.decisions} decisions each applied once, ${check.events} audit events in whole chains, ` +
      `read model equal to the workflow, ${check.timersArmed} next wake-ups armed as timers; ${check.retractions} events taken back from discarded workflow tasks`,
    ...result.problems.slice(0, 30).map((problem) => `      problem: ${problem}`),
    ...(result.problems.length > 30 ? [`      … and ${result.problems.length - 30} more problems`] : []),
  ].join('\n');
}
