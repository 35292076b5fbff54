/** The benchmark's table: each measure beside its yardstick, and the ratios the targets name. */
import type { Summary } from './measure.js';
import { round } from './measure.js';
import type { ScaleReport, SeededReport } from './scale.js';
import type { BenchSettings } from './settings.js';
import type { WritePath } from './write-path.js';
import type { Yardsticks } from './yardsticks.js';

export interface BenchReport {
  startedAt: string;
  finishedAt?: string;
  /** which topology was measured (absent in results from before --cluster: the dev server) */
  topology?: 'dev-server' | 'cluster';
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  settings: BenchSettings;
  yardsticks?: Yardsticks;
  writePath?: WritePath;
  /** `met` is null for a ratio the issue asks to see printed, with no target */
  ratios?: Record<string, { value: number; target: string; met: boolean | null }>;
  scale?: ScaleReport;
  seededReadModel?: SeededReport;
}

const ms = (s: Summary) => `p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (${s.rate.toFixed(1)}/s, n=${s.n})`;
const cpu = (s: Summary) =>
  s.cpuMsPerOp
    ? Object.entries(s.cpuMsPerOp)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '';

function row(label: string, ours: string, theirs: string, ratio: string): string {
  return `${label.padEnd(34)} ${ours.padEnd(44)} ${theirs.padEnd(44)} ${ratio}`;
}

/** Computes the ratios the performance targets name (issue 9), in the report. */
export function computeRatios(report: BenchReport): void {
  const { yardsticks: y, writePath: w } = report;
  if (!y || !w) return;
  const ratio = (value: number, limit: number, below = true) => ({ value: round(value, 3), target: `${below ? '≤' : '≥'} ${limit}`, met: below ? value <= limit : value >= limit });
  const printed = (value: number) => ({ value: round(value, 3), target: 'none: printed', met: null });
  /** a yardstick between the bare Update and the decision: it against the bare Update, the decision against it */
  const between = (name: string, yardstick: Summary | undefined) =>
    yardstick
      ? {
          [`${name} p50 / bare update+LA write p50`]: printed(yardstick.p50 / y.updateWithLocalWrite.p50),
          [`${name} p99 / bare update+LA write p99`]: printed(yardstick.p99 / y.updateWithLocalWrite.p99),
          [`decision p50 / ${name} p50`]: printed(w.decide.p50 / yardstick.p50),
          [`decision p99 / ${name} p99`]: printed(w.decide.p99 / yardstick.p99),
        }
      : {};
  report.ratios = {
    'open p50 / bare start+update p50': ratio(w.open.p50 / y.startAndFirstUpdate.p50, 1.2),
    'open p99 / bare start+update p99': ratio(w.open.p99 / y.startAndFirstUpdate.p99, 1.2),
    'decision p50 / bare update+LA write p50': ratio(w.decide.p50 / y.updateWithLocalWrite.p50, 1.2),
    'decision p99 / bare update+LA write p99': ratio(w.decide.p99 / y.updateWithLocalWrite.p99, 1.2),
    // Both sides counted until each workflow has run its first task (results from before 12-01
    // 20:00 have no such bare figure: their ratio is against the bare answers, printed below).
    ...(y.startSustainedRate !== undefined
      ? { 'opens/s (sustained) / bare starts/s (sustained)': ratio(w.openSustainedRate / y.startSustainedRate, 0.8, false) }
      : { 'opens/s (sustained) / bare starts/s': ratio(w.openSustainedRate / y.start.rate, 0.8, false) }),
    // each side's answers alone: either side may leave its workflows' first tasks still to run
    'opens/s / bare starts/s, answers only': printed(w.open.rate / y.start.rate),
    // The least an opening honouring SPEC §4 costs (key, one row, the start), and what a case adds.
    ...(y.keyedStartSustained && y.startSustainedRate !== undefined
      ? {
          'keyed starts/s behind the API (sustained) / bare starts/s (sustained)': printed(y.keyedStartSustained.rate / y.startSustainedRate),
          'opens/s (sustained) / keyed starts/s behind the API (sustained)': printed(w.openSustainedRate / y.keyedStartSustained.rate),
        }
      : {}),
    // The decision's ratio split (printed, no targets): what an HTTP API in front of the Update
    // costs by itself, and with what SPEC §4 asks of every command (the key's claim and record, the
    // answer read back); and what the approval's own work costs beyond each.
    ...between('bare update behind the API', y.updateWithLocalWriteBehindApi),
    ...between('keyed update behind the API', y.keyedUpdateBehindApi),
    // issue 9 asks for this one printed ("ratio printed"), with no target of its own
    'full case time / bare case-shaped time (p50)': printed(w.fullCase.p50 / y.caseShaped.p50),
  };
}

export function printReport(report: BenchReport): void {
  computeRatios(report);
  const { settings: s, machine: m } = report;
  if (report.topology) console.log(`\n=== ${report.topology === 'cluster' ? 'cluster topology (./scripts/cluster)' : 'dev-server topology'} ===`);
  console.log(`\nMachine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}`);
  console.log(
    `Settings: concurrency ${s.concurrency}; worker cache ${s.worker.maxCachedWorkflows} workflows, ` +
      `${s.worker.maxConcurrentWorkflowTaskExecutions} concurrent workflow tasks, ${s.worker.maxConcurrentLocalActivityExecutions} local activities, ` +
      // (runs before the setting existed recorded the SDK's default: stack traces on)
      `workflow stack traces ${s.worker.workflowStackTraces === false ? 'off' : 'on'} (both workers); ` +
      `${s.databasePoolSizePerProcess} connections per process; API case cache ${s.apiCaseCacheSize ?? 'off'} cases; ${s.database}; ${s.temporal}`,
  );
  const { yardsticks: y, writePath: w } = report;
  if (y && w) {
    if (s.warmUp !== undefined) console.log(`Each side's operations timed after ${s.warmUp} untimed ones of the same kind (JIT warm-up).`);
    if (s.pairedBlocks !== undefined) {
      console.log(
        y.keyedUpdateBehindApi
          ? `Decisions, the bare Update with a local-activity write and the same behind the API without and with key and answer timed in ${s.pairedBlocks} alternating blocks each (a b c d d c b a …), so a drift in the machine's speed slows all alike.`
          : y.updateWithLocalWriteBehindApi
          ? `Decisions, the bare Update with a local-activity write and the same behind the API timed in ${s.pairedBlocks} alternating blocks each (a b c c b a …), so a drift in the machine's speed slows all alike.`
          : `Decisions and the bare Update with a local-activity write timed in ${s.pairedBlocks} alternating blocks each (a b b a …), so a drift in the machine's speed slows both alike.`,
      );
    }
    console.log(`\n${row('', 'this API', 'bare Temporal (same server, same run)', 'ratio')}`);
    console.log(row('open a case / start + first update', ms(w.open), ms(y.startAndFirstUpdate), `${(w.open.p50 / y.startAndFirstUpdate.p50).toFixed(2)}× p50, ${(w.open.p99 / y.startAndFirstUpdate.p99).toFixed(2)}× p99`));
    console.log(row('decision / update + LA write', ms(w.decide), ms(y.updateWithLocalWrite), `${(w.decide.p50 / y.updateWithLocalWrite.p50).toFixed(2)}× p50, ${(w.decide.p99 / y.updateWithLocalWrite.p99).toFixed(2)}× p99`));
    const behind = y.updateWithLocalWriteBehindApi;
    if (behind) {
      console.log(
        row(
          '  same update behind the API²',
          ms(behind),
          ms(y.updateWithLocalWrite),
          `${(behind.p50 / y.updateWithLocalWrite.p50).toFixed(2)}× p50, ${(behind.p99 / y.updateWithLocalWrite.p99).toFixed(2)}× p99`,
        ),
      );
      console.log(row('  decision / update behind API²', ms(w.decide), ms(behind), `${(w.decide.p50 / behind.p50).toFixed(2)}× p50, ${(w.decide.p99 / behind.p99).toFixed(2)}× p99`));
    }
    const keyed = y.keyedUpdateBehindApi;
    if (keyed) {
      console.log(
        row('  + key and answer read³', ms(keyed), ms(y.updateWithLocalWrite), `${(keyed.p50 / y.updateWithLocalWrite.p50).toFixed(2)}× p50, ${(keyed.p99 / y.updateWithLocalWrite.p99).toFixed(2)}× p99`),
      );
      console.log(row('  decision / keyed update³', ms(w.decide), ms(keyed), `${(w.decide.p50 / keyed.p50).toFixed(2)}× p50, ${(w.decide.p99 / keyed.p99).toFixed(2)}× p99`));
    }
    console.log(row('  bare update (no write)', '', ms(y.update), ''));
    console.log(row('  bare update + activity write', '', ms(y.updateWithActivityWrite), ''));
    const bareSustained = y.startSustainedRate ?? y.start.rate;
    console.log(
      row(
        'cases opened/s (sustained) / starts/s',
        `${w.openSustainedRate.toFixed(1)}/s (answers ${w.open.rate.toFixed(1)}/s)`,
        `${bareSustained.toFixed(1)}/s (answers ${y.start.rate.toFixed(1)}/s)`,
        `${(w.openSustainedRate / bareSustained).toFixed(2)}× (answers ${(w.open.rate / y.start.rate).toFixed(2)}×)`,
      ),
    );
    const keyedStarts = y.keyedStartSustained?.rate;
    if (keyedStarts !== undefined) {
      console.log(
        row(
          '  keyed start behind the API³',
          `${keyedStarts.toFixed(1)}/s`,
          `${bareSustained.toFixed(1)}/s`,
          `${(keyedStarts / bareSustained).toFixed(2)}× (cases opened/s ÷ it: ${(w.openSustainedRate / keyedStarts).toFixed(2)}×)`,
        ),
      );
    }
    console.log(
      keyedStarts !== undefined
        ? `  (sustained: in ${s.pairedBlocks ?? '?'} alternating blocks each, every block counted until the workflows it started had run their first task)`
        : '  (sustained: counted until every workflow started had run its first task, on both sides)',
    );
    if (behind) {
      console.log(
        "  ² the bare update with its write as a route of the API's own app (authentication, rate limit, policy, validation), in a process of its own\n" +
          "    (scripts/benchmark/bare-api.ts): the first ratio is what the HTTP API costs by itself, the second what a decision's own work adds",
      );
    }
    if (keyed) {
      console.log(
        "  ³ the same route with what SPEC §4 asks of every command: the Idempotency-Key's claim and recorded answer (the API's own), and the answer\n" +
          "    read back after the write (a start: an opening's body validated, the key, one row written): the least an HTTP command honouring\n" +
          "    SPEC §4 costs here; the decision's (the openings') ratio to it is what the approval's own work adds",
      );
    }
    console.log(
      row(
        `full gov-building case (${w.requestsPerFullCase} requests)`,
        ms(w.fullCase),
        `${ms(y.caseShaped)} (start + ${w.requestsPerFullCase - 1} LA updates)`,
        `${(w.fullCase.p50 / y.caseShaped.p50).toFixed(2)}× p50`,
      ),
    );
    console.log("\nCPU ms per operation, by process (bench: the benchmark's own process, the client of both sides):");
    for (const [label, summary] of [
      ['open a case', w.open],
      ['bare start + first update', y.startAndFirstUpdate],
      ['decision', w.decide],
      ['bare update + LA write', y.updateWithLocalWrite],
      ['  the same behind the API', y.updateWithLocalWriteBehindApi],
      ['  the same, keyed', y.keyedUpdateBehindApi],
      ['bare update', y.update],
      ['open a case, sustained⁴', w.openSustained],
      ['bare start, sustained⁴', y.startSustained],
      ['  keyed, behind the API', y.keyedStartSustained],
    ] as const) {
      if (summary) console.log(`  ${label.padEnd(28)} ${cpu(summary)}`);
    }
    if (w.openSustained) {
      console.log(
        '  ⁴ the alternating blocks of openings and starts, each counted until the workflows it started had run their first task\n' +
          '    (with the describes that ask Temporal whether they have: the same for every kind)',
      );
    }
    console.log('\nTargets:');
    for (const [name, r] of Object.entries(report.ratios ?? {})) console.log(`  ${r.met === null ? '    ' : r.met ? 'met ' : 'MISS'}  ${name}: ${r.value} (target ${r.target})`);
  }
  if (report.scale) printScale('live cases', report.scale);
  if (report.seededReadModel) printScale('cases written into PostgreSQL', report.seededReadModel);
}

function printScale(label: string, scale: ScaleReport | SeededReport): void {
  const opened = 'openSeconds' in scale ? ` (opened in ${scale.openSeconds} s, ${(scale.cases / scale.openSeconds).toFixed(1)}/s` +
    `${scale.casesInReadModel ? `; ${scale.casesInReadModel} cases in the read model` : ''}` +
    `${scale.openingsRetried ? `; ${scale.openingsRetried} openings answered 5xx first and sent again with their key` : ''})` : '';
  console.log(`\nRead routes with ${scale.cases} ${label}${opened} (target p99 < 50 ms, stats < 100 ms):`);
  for (const [route, summary] of Object.entries(scale.reads)) console.log(`  ${route.padEnd(44)} ${ms(summary)}`);
  if (scale.decisions) console.log(`  ${'POST …/decision, one at a time (no target)¹'.padEnd(44)} ${ms(scale.decisions)}`);
  if (scale.decisions) {
    const limit = 'worker' in scale ? scale.worker?.cacheLimit : undefined;
    console.log(
      limit !== undefined && scale.cases > limit
        ? `  ¹ each on another of the earliest cases: with ${scale.cases} cases and ${limit} cached workflows, most replay their history first`
        : '  ¹ each on another of the earliest cases',
    );
  }
  if ('publication' in scale && scale.publication) {
    const p = scale.publication;
    console.log(
      `Publishing ${p.year}'s calendar (target: the answer within a second): 202 in ${p.answerMs.toFixed(1)} ms; ` +
        (p.doneSeconds !== null
          ? `all ${p.openCases} open cases told in ${p.doneSeconds} s (${(p.openCases / Math.max(0.1, p.doneSeconds)).toFixed(0)}/s)`
          : `${p.updated} of ${p.openCases} open cases told when the benchmark stopped waiting`),
    );
  }
  if ('worker' in scale && scale.worker) {
    const w = scale.worker;
    console.log(
      `Worker: ${w.residentMiBEach ? `${w.residentMiBEach.join(' and ')} MiB resident` : `${w.residentMiB} MiB resident`} (target ≤ 1536); cache ${w.cacheSize ?? '?'} of ${w.cacheLimit} workflows, ` +
        `hit rate ${w.cacheHitRate === null ? '?' : `${(w.cacheHitRate * 100).toFixed(1)}%`}; a miss replays a case's history in ${w.replayMs} ms`,
    );
  }
  if ('history' in scale && scale.history) {
    const h = scale.history;
    console.log(
      `History service CPU: ${h.openingMsPerCase} ms per case opened (${h.openingCores} cores while opening); ` +
        `${h.idleCores} cores holding the live cases at rest (over ${h.idleSeconds} s)`,
    );
  }
}

/** The two topologies' figures beside each other (./scripts/bench --cluster). */
export function printSideBySide(dev: BenchReport, cluster: BenchReport): void {
  const line = (label: string, a: string, b: string) => console.log(`${label.padEnd(40)} ${a.padEnd(36)} ${b}`);
  const latency = (s: Summary | undefined) => (s ? `p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms` : '–');
  console.log('\n=== side by side ===\n');
  line('', 'dev server (1 process, SQLite)', 'cluster (4 services on PostgreSQL)');
  line('', '1 worker, 1 API', `${cluster.scale?.worker?.residentMiBEach?.length ?? 2} workers, 2 APIs`);
  const pairs: [string, (r: BenchReport) => string][] = [
    ['bare start + first update', (r) => latency(r.yardsticks?.startAndFirstUpdate)],
    ['bare update + local-activity write', (r) => latency(r.yardsticks?.updateWithLocalWrite)],
    ['bare starts/s, sustained', (r) => { const y = r.yardsticks; if (!y) return '–'; return y.startSustainedRate !== undefined ? `${y.startSustainedRate.toFixed(1)}/s` : `${y.start.rate.toFixed(1)}/s (answers only)`; }],
    ['open a case (API)', (r) => latency(r.writePath?.open)],
    ['cases opened/s, sustained', (r) => (r.writePath ? `${r.writePath.openSustainedRate.toFixed(1)}/s` : '–')],
    ['decision (API)', (r) => latency(r.writePath?.decide)],
    ['decisions/s', (r) => (r.writePath ? `${r.writePath.decide.rate.toFixed(1)}/s` : '–')],
    ['full gov-building case', (r) => latency(r.writePath?.fullCase)],
    ['live cases opened', (r) => (r.scale ? `${r.scale.cases} in ${r.scale.openSeconds} s (${(r.scale.cases / r.scale.openSeconds).toFixed(1)}/s)` : '–')],
    ['cases in the read model', (r) => (r.scale?.casesInReadModel !== undefined ? String(r.scale.casesInReadModel) : '–')],
    ['board p99', (r) => { const s = r.scale?.reads['GET /v1/supervision/board']; return s ? `${s.p99.toFixed(1)} ms (p50 ${s.p50.toFixed(1)})` : '–'; }],
    ['board page 2 p99', (r) => { const s = r.scale?.reads['GET /v1/supervision/board (page 2)']; return s ? `${s.p99.toFixed(1)} ms` : '–'; }],
    ['stats p99', (r) => { const s = r.scale?.reads['GET /v1/stats']; return s ? `${s.p99.toFixed(1)} ms` : '–'; }],
    ['calendar published: answer; cases told', (r) => { const p = r.scale?.publication; return p ? `${p.answerMs.toFixed(0)} ms; ${p.doneSeconds !== null ? `${p.openCases} in ${p.doneSeconds} s` : `${p.updated} of ${p.openCases} (unfinished)`}` : '–'; }],
    ['worker RSS', (r) => (r.scale?.worker ? `${r.scale.worker.residentMiBEach?.join(' + ') ?? r.scale.worker.residentMiB} MiB` : '–')],
    ['replay of one case (cache miss)', (r) => (r.scale?.worker ? `${r.scale.worker.replayMs} ms` : '–')],
    ['history CPU per case opened', (r) => (r.scale?.history ? `${r.scale.history.openingMsPerCase} ms (${r.scale.history.openingCores} cores)` : '–')],
    ['history CPU at rest with the live cases', (r) => (r.scale?.history ? `${r.scale.history.idleCores} cores` : '–')],
  ];
  for (const [label, of] of pairs) line(label, of(dev), of(cluster));
  console.log('(on the dev server the "history" figures are the whole dev server\'s process: every service in one)');
}
