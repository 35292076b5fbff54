/**
 * Replays the committed workflow histories (cases, and calendar publications) against today's
 * workflow code: a change that breaks determinism for workflows already running fails here, in
 * CI, instead of wedging them in production. Needs no server.
 *
 * To re-record after an intended, compatible change (or to add a scenario), run
 *
 *   RECORD_HISTORIES=1 ./scripts/test test/workflows/record-histories.record.ts
 *   RECORD_HISTORIES=1 ./scripts/test test/workflows/record-publication.record.ts   (RECORD_AS=<name> to keep the old one)
 *
 * and commit test/workflows/histories/*.json. Re-recording is never the fix for a failure here:
 * old histories are what running cases look like; an incompatible change needs `patched()` or a
 * new workflow type instead.
 */
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getWorkflowBundle } from '../../worker/create-worker.js';
import { HISTORIES_DIR, HISTORY_NAMES } from '../support/history-scenarios.js';
import { historyFromJson } from '../support/workflow-env.js';

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

describe('replaying recorded workflow histories', () => {
  it('has the recorded histories', () => {
    expect(histories).toEqual([
      'agency.json',
      // calendar publications (test/workflows/record-publication.record.ts): the cases told by an
      // activity, and before that by signals from the workflow itself
      'calendar-publication-v1-signals.json',
      'calendar-publication.json',
      'deemed-consent.json',
      'happy-path-social-small.json',
      'ladder-escalations.json',
      'opening-written.json',
      'rejection.json',
      'supplement-round-trip.json',
      'supplement-timeout.json',
      'version-1-local-writes.json',
      'version-2-counter.json',
    ]);
  });

  it.each(histories)('replays %s with the current workflow code', async (name) => {
    await expect(
      Worker.runReplayHistory({ workflowBundle: await getWorkflowBundle() }, readHistory(name)),
    ).resolves.toBeUndefined();
  });

  it('replays a case the API flagged openingWritten whose first task an older worker ran (it wrote the opening again)', async () => {
    // what a rolling deploy records when the API is upgraded before the workers: the flag in the
    // input, the opening's write in the history. The patch marker, absent here, decides.
    const history = JSON.parse(readFileSync(`${HISTORIES_DIR}version-2-counter.json`, 'utf8'));
    const [payload] = history.events[0].workflowExecutionStartedEventAttributes.input.payloads;
    const input = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
    payload.data = Buffer.from(JSON.stringify({ ...input, openingWritten: true })).toString('base64');
    await expect(
      Worker.runReplayHistory({ workflowBundle: await getWorkflowBundle() }, historyFromJson(JSON.stringify(history))),
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

describe('committed case-workflow histories', () => {
  it.each(HISTORY_NAMES)('has %s.json, a complete history', (name) => {
    const path = `${HISTORIES_DIR}${name}.json`;
    expect(existsSync(path), `${path} is missing: RECORD_HISTORIES=1 ./scripts/test test/workflows/record-histories.record.ts`).toBe(true);
    const events = historyFromJson(readFileSync(path, 'utf8')).events ?? [];
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('caseWorkflow');
    expect(events.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });
});
