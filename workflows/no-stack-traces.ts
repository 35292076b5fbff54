/**
 * Loaded into the worker's workflow sandbox before any workflow (a preloaded module, see
 * worker/stack-traces.ts) unless WORKER_WORKFLOW_STACK_TRACES is on: errors and promises
 * created by workflow code record no stack frames.
 *
 * The SDK records a stack trace for every promise a workflow creates (for the `__stack_trace`
 * query behind the Temporal UI's stack-trace view), each frame mapped through the bundle's
 * source map. That recording took about 40% of the workflow thread's CPU per decision here.
 * Without frames an error in workflow code still carries its type and message; to see where it
 * came from, turn the setting on (or replay the case's history with it on).
 */
Error.stackTraceLimit = 0;

export {};
