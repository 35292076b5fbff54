/**
 * The workflow sandbox's stack-frame setting (WORKER_WORKFLOW_STACK_TRACES) as modules to preload,
 * for every worker that bundles workflows: the case worker, and the bench's bare worker, so that
 * both sides of a ratio pay for stack frames alike.
 */
import { fileURLToPath } from 'node:url';

/** Keeps the sandbox from recording stack frames (see the module). */
const NO_STACK_TRACES_MODULE = fileURLToPath(new URL('../workflows/no-stack-traces.ts', import.meta.url));

/** The modules to preload before any other for the setting: none when stack frames are wanted. */
export function stackTraceModules(stackTraces: boolean): string[] {
  return stackTraces ? [] : [NO_STACK_TRACES_MODULE];
}
