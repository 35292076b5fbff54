/** The worker's settings from the environment: defaults, and a clear refusal of a bad value. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerSettings } from '../../config.js';

describe('loadWorkerSettings', () => {
  it('has deliberate defaults, stack traces in the sandbox off', () => {
    expect(loadWorkerSettings({})).toEqual({
      maxCachedWorkflows: 1000,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentLocalActivityExecutions: 100,
      maxConcurrentActivityTaskExecutions: 100,
      metricsPort: 0,
      workflowStackTraces: false,
    });
  });

  it('switches stack traces on and off by name, and refuses anything else', () => {
    expect(loadWorkerSettings({ WORKER_WORKFLOW_STACK_TRACES: 'on' }).workflowStackTraces).toBe(true);
    expect(loadWorkerSettings({ WORKER_WORKFLOW_STACK_TRACES: 'off' }).workflowStackTraces).toBe(false);
    expect(() => loadWorkerSettings({ WORKER_WORKFLOW_STACK_TRACES: 'yes' })).toThrow(ConfigError);
    expect(() => loadWorkerSettings({ WORKER_MAX_CACHED_WORKFLOWS: '0' })).toThrow(/from 1 to/);
  });
});
