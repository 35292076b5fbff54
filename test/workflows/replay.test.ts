/**
 * Replays the committed case-workflow histories against today's workflow code: a change that
 * breaks determinism for cases already running fails here, in CI, instead of wedging them in
 * production. Needs no server.
 *
 * To re-record after an intended, compatible change (or to add a scenario), run
 *
 *   RECORD_HISTORIES=1 ./scripts/test test/workflows/record-histories.test.ts
 *
 * and commit test/workflows/histories/*.json. Re-recording is never the fix for a failure here:
 * old histories are what running cases look like; an incompatible change needs `patched()` or a
 * new workflow type instead.
 */
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getWorkflowBundle } from '../../worker/create-worker.js';
import { historyFromJson } from '../support/workflow-env.js';

const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));
const DIVERGENT_WORKFLOWS = fileURLToPath(new URL('./fixtures/divergent-case-workflow.ts', import.meta.url));
const histories = readdirSync(HISTORIES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

const readHistory = (name: string) => historyFromJson(readFileSync(`${HISTORIES_DIR}${name}`, 'utf8'));

// ERROR only: the deliberate nondeterminism below would otherwise print a core WARN.
beforeAll(() =>
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  }),
);

describe('replaying recorded case-workflow histories', () => {
  it('has the recorded histories', () => {
    expect(histories).toEqual([
      'deemed-consent.json',
      'happy-path-social-small.json',
      'rejection.json',
      'supplement-round-trip.json',
      'supplement-timeout.json',
    ]);
  });

  it.each(histories)('replays %s with the current workflow code', async (name) => {
    await expect(
      Worker.runReplayHistory({ workflowBundle: await getWorkflowBundle() }, readHistory(name)),
    ).resolves.toBeUndefined();
  });

  it('fails with a DeterminismViolationError when the workflow code schedules different commands', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: DIVERGENT_WORKFLOWS,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(
      Worker.runReplayHistory({ workflowBundle }, readHistory('happy-path-social-small.json')),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
