import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { DEFAULT_STALL_RULES } from '../../domain/case-types.js';
import { assessTask, buildBoard, type BoardCaseInput, type BoardTaskInput } from '../../domain/supervision.js';

const cal = new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai');
const at = (iso: string) => Date.parse(iso);

function task(overrides: Partial<BoardTaskInput>): BoardTaskInput {
  return {
    taskId: 't',
    itemCode: 'eia',
    department: 'eco',
    status: 'pending',
    dueDate: '2026-03-09',
    deadlineMs: cal.endOfDay('2026-03-09'),
    yellowFromMs: cal.startOfDay('2026-03-09'),
    lastEventAtMs: at('2026-03-06T10:00:00+08:00'),
    supplementRequestedAtMs: null,
    ...overrides,
  };
}

function boardCase(caseId: string, tasks: BoardTaskInput[], levels: number[] = []): BoardCaseInput {
  return { caseId, projectCode: `P-${caseId}`, projectName: caseId, tasks, openEscalationLevels: levels };
}

describe('assessTask', () => {
  it.each([
    ['on its due day it is yellow, due soon', '2026-03-09T09:00:00+08:00', 'yellow', 0, ['due_soon']],
    ['the first working day after its due day it is red and 1 day overdue', '2026-03-10T09:00:00+08:00', 'red', 1, ['overdue']],
    ['on the Saturday of that week it is 4 working days overdue (weekends do not count)', '2026-03-14T09:00:00+08:00', 'red', 4, ['overdue', 'no_activity']],
    ['before the yellow window it is green', '2026-03-06T12:00:00+08:00', 'green', 0, []],
  ])('%s', (_name, now, light, overdue, reasons) => {
    const assessed = assessTask(task({}), cal, DEFAULT_STALL_RULES, at(now));
    expect(assessed.light).toBe(light);
    expect(assessed.workingDaysOverdue).toBe(overdue);
    expect(assessed.reasons).toEqual(reasons);
  });

  it('flags a pending task once 5 full working days pass with no event, as no_activity, though green', () => {
    const quiet = task({ dueDate: '2026-04-30', deadlineMs: cal.endOfDay('2026-04-30'), yellowFromMs: cal.startOfDay('2026-04-28') });
    // last event Fri 03-06; the 5 working days after it are 03-09..03-13, all passed on Mon 03-16
    expect(assessTask(quiet, cal, DEFAULT_STALL_RULES, at('2026-03-13T18:00:00+08:00')).reasons).toEqual([]);
    expect(assessTask(quiet, cal, DEFAULT_STALL_RULES, at('2026-03-16T09:00:00+08:00')).reasons).toEqual(['no_activity']);
  });

  it('flags a supplement unanswered for 10 full working days as applicant_silent, paused', () => {
    const waiting = task({ status: 'awaiting_supplement', supplementRequestedAtMs: at('2026-03-02T10:00:00+08:00') });
    // requested Mon 03-02; the 10 working days after it are 03-03..03-16, all passed on Tue 03-17
    expect(assessTask(waiting, cal, DEFAULT_STALL_RULES, at('2026-03-16T10:00:00+08:00')).reasons).toEqual([]);
    const silent = assessTask(waiting, cal, DEFAULT_STALL_RULES, at('2026-03-17T10:00:00+08:00'));
    expect(silent).toMatchObject({ light: 'paused', reasons: ['applicant_silent'], workingDaysOverdue: 0 });
  });
});

describe('buildBoard', () => {
  it('orders red before yellow, then by working days overdue, then by escalation level, and leaves out cases not at risk', () => {
    const now = at('2026-03-12T10:00:00+08:00');
    const fresh = { lastEventAtMs: at('2026-03-11T10:00:00+08:00') };
    const due = (date: string) => ({ dueDate: date, deadlineMs: cal.endOfDay(date), yellowFromMs: cal.startOfDay(date), ...fresh });
    const board = buildBoard(
      [
        boardCase('yellow', [task({ taskId: 'y', ...due('2026-03-12') })]),
        boardCase('red-1', [task({ taskId: 'r1', ...due('2026-03-11') })], [1]),
        boardCase('red-3', [task({ taskId: 'r3', ...due('2026-03-09') })]),
        boardCase('red-1-escalated', [task({ taskId: 'r1e', ...due('2026-03-11') })], [1, 3]),
        boardCase('green', [task({ taskId: 'g', ...due('2026-03-31') })]),
      ],
      cal,
      DEFAULT_STALL_RULES,
      now,
    );
    expect(board.map((e) => e.caseId)).toEqual(['red-3', 'red-1-escalated', 'red-1', 'yellow']);
    expect(board[0]).toMatchObject({ light: 'red', workingDaysOverdue: 3, escalationLevel: 0, reasons: ['overdue'] });
    expect(board[1]).toMatchObject({ escalationLevel: 3, reasons: ['overdue', 'escalated'] });
    expect(board[0]?.tasks).toEqual([
      { taskId: 'r3', itemCode: 'eia', department: 'eco', light: 'red', workingDaysOverdue: 3, reasons: ['overdue'] },
    ]);
  });

  it('lists only the offending tasks of a case', () => {
    const now = at('2026-03-10T10:00:00+08:00');
    const late = task({ taskId: 'late', lastEventAtMs: now });
    const fine = task({ taskId: 'fine', dueDate: '2026-03-31', deadlineMs: cal.endOfDay('2026-03-31'), yellowFromMs: cal.startOfDay('2026-03-30'), lastEventAtMs: now });
    const [entry] = buildBoard([boardCase('c', [late, fine])], cal, DEFAULT_STALL_RULES, now);
    expect(entry?.tasks.map((t) => t.taskId)).toEqual(['late']);
  });
});
