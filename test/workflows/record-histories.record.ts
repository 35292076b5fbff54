/**
 * Records the case-workflow histories that replay.test.ts replays. Not part of the normal suite
 * (vitest includes *.record.ts only when RECORD_HISTORIES=1):
 *
 *   RECORD_HISTORIES=1 ./scripts/test test/workflows/record-histories.record.ts
 *
 * rewrites test/workflows/histories/*.json; commit them. To add a scenario without touching the
 * histories already committed (they are what running cases look like), record only it:
 *
 *   RECORD_HISTORIES=1 RECORD_ONLY=ladder-escalations ./scripts/test test/workflows/record-histories.record.ts
 *
 * (RECORD_ONLY takes comma-separated scenario names.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORIES_DIR, HISTORY_NAMES, SCENARIOS } from '../support/history-scenarios.js';
import { createWorkflowTestEnv, historyToJson, skipToNextWorkingMorning, type WorkflowTestEnv } from '../support/workflow-env.js';

const only = process.env.RECORD_ONLY?.split(',').map((name) => name.trim()).filter((name) => name !== '');
const unknown = only?.filter((name) => !HISTORY_NAMES.includes(name)) ?? [];
if (unknown.length > 0) throw new Error(`RECORD_ONLY names no scenario: ${unknown.join(', ')} (scenarios: ${HISTORY_NAMES.join(', ')})`);
const names = only ?? HISTORY_NAMES;

describe('recording case-workflow histories', () => {
  let t: WorkflowTestEnv;
  beforeAll(async () => {
    t = await createWorkflowTestEnv();
    mkdirSync(HISTORIES_DIR, { recursive: true });
  });
  afterAll(async () => t?.close());

  it.each(names)('records %s', async (name) => {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`no scenario ${name}`);
    await skipToNextWorkingMorning(t);
    const opened = await scenario(t);
    const final = await opened.handle.result();
    expect(final.status).not.toBe('open');
    writeFileSync(`${HISTORIES_DIR}${name}.json`, `${historyToJson(await opened.handle.fetchHistory())}\n`);
  });
});
