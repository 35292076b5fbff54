/**
 * ./scripts/drill: the fault drills of scripts/lib/drills/drills.ts. The dev-server drills run on
 * a stack of their own (free ports, a temporary data directory: nothing of ./scripts/start's is
 * touched); the cluster drills on ./scripts/cluster's cluster under DATA_DIR (started when it is
 * not running, left running). Exits 1 when any drill fails.
 *
 *   ./scripts/drill                      every drill, the dev-server ones and then the cluster ones
 *   ./scripts/drill --dev | --cluster    one topology's drills
 *   ./scripts/drill api-kill history-kill   the named drills
 *   --cases 12 --concurrency 4 --stages 2 --downtime 10 --fault-at 0.3 --patience 300   the load, the fault, and how
 *   long one request is retried before the drill fails (the defaults)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadLocalStackConfig } from '../config.js';
import { removeDataDirectory } from '../db/embedded-postgres.js';
import { DRILLS, formatResult, runDrill, type DrillResult, type DrillSettings } from './lib/drills/drills.js';
import type { Ledger } from './lib/drills/load.js';
import { openClusterTopology, startDevTopology, type Topology } from './lib/drills/topology.js';

const USAGE = `usage: scripts/drill [--dev | --cluster] [drill …] [--cases N] [--concurrency C] [--stages S] [--downtime SECONDS] [--fault-at SHARE]
drills:
${DRILLS.map((d) => `  ${d.name.padEnd(20)} ${d.topology.padEnd(10)} ${d.summary}`).join('\n')}`;

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        dev: { type: 'boolean', default: false },
        cluster: { type: 'boolean', default: false },
        cases: { type: 'string', default: '12' },
        concurrency: { type: 'string', default: '4' },
        stages: { type: 'string', default: '2' },
        downtime: { type: 'string', default: '10' },
        'fault-at': { type: 'string', default: '0.3' },
        patience: { type: 'string', default: '300' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}
const { values: flags, positionals } = parseCommandLine();
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = positionals.filter((name) => !DRILLS.some((d) => d.name === name));
const settings: DrillSettings = {
  cases: Number(flags.cases),
  concurrency: Number(flags.concurrency),
  stages: Number(flags.stages),
  downtimeMs: Number(flags.downtime) * 1000,
  faultAt: Number(flags['fault-at']),
  patienceMs: Number(flags.patience) * 1000,
};
const valid =
  [settings.cases, settings.concurrency, settings.stages].every((n) => Number.isInteger(n) && n >= 1) &&
  settings.stages <= 4 &&
  settings.downtimeMs >= 0 &&
  settings.faultAt >= 0 &&
  settings.faultAt < 1;
if (unknown.length > 0 || !valid) {
  console.error(`${unknown.length > 0 ? `no drill ${unknown.join(', ')}\n` : 'bad numbers\n'}${USAGE}`);
  process.exit(2);
}
const chosen = DRILLS.filter((drill) => {
  if (positionals.length > 0) return positionals.includes(drill.name);
  if (flags.dev !== flags.cluster) return drill.topology === (flags.cluster ? 'cluster' : 'dev-server');
  return true;
});

const startedAt = Date.now();
const log = (message: string) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(7)} s] ${message}`);
const local = loadLocalStackConfig();
const results: DrillResult[] = [];

async function runOn(topology: Topology, drills: typeof DRILLS): Promise<void> {
  const ledger: Ledger = { cases: [], requests: [] };
  for (const drill of drills) {
    log(`drill ${drill.name}: ${drill.summary} (${settings.cases} cases × ${settings.stages} stages, ${settings.concurrency} at a time, through ${topology.apiUrls.length} APIs)`);
    const result = await runDrill(drill, topology, settings, ledger, log);
    results.push(result);
    console.log(formatResult(result));
  }
}

let failed = false;
const devDrills = chosen.filter((d) => d.topology === 'dev-server');
const clusterDrills = chosen.filter((d) => d.topology === 'cluster');
if (devDrills.length > 0) {
  const cli = local.temporalCli;
  if (!cli) throw new Error('the dev-server drills need the Temporal CLI: run them as ./scripts/drill');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'approval-drill-'));
  log(`starting a dev-server stack of its own in ${dataDir} (Temporal dev server on a database file, embedded PostgreSQL, 1 worker, 2 APIs)`);
  const topology = await startDevTopology({ dataDir, temporalCli: cli, apis: 2, log });
  // Ctrl-C stops the stack's children too
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void topology.close().finally(() => process.exit(130)));
  }
  try {
    await runOn(topology, devDrills);
  } finally {
    await topology.close();
    if (results.some((r) => r.problems.length > 0)) console.log(`its data stays in ${dataDir}`);
    else removeDataDirectory(dataDir);
  }
}
if (clusterDrills.length > 0) {
  log(`the cluster under ${path.resolve(local.dataDir, 'cluster')}`);
  const topology = await openClusterTopology({ dataDir: local.dataDir, log });
  await runOn(topology, clusterDrills);
}

failed = results.some((r) => r.problems.length > 0);
console.log(`\n${results.length} drills in ${((Date.now() - startedAt) / 1000).toFixed(0)} s:`);
for (const r of results) {
  console.log(
    `  ${r.problems.length === 0 ? 'PASS' : 'FAIL'}  ${r.drill.padEnd(20)} ${r.topology.padEnd(10)} ${String(r.check.cases).padStart(4)} cases checked, ` +
      `${String(r.check.decisions).padStart(4)} decisions, ${String(r.retried).padStart(3)} requests retried, ${r.seconds} s`,
  );
}
process.exit(failed ? 1 : 0);
