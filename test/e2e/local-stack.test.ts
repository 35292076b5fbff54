/**
 * What ./scripts/start runs (scripts/dev-stack.ts): the Temporal dev server, embedded PostgreSQL,
 * migrations and seed, the worker and the API as two processes, on ports of its own and a DATA_DIR of
 * its own. A case opened and decided concurrently survives a restart of the whole stack.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../support/http-client.js';
import { newDataDir, removeDataDir, startLocalStack, startLocalStackOnFreePorts, stopLocalStack, type LocalStackProcess } from '../support/local-stack.js';
import { caseBody } from '../support/stack.js';

const dataDir = newDataDir('local-stack');
let running: LocalStackProcess | null = null;

afterAll(async () => {
  await stopLocalStack(running);
  removeDataDir(dataDir);
});

describe('./scripts/start on the embedded defaults', () => {
  it('serves a case decided concurrently, and keeps it across a restart', async () => {
    running = await startLocalStackOnFreePorts(dataDir);
    const ports = running.ports;
    const http = createHttpClient(`http://127.0.0.1:${ports.api}`);
    expect((await http('GET', '/readyz', null)).status).toBe(200);

    const tokens = running.tokens();
    expect(Object.keys(tokens)).toEqual(expect.arrayContaining(['window', 'reviewer:drc', 'reviewer:eco', 'coordinator', 'admin']));
    const opened = await http('POST', '/v1/cases', tokens.window!, caseBody());
    expect(opened.status).toBe(201);
    const { caseId } = opened.json as { caseId: string };
    const pending = (opened.json.stages[0].tasks as { taskId: string; department: string; status: string }[]).filter(
      (t) => t.status === 'pending',
    );
    expect(pending).toHaveLength(4);
    // all at once, from three departments
    const decided = await Promise.all(
      pending.map((t) =>
        http('POST', `/v1/cases/${caseId}/tasks/${t.taskId}/decision`, tokens[`reviewer:${t.department}`]!, { decision: 'approve' }),
      ),
    );
    expect(decided.map((d) => d.status)).toEqual([200, 200, 200, 200]);

    await stopLocalStack(running);
    running = await startLocalStack(dataDir, ports);
    const after = await http('GET', `/v1/cases/${caseId}`, tokens.coordinator!);
    expect(after.status).toBe(200);
    const statuses = Object.fromEntries(
      (after.json.stages[0].tasks as { itemCode: string; status: string }[]).map((t) => [t.itemCode, t.status]),
    );
    expect(statuses).toEqual({
      'project-approval': 'approved',
      'land-site-review': 'approved',
      'land-use-permit': 'pending',
      eia: 'approved',
      'heritage-survey': 'approved',
    });
  }, 180_000); // two starts of the whole stack: slow when the machine is busy (CI runs files side by side)
});
