/**
 * The dev-server fault drills (./scripts/drill --dev), short: a few cases, a few concurrent
 * decisions through two APIs, each process broken for a moment. The same drill code as the
 * script, on a stack of its own (Temporal dev server on a database file, embedded PostgreSQL,
 * one worker, two APIs as child processes). Each drill then checks every case: no lost or
 * duplicate decision, whole audit chains, the read model equal to the workflow's state, the
 * next wake-up armed as a timer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILLS, formatResult, runDrill, type DrillSettings } from '../../scripts/lib/drills/drills.js';
import type { Ledger } from '../../scripts/lib/drills/load.js';
import { startDevTopology, type Topology } from '../../scripts/lib/drills/topology.js';

const SETTINGS: DrillSettings = { cases: 3, concurrency: 3, stages: 1, downtimeMs: 1_000, faultAt: 0.25, patienceMs: 60_000 };

const dataDir = mkdtempSync(path.join(tmpdir(), 'approval-drills-test-'));
let topology: Topology | null = null;
/** every drill's cases, checked again by each later drill */
const ledger: Ledger = { cases: [], requests: [] };

beforeAll(async () => {
  const temporalCli = process.env.TEMPORAL_CLI;
  if (!temporalCli) throw new Error('the drills need TEMPORAL_CLI: run them through ./scripts/test');
  topology = await startDevTopology({ dataDir, temporalCli, apis: 2 });
}, 180_000);

afterAll(async () => {
  await topology?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

describe('fault drills on the dev-server stack', () => {
  for (const drill of DRILLS.filter((d) => d.topology === 'dev-server')) {
    it(`${drill.summary}: nothing lost, nothing doubled, every chain whole, read model equal to the workflow, timers armed`, async () => {
      const result = await runDrill(drill, topology!, SETTINGS, ledger, () => {});
      expect(result.problems, formatResult(result)).toEqual([]);
      expect(result.check.cases).toBe(ledger.cases.length);
      expect(result.check.decisions).toBeGreaterThan(0);
      expect(result.check.timersArmed).toBe(ledger.cases.length);
    }, 240_000);
  }
});
