/**
 * The case state machine as pure functions (no Temporal): clock corner cases that are slow to
 * reach with timers.
 */
import { describe, expect, it } from 'vitest';
import { computeDeadline, WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { applyDecision, applyExtension, applySupplement, createInitialState, fireDueTimers, openCase } from '../../workflows/case-machine.js';
import { buildCaseStartInput, reviewer, taskOf, WINDOW, COORDINATOR } from '../support/workflow-env.js';

const cal = new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai');
const at = (iso: string) => Date.parse(iso);
const newCode = () => 'CODE';

function openedAt(iso: string, projectType = 'gov-building') {
  const input = buildCaseStartInput({ projectType, acceptedAtMs: at(iso) });
  const state = createInitialState(input);
  state.ladder = true;
  openCase(state);
  return state;
}

describe('extension of a task paused after its deadline', () => {
  it('resumes with the extension’s days, not zero', () => {
    // accepted Mon 03-02, project-approval (5 days) due Mon 03-09
    const state = openedAt('2026-03-02T10:00:00+08:00');
    const task = taskOf(state, 'project-approval');
    expect(task.run?.dueDate).toBe('2026-03-09');
    // asked for materials on Fri 03-13: 8 working days used (03-03 .. 03-12), 3 past the deadline
    applyDecision(
      state,
      { taskId: task.taskId, decision: 'request_supplement', opinion: '补正', missingMaterials: ['图纸'], actor: reviewer('drc') },
      at('2026-03-13T10:00:00+08:00'),
      newCode,
    );
    expect(task.usedBeforeRun).toBe(8);
    applyExtension(state, { taskId: task.taskId, workingDays: 3, reason: '专家论证', actor: COORDINATOR }, at('2026-03-13T11:00:00+08:00'));
    applySupplement(state, { taskId: task.taskId, materials: [{ name: '图纸' }], actor: WINDOW }, at('2026-03-16T10:00:00+08:00'));
    // restarts Tue 03-17 with the 3 extension days: due Thu 03-19
    expect(task.run).toMatchObject({ workingDays: 3, startDate: '2026-03-17', dueDate: '2026-03-19' });
  });

  it('a task resumed with nothing left is due at once, and a later extension still moves it', () => {
    const state = openedAt('2026-03-02T10:00:00+08:00');
    const task = taskOf(state, 'project-approval');
    applyDecision(
      state,
      { taskId: task.taskId, decision: 'request_supplement', opinion: '补正', missingMaterials: ['图纸'], actor: reviewer('drc') },
      at('2026-03-13T10:00:00+08:00'),
      newCode,
    );
    applySupplement(state, { taskId: task.taskId, materials: [{ name: '图纸' }], actor: WINDOW }, at('2026-03-16T10:00:00+08:00'));
    expect(task.run).toMatchObject({ workingDays: 0, deadlineMs: at('2026-03-16T10:00:00+08:00') });
    applyExtension(state, { taskId: task.taskId, workingDays: 3, reason: '专家论证', actor: COORDINATOR }, at('2026-03-16T11:00:00+08:00'));
    expect(task.run).toMatchObject({ workingDays: 3, dueDate: '2026-03-19' });
  });
});

describe('deemed consent releases dependants at the deadline', () => {
  it('starts a dependant’s clock on the first working day after the consenting task’s due day', () => {
    const input = buildCaseStartInput({ projectType: 'gov-building', acceptedAtMs: at('2026-03-02T10:00:00+08:00') });
    // make land-site-review (land-use-permit waits for it) consent by silence
    const stage = input.plan.stages[0]!;
    stage.items = stage.items.map((item) => (item.code === 'land-site-review' ? { ...item, deemedConsent: true } : item));
    const state = createInitialState(input);
    state.ladder = true;
    openCase(state);
    const consenting = taskOf(state, 'land-site-review');
    const due = computeDeadline(cal, at('2026-03-02T10:00:00+08:00'), 10);
    expect(consenting.run?.dueDate).toBe(due.dueDate); // Mon 03-16
    // the worker was down: the timers fire days later, all at once
    fireDueTimers(state, at('2026-03-20T15:00:00+08:00'), newCode);
    expect(consenting.decision).toMatchObject({ decision: 'deemed_consent', at: due.deadlineMs });
    const dependant = taskOf(state, 'land-use-permit');
    expect(dependant.status).toBe('pending');
    expect(dependant.run).toMatchObject({ fromMs: due.deadlineMs, startDate: '2026-03-17' });
  });
});
