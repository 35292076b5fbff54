// The workflow bundle's entry: every workflow type the worker registers. A function name here is
// a public contract (the workflow type of every running case): rename only with a versioning plan.
export { caseWorkflow } from './case-workflow.js';
export { calendarPublicationWorkflow } from './calendar-publication.js';
