/**
 * One workflow per case (案件). Runs in the workflow sandbox: deterministic, no I/O; every side
 * effect goes through activities.
 *
 * Shape: mutations arrive as Updates whose validators refuse bad requests before anything is
 * written to history; handlers change state synchronously (so two reviewers racing for one task
 * cannot both pass validation) and then wait until the main loop has written the resulting
 * audit events to the read model. The main loop is the only writer and also the one durable
 * timer: it sleeps until the earliest automatic action (deemed consent, supplement timeout),
 * so a moved deadline simply re-arms it.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createReadModelActivities } from '../activities/read-model.js';
import { WorkingCalendar } from '../domain/calendar.js';
import type { Actor, CaseStartInput } from '../domain/case-types.js';
import { localReadModelActivityOptions, readModelActivityOptions, WAKE_UP_SPREAD_MS } from '../temporal.config.js';
import {
  applyCalendarChange,
  applyDecision,
  applyExtension,
  applyStageApplication,
  applyStageSupplement,
  applySupplement,
  applyWithdraw,
  createInitialState,
  fireDueTimers,
  fireTimer,
  listTimers,
  markOpeningWritten,
  openCase,
  validateDecision,
  validateExtension,
  validateStageApplication,
  validateStageSupplement,
  validateSupplement,
  validateWithdraw,
  type CalendarChangeInput,
  type CaseState,
  type DecisionInput,
  type ExtensionInput,
  type StageApplicationInput,
  type StageSupplementInput,
  type SupplementInput,
  type WithdrawInput,
} from './case-machine.js';
import {
  applyEscalate,
  applyResolveEscalation,
  validateEscalate,
  validateResolveEscalation,
  type EscalateInput,
  type ResolveEscalationInput,
} from './escalations.js';
import {
  applyActivity,
  applyDesignation,
  applySolve,
  validateActivity,
  validateDesignation,
  validateSolve,
  type AgencyActivityInput,
  type DesignateAgencyInput,
  type SolveProblemInput,
} from './agency.js';
import { assertOpen, emit } from './case-state.js';
import {
  applyDelivery,
  applyHandout,
  applyIntakeNotice,
  awaitsHandout,
  validateDelivery,
  validateHandout,
  validateIntakeNotice,
  type DeliveryInput,
  type HandoutInput,
  type IntakeNoticeInput,
} from './counter.js';
import { buildFullSync, buildSyncs } from './sync.js';

type ReadModelActivities = ReturnType<typeof createReadModelActivities>;
const { syncCase, recordCaseFault } = proxyActivities<ReadModelActivities>(readModelActivityOptions);
const local = proxyLocalActivities<ReadModelActivities>(localReadModelActivityOptions);

/** A case's own delay after each automatic moment, 0 to WAKE_UP_SPREAD_MS, from its ID (deterministic). */
export function wakeUpDelayMs(caseId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < caseId.length; i += 1) hash = Math.imul(hash ^ caseId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % WAKE_UP_SPREAD_MS;
}

/** The read-model activity's refusal that retrying cannot cure (activities/read-model.ts). */
export const DATA_ERROR = 'DATA_ERROR';

/** A read-model write refused for good (a regular activity's failure wraps it; a local one's may not). */
function dataErrorOf(error: unknown): ApplicationFailure | null {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure && failure.type === DATA_ERROR ? failure : null;
}

/** Each update answers with the audit seq after which its effect is in the read model. */
export interface UpdateResult {
  version: number;
  /** the escalation an `escalate` update opened */
  escalationId?: string;
  /** the activity a `recordAgencyActivity` update recorded */
  activityId?: string;
}

export const decideUpdate = defineUpdate<UpdateResult, [DecisionInput]>('decide');
export const submitSupplementUpdate = defineUpdate<UpdateResult, [SupplementInput]>('submitSupplement');
export const grantExtensionUpdate = defineUpdate<UpdateResult, [ExtensionInput]>('grantExtension');
export const submitStageApplicationUpdate = defineUpdate<UpdateResult, [StageApplicationInput]>(
  'submitStageApplication',
);
export const withdrawUpdate = defineUpdate<UpdateResult, [WithdrawInput]>('withdraw');
export const escalateUpdate = defineUpdate<UpdateResult, [EscalateInput]>('escalate');
export const resolveEscalationUpdate = defineUpdate<UpdateResult, [ResolveEscalationInput]>('resolveEscalation');
export const deliverMaterialsUpdate = defineUpdate<UpdateResult, [DeliveryInput]>('deliverMaterials');
export const submitStageSupplementUpdate = defineUpdate<UpdateResult, [StageSupplementInput]>('submitStageSupplement');
export const handOutUpdate = defineUpdate<UpdateResult, [HandoutInput]>('handOut');
export const issueIntakeNoticeUpdate = defineUpdate<UpdateResult, [IntakeNoticeInput]>('issueIntakeNotice');
export const designateAgencyUpdate = defineUpdate<UpdateResult, [DesignateAgencyInput]>('designateAgency');
export const recordAgencyActivityUpdate = defineUpdate<UpdateResult, [AgencyActivityInput]>('recordAgencyActivity');
export const solveAgencyProblemUpdate = defineUpdate<UpdateResult, [SolveProblemInput]>('solveAgencyProblem');
/** Resolves once everything that has happened so far is in the read model. */
export const syncedUpdate = defineUpdate<UpdateResult, []>('synced');
/** An administrator, after repairing what made the database refuse a write, lets the case try again. */
export const retryFaultUpdate = defineUpdate<UpdateResult, [{ actor: Actor }]>('retryFault');
/** Sent to the run a reset started: records the reset in the case's own audit chain. */
export const recordResetUpdate = defineUpdate<UpdateResult, [{ reason: string; actor: Actor; resetToEventId: number }]>('recordReset');

function refuseUnlessAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw ApplicationFailure.create({ type: 'FORBIDDEN', message: 'only an administrator may recover a case', nonRetryable: true });
}
export const calendarChangedSignal = defineSignal<[CalendarChangeInput]>('calendarChanged');
export const stateQuery = defineQuery<CaseState>('state');

/**
 * The behaviour new cases are started with (CaseStartInput.workflowVersion). Raise it, and branch
 * on it, for a change that would not replay the histories of cases already running.
 */
export const CURRENT_WORKFLOW_VERSION = 2;

/**
 * Version 2: a closed case's workflow stays to hand its results out at the window (SPEC §6.2),
 * this long at most after the case closed; later, a hand-out is refused as the case is closed.
 */
const RESULT_HOLD_MS = 365 * 24 * 60 * 60 * 1000;

/** How many recent Update IDs a case remembers the answers of. */
const REMEMBERED_UPDATES = 200;

/** Continue-as-new well before Temporal's limits; a case's history is otherwise unbounded. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 5_000;

export async function caseWorkflow(input: CaseStartInput, carried?: CaseState): Promise<CaseState> {
  const state = carried ?? createInitialState(input);
  const newCode = (): string => uuid4().replace(/-/g, '').slice(0, 12).toUpperCase();
  /*
   * How this run behaves. Cases started with a `workflowVersion` (CURRENT_WORKFLOW_VERSION when
   * the API starts them) take every behaviour of that version with no patch marker in their
   * history. Cases started before versions existed decide with patched(), as their histories
   * were recorded: the escalation ladder (from the run that opened the case), then a large flush
   * cut into several writes, the read model written as a local activity in the workflow task
   * itself, and every due timer fired before one write, waking a little after each moment.
   */
  const version = input.workflowVersion ?? 0;
  if (!carried) state.ladder = version >= 1 || patched('escalation-ladder');
  const boundedSync = version >= 1 || patched('bounded-sync');
  const localReadModel = version >= 1 || patched('local-read-model');
  const spreadTimers = version >= 1 || patched('spread-timers');
  const alarm = createAlarm();
  // The opening first: a request delivered in the first activation (the API answers the
  // opening before the workflow has run) must find the case's tasks.
  if (!carried) {
    openCase(state);
    // The API wrote the opening (api/opening.ts): not written again. Behind a patch marker too, so
    // that a case whose first task an older worker ran (it wrote the opening) replays as it ran.
    if (input.openingWritten && patched('opening-written')) markOpeningWritten(state);
  }
  /**
   * Before acting on a request, let every automatic action that is due happen first (a late
   * decision must not beat a deemed consent). Only runs that started with the ladder do this,
   * so older histories replay as they ran.
   */
  const catchUp = (): number => {
    const at = Date.now();
    if (state.ladder) fireDueTimers(state, at, newCode);
    return at;
  };

  const settled = async (): Promise<UpdateResult> => {
    const version = state.seq;
    await condition(() => state.persistedSeq >= version || Boolean(state.fault));
    if (state.persistedSeq < version) throwFaulted();
    return { version };
  };
  const throwFaulted = (): never => {
    throw ApplicationFailure.create({
      type: 'CASE_FAULTED',
      message: `case ${state.input.caseId} is stopped by a fault (${state.fault?.message ?? 'unknown'}); an administrator must recover it`,
      nonRetryable: true,
    });
  };

  /** The first answer to this Update ID, if it was applied before (possibly in an earlier run). */
  const previousResult = (): UpdateResult | undefined => {
    const id = currentUpdateInfo()?.id;
    return id ? state.updateResults?.[id] : undefined;
  };
  const remember = (result: UpdateResult): UpdateResult => {
    const id = currentUpdateInfo()?.id;
    if (!id) return result;
    const results = (state.updateResults ??= {});
    results[id] = result;
    const ids = Object.keys(results);
    for (const old of ids.slice(0, Math.max(0, ids.length - REMEMBERED_UPDATES))) delete results[old];
    return result;
  };
  /** Wraps a mutation's validator and handler so a repeated Update ID is answered, not re-applied. */
  const once = <Arg>(
    validate: (arg: Arg) => void,
    apply: (arg: Arg) => Promise<UpdateResult>,
  ): [(arg: Arg) => Promise<UpdateResult>, { validator: (arg: Arg) => void }] => [
    async (arg) => previousResult() ?? remember(await apply(arg)),
    { validator: (arg) => (previousResult() ? undefined : validate(arg)) },
  ];

  setHandler(
    decideUpdate,
    ...once<DecisionInput>(
      (decision) => validateDecision(state, decision),
      async (decision) => {
        applyDecision(state, decision, catchUp(), newCode);
        return settled();
      },
    ),
  );
  setHandler(
    submitSupplementUpdate,
    ...once<SupplementInput>(
      (supplement) => validateSupplement(state, supplement),
      async (supplement) => {
        applySupplement(state, supplement, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    grantExtensionUpdate,
    ...once<ExtensionInput>(
      (extension) => validateExtension(state, extension),
      async (extension) => {
        applyExtension(state, extension, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    submitStageApplicationUpdate,
    ...once<StageApplicationInput>(
      (application) => validateStageApplication(state, application),
      async (application) => {
        applyStageApplication(state, application, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    withdrawUpdate,
    ...once<WithdrawInput>(
      () => validateWithdraw(state),
      async (withdrawal) => {
        applyWithdraw(state, withdrawal, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    escalateUpdate,
    ...once<EscalateInput>(
      (escalation) => validateEscalate(state, escalation),
      async (escalation) => {
        const opened = applyEscalate(state, escalation, catchUp());
        return { ...(await settled()), escalationId: opened.escalationId };
      },
    ),
  );
  setHandler(
    resolveEscalationUpdate,
    ...once<ResolveEscalationInput>(
      (resolution) => validateResolveEscalation(state, resolution),
      async (resolution) => {
        applyResolveEscalation(state, resolution, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    deliverMaterialsUpdate,
    ...once<DeliveryInput>(
      (delivery) => validateDelivery(state, delivery),
      async (delivery) => {
        const at = catchUp();
        applyDelivery(state, delivery, at, state.stages[state.stageIndex]!.code);
        // the item's deemed consent may have waited for these: let it come now
        catchUp();
        return settled();
      },
    ),
  );
  setHandler(
    submitStageSupplementUpdate,
    ...once<StageSupplementInput>(
      (supplement) => validateStageSupplement(state, supplement),
      async (supplement) => {
        applyStageSupplement(state, supplement, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    handOutUpdate,
    ...once<HandoutInput>(
      (handout) => validateHandout(state, handout),
      async (handout) => {
        applyHandout(state, handout, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    issueIntakeNoticeUpdate,
    ...once<IntakeNoticeInput>(
      (notice) => validateIntakeNotice(state, notice),
      async (notice) => {
        applyIntakeNotice(state, notice, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    designateAgencyUpdate,
    ...once<DesignateAgencyInput>(
      () => validateDesignation(state),
      async (designation) => {
        applyDesignation(state, designation, catchUp());
        return settled();
      },
    ),
  );
  setHandler(
    recordAgencyActivityUpdate,
    ...once<AgencyActivityInput>(
      () => validateActivity(state),
      async (activity) => {
        const recorded = applyActivity(state, activity, catchUp());
        return { ...(await settled()), activityId: recorded.activityId };
      },
    ),
  );
  setHandler(
    solveAgencyProblemUpdate,
    ...once<SolveProblemInput>(
      (solution) => validateSolve(state, solution),
      async (solution) => {
        applySolve(state, solution, catchUp());
        return settled();
      },
    ),
  );
  // Also delivered in the first activation, possibly before the case has opened: wait for that too.
  setHandler(syncedUpdate, async () => {
    await condition(() => (state.seq > 0 && state.persistedSeq >= state.seq) || Boolean(state.fault));
    if (state.fault) throwFaulted();
    return { version: state.persistedSeq };
  });
  setHandler(
    retryFaultUpdate,
    async () => {
      state.fault = null;
      return settled();
    },
    {
      validator: ({ actor }) => {
        refuseUnlessAdmin(actor);
        if (!state.fault) throw ApplicationFailure.create({ type: 'CASE_FAULTED', message: 'the case has no fault to retry', nonRetryable: true });
      },
    },
  );
  setHandler(
    recordResetUpdate,
    async ({ reason, actor, resetToEventId }) => {
      emit(state, Date.now(), actor, 'case_reset', { reason, resetToEventId });
      return settled();
    },
    {
      validator: ({ actor }) => {
        refuseUnlessAdmin(actor);
        assertOpen(state);
      },
    },
  );
  setHandler(stateQuery, () => state);

  // Registered after the opening, so a calendar sent in the first activation follows case_opened.
  setHandler(calendarChangedSignal, (change) => {
    // A signal cannot be refused; a calendar that does not validate is ignored, never half-applied.
    try {
      new WorkingCalendar(change.calendar, state.input.timeZone);
    } catch (error) {
      log.warn('ignored an invalid calendar', { error: String(error) });
      return;
    }
    applyCalendarChange(state, change, catchUp());
  });

  /**
   * Writes everything unflushed. A write the database refuses for good (a data error) stops the
   * case with a fault instead of retrying forever: the events stay unflushed, the read model
   * shows the fault, and requests are refused until an administrator recovers the case.
   */
  const flush = async (): Promise<void> => {
    const events = state.unflushed.slice();
    const notifications = state.outbox?.slice() ?? [];
    const parts = buildSyncs(state, events, notifications);
    const writes = boundedSync ? parts : [{ ...parts[0]!, events, version: events[events.length - 1]!.seq }];
    for (const write of writes) {
      try {
        const writeOnce = localReadModel ? local.syncCase : syncCase;
        const written = await writeOnce({ ...write, ...(state.lastHash ? { prevHash: state.lastHash } : {}) });
        // (null when replaying a history whose writes returned nothing)
        if (written?.lastHash) state.lastHash = written.lastHash;
        // Events a discarded workflow task had written were taken back: rewrite every row.
        if (written?.resync) await writeOnce(buildFullSync(state, write.version));
      } catch (error) {
        const refusal = dataErrorOf(error);
        if (!refusal) throw error;
        state.fault = {
          kind: 'data_error',
          message: refusal.message,
          seq: write.events[0]?.seq ?? null,
          atMs: Date.now(),
        };
        log.error('the read model refused a write; the case is stopped until an administrator recovers it', { fault: state.fault });
        await recordCaseFault(state.input.caseId, state.fault);
        return;
      }
      state.persistedSeq = write.version;
      state.unflushed.splice(0, write.events.length);
      if (write.notifications.length > 0) state.outbox?.splice(0, write.notifications.length);
    }
  };

  for (;;) {
    if (state.fault) {
      // Stopped: wait for an administrator's retry (a reset starts a new run instead).
      await condition(() => !state.fault);
      continue;
    }
    if (state.unflushed.length > 0) {
      await flush();
      continue;
    }
    const now = Date.now();
    if (spreadTimers) {
      if (listTimers(state).some((t) => t.at <= now)) {
        fireDueTimers(state, now, newCode);
        continue;
      }
    } else {
      const due = listTimers(state).find((t) => t.at <= now);
      if (due) {
        fireTimer(state, due, now, newCode);
        continue;
      }
    }
    if (state.status !== 'open' && version >= 2 && awaitsHandout(state) && Date.now() < (state.closedAtMs ?? 0) + RESULT_HOLD_MS) {
      // Closed with results at the window: wait for their hand-out (or for the hold to end).
      await condition(() => state.unflushed.length > 0 || !awaitsHandout(state), Math.max(1, (state.closedAtMs ?? 0) + RESULT_HOLD_MS - Date.now()));
      continue;
    }
    if (state.status !== 'open') {
      // Closed: answer late callers (their validators refuse) until handlers drain, then finish.
      await condition(allHandlersFinished);
      if (state.unflushed.length === 0) return state;
      continue;
    }
    const historyLimit = state.input.historyLimit ?? HISTORY_EVENTS_BEFORE_CONTINUE;
    if (workflowInfo().historyLength > historyLimit || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (state.unflushed.length === 0) await continueAsNew<typeof caseWorkflow>(state.input, state);
      continue;
    }
    const next = listTimers(state)[0];
    const hasWork = (): boolean => state.unflushed.length > 0;
    const delay = spreadTimers ? wakeUpDelayMs(state.input.caseId) : 0;
    if (version >= 1) {
      // One durable timer for the next moment, kept while requests come and go (a request need
      // not cancel and restart it): re-armed only when the moment moves.
      if (next) await Promise.race([condition(hasWork), alarm.at(next.at + delay)]);
      else {
        alarm.cancel();
        await condition(hasWork);
      }
    } else if (next) await condition(hasWork, Math.max(1, next.at - now + delay));
    else await condition(hasWork);
  }
}

/** A single timer that is left running when asked for the same moment again. */
function createAlarm() {
  let armed: { at: number; scope: CancellationScope; rang: Promise<void> } | null = null;
  return {
    at(at: number): Promise<void> {
      if (armed?.at !== at) {
        armed?.scope.cancel();
        const scope = new CancellationScope();
        const rang = scope.run(() => sleep(Math.max(1, at - Date.now()))).catch((error: unknown) => {
          if (!isCancellation(error)) throw error;
        });
        armed = { at, scope, rang };
      }
      return armed.rang;
    },
    cancel(): void {
      armed?.scope.cancel();
      armed = null;
    },
  };
}
