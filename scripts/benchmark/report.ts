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
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  settings: BenchSettings;
  yardsticks?: Yardsticks;
  writePath?: WritePath;
  ratios?: Record<string, { value: number; target: string; met: boolean }>;
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
  report.ratios = {
    'open p50 / bare start+update p50': ratio(w.open.p50 / y.startAndFirstUpdate.p50, 1.2),
    'open p99 / bare start+update p99': ratio(w.open.p99 / y.startAndFirstUpdate.p99, 1.2),
    'decision p50 / bare update+LA write p50': ratio(w.decide.p50 / y.updateWithLocalWrite.p50, 1.2),
    'decision p99 / bare update+LA write p99': ratio(w.decide.p99 / y.updateWithLocalWrite.p99, 1.2),
    'opens/s (sustained) / bare starts/s': ratio(w.openSustainedRate / y.start.rate, 0.8, false),
    'full case time / bare case-shaped time (p50)': ratio(w.fullCase.p50 / y.caseShaped.p50, 1.2),
  };
}

export function printReport(report: BenchReport): void {
  computeRatios(report);
  const { settings: s, machine: m } = report;
  console.log(`\nMachine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}`);
  console.log(
    `Settings: concurrency ${s.concurrency}; worker cache ${s.worker.maxCachedWorkflows} workflows, ` +
      `${s.worker.maxConcurrentWorkflowTaskExecutions} concurrent workflow tasks, ${s.worker.maxConcurrentLocalActivityExecutions} local activities; ` +
      `${s.databasePoolSizePerProcess} connections per process; ${s.database}; ${s.temporal}`,
  );
  const { yardsticks: y, writePath: w } = report;
  if (y && w) {
    console.log(`\n${row('', 'this API', 'bare Temporal (same server, same run)', 'ratio')}`);
    console.log(row('open a case / start + first update', ms(w.open), ms(y.startAndFirstUpdate), `${(w.open.p50 / y.startAndFirstUpdate.p50).toFixed(2)}× p50, ${(w.open.p99 / y.startAndFirstUpdate.p99).toFixed(2)}× p99`));
    console.log(row('decision / update + LA write', ms(w.decide), ms(y.updateWithLocalWrite), `${(w.decide.p50 / y.updateWithLocalWrite.p50).toFixed(2)}× p50, ${(w.decide.p99 / y.updateWithLocalWrite.p99).toFixed(2)}× p99`));
    console.log(row('  bare update (no write)', '', ms(y.update), ''));
    console.log(row('  bare update + activity write', '', ms(y.updateWithActivityWrite), ''));
    console.log(
      row(
        'cases opened/s (sustained) / starts/s',
        `${w.openSustainedRate.toFixed(1)}/s (answers ${w.open.rate.toFixed(1)}/s)`,
        `${y.start.rate.toFixed(1)}/s`,
        `${(w.openSustainedRate / y.start.rate).toFixed(2)}×`,
      ),
    );
    console.log(
      row(
        `full gov-building case (${w.requestsPerFullCase} requests)`,
        ms(w.fullCase),
        `${ms(y.caseShaped)} (start + ${w.requestsPerFullCase - 1} LA updates)`,
        `${(w.fullCase.p50 / y.caseShaped.p50).toFixed(2)}× p50`,
      ),
    );
    console.log('\nCPU ms per operation, by process:');
    for (const [label, summary] of [
      ['open a case', w.open],
      ['bare start + first update', y.startAndFirstUpdate],
      ['decision', w.decide],
      ['bare update + LA write', y.updateWithLocalWrite],
      ['bare update', y.update],
    ] as const) {
      console.log(`  ${label.padEnd(28)} ${cpu(summary)}`);
    }
    console.log('\nTargets:');
    for (const [name, r] of Object.entries(report.ratios ?? {})) console.log(`  ${r.met ? 'met ' : 'MISS'}  ${name}: ${r.value} (target ${r.target})`);
  }
  if (report.scale) printScale('live cases', report.scale);
  if (report.seededReadModel) printScale('cases written into PostgreSQL', report.seededReadModel);
}

function printScale(label: string, scale: ScaleReport | SeededReport): void {
  console.log(`\nRead routes with ${scale.cases} ${label} (target p99 < 50 ms, stats < 100 ms):`);
  for (const [route, summary] of Object.entries(scale.reads)) console.log(`  ${route.padEnd(44)} ${ms(summary)}`);
  if ('worker' in scale && scale.worker) {
    const w = scale.worker;
    console.log(
      `Worker: ${w.residentMiB} MiB resident (target ≤ 1536); cache ${w.cacheSize ?? '?'} of ${w.cacheLimit} workflows, ` +
        `hit rate ${w.cacheHitRate === null ? '?' : `${(w.cacheHitRate * 100).toFixed(1)}%`}; a miss replays a case's history in ${w.replayMs} ms`,
    );
  }
}
