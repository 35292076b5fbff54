/**
 * WORKER_WORKFLOW_STACK_TRACES: by default the workflow sandbox records no stack frames (they
 * cost the worker CPU on every promise, see workflows/no-stack-traces.ts); switched on, the
 * `__stack_trace` query behind the Temporal UI's stack view shows where a case waits.
 */
import { describe, expect, it } from 'vitest';
import { createWorkflowTestEnv } from '../support/workflow-env.js';

async function stackOfWaitingCase(stackTraces: boolean): Promise<string> {
  const t = await createWorkflowTestEnv({ stackTraces });
  try {
    const { handle } = await t.openCase();
    return await handle.query<string>('__stack_trace');
  } finally {
    await t.close();
  }
}

describe('stack frames in the workflow sandbox', () => {
  it('are not recorded by default', async () => {
    expect(await stackOfWaitingCase(false)).not.toContain('case-workflow');
  });

  it('are recorded when switched on: the stack view shows where the case waits', async () => {
    expect(await stackOfWaitingCase(true)).toContain('case-workflow');
  });
});
