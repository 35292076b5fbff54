/**
 * 代办 inside a case (SPEC §6.4): a coordinator designates the case a key project with its agent,
 * agents record what they do for it (site coordination, joint meetings, follow-up visits, the
 * problems that block it) and solve those problems. Each change is an audit event of the case;
 * free text (summaries, resolutions) travels only in the events. Runs in the workflow sandbox.
 */
import type { Actor, AgencyActivityKind, AgencyActivityRecord, AgencyCategory, Person } from '../domain/case-types.js';
import { assertNotFaulted, assertOpen, assertWithinBudget, calendarOf, emit, refuse, type CaseState } from './case-state.js';

export interface DesignateAgencyInput {
  category: AgencyCategory;
  agent: Person;
  actor: Actor;
}

export interface AgencyActivityInput {
  kind: AgencyActivityKind;
  summary: string;
  /** when it happened; null: now */
  atMs: number | null;
  attendees: string[];
  actor: Actor;
}

export interface SolveProblemInput {
  activityId: string;
  resolution: string;
  actor: Actor;
}

const personOf = (actor: Actor): Person => ({ sub: actor.sub, name: actor.name });

function activitiesOf(state: CaseState): AgencyActivityRecord[] {
  return (state.agencyActivities ??= []);
}

export function validateDesignation(state: CaseState): void {
  assertNotFaulted(state);
  assertOpen(state);
}

/** Designates the case a key project, or reassigns it (a new category or agent); `since` is kept on a reassignment. */
export function applyDesignation(state: CaseState, input: DesignateAgencyInput, now: number): void {
  validateDesignation(state);
  const previous = state.agency ?? null;
  state.agency = { category: input.category, agent: { ...input.agent }, sinceMs: previous?.sinceMs ?? now };
  emit(state, now, input.actor, 'agency_designated', {
    category: input.category,
    agent: { sub: input.agent.sub, name: input.agent.name },
    ...(previous ? { previous: { category: previous.category, agent: previous.agent } } : {}),
  });
}

export function validateActivity(state: CaseState): void {
  assertNotFaulted(state);
  assertOpen(state);
  assertWithinBudget(state, 'agencyActivities', activitiesOf(state).length, 1);
}

/** Records an activity; its ID is the case's next (`<caseId>-A<n>`). */
export function applyActivity(state: CaseState, input: AgencyActivityInput, now: number): AgencyActivityRecord {
  validateActivity(state);
  const list = activitiesOf(state);
  const activity: AgencyActivityRecord = {
    activityId: `${state.input.caseId}-A${list.length + 1}`,
    kind: input.kind,
    atMs: input.atMs ?? now,
    recordedAtMs: now,
    by: personOf(input.actor),
    attendees: [...input.attendees],
    problem: input.kind === 'problem' ? { status: 'open', solvedAtMs: null, solvedBy: null } : null,
  };
  list.push(activity);
  emit(state, now, input.actor, 'agency_activity_recorded', {
    activityId: activity.activityId,
    kind: activity.kind,
    summary: input.summary,
    at: calendarOf(state).formatInstant(activity.atMs),
    attendees: activity.attendees,
  });
  return activity;
}

export function validateSolve(state: CaseState, input: SolveProblemInput): void {
  const activity = activitiesOf(state).find((a) => a.activityId === input.activityId);
  if (!activity?.problem) refuse('NOT_FOUND', `no problem ${input.activityId} in case ${state.input.caseId}`);
  assertNotFaulted(state);
  assertOpen(state);
  if (activity.problem.status === 'solved') refuse('PROBLEM_ALREADY_SOLVED', `problem ${input.activityId} is solved`);
}

export function applySolve(state: CaseState, input: SolveProblemInput, now: number): void {
  validateSolve(state, input);
  const activity = activitiesOf(state).find((a) => a.activityId === input.activityId)!;
  activity.problem = { status: 'solved', solvedAtMs: now, solvedBy: personOf(input.actor) };
  emit(state, now, input.actor, 'agency_problem_solved', { activityId: input.activityId, resolution: input.resolution });
}

/** Whether these events changed an agency activity (the write then carries all of them). */
export function touchesAgency(events: readonly { type: string }[]): boolean {
  return events.some((e) => e.type.startsWith('agency_'));
}
