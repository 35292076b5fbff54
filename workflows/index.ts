// The workflow bundle's entry: every workflow type the worker registers.
export { caseWorkflow } from './case-workflow.js';
