/**
 * viewsValidUntil (api/views.ts): a case list keeps a case's rendered view until then, so at any
 * moment before it the views must be exactly what building them again would give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toTaskView, viewsValidUntil, type ViewContext } from '../../api/views.js';
import type { TaskRow } from '../../db/queries.js';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';

const cal = new WorkingCalendar(SEED_SCHEDULES, 'Asia/Shanghai');
const NOW = Date.parse('2026-06-10T10:00:00+08:00');
const HOUR = 3_600_000;

function taskRow(i: number, status: string, deadlineMs: number | null, yellowFromMs: number | null): TaskRow {
  return {
    taskId: `T-${i}`,
    caseId: 'C',
    stage: 'land-use-planning',
    itemCode: `item-${i}`,
    itemName: '事项',
    itemNameEn: 'item',
    department: 'drc',
    status: status as TaskRow['status'],
    committedWorkingDays: 20,
    statutoryWorkingDays: 20,
    warningDays: 3,
    deemedConsent: false,
    startDate: '2026-06-01',
    dueDate: deadlineMs === null ? null : cal.localDate(deadlineMs),
    deadline: deadlineMs === null ? null : new Date(deadlineMs),
    yellowFrom: yellowFromMs === null ? null : new Date(yellowFromMs),
    derivation: null,
    usedBeforeRun: 2,
    usedWorkingDays: 2,
    remainingWorkingDays: 18,
    extension: null,
    extensionReason: null,
    supplement: null,
    supplementText: null,
    supplementMaterials: null,
    decision: null,
    decisionText: null,
    pendingSince: null,
    decidedAt: null,
    lastEventAt: new Date(NOW - 48 * HOUR),
  };
}

const generatedTask = fc.record({
  status: fc.constantFrom('pending', 'pending', 'pending', 'blocked', 'awaiting_supplement', 'approved'),
  // deadlines and yellow moments a few days either side of now, to the millisecond
  deadlineOffset: fc.integer({ min: -96 * HOUR, max: 96 * HOUR }),
  warning: fc.integer({ min: 0, max: 72 * HOUR }),
  running: fc.boolean(),
});

describe('viewsValidUntil', () => {
  it('leaves every task view unchanged until the moment it gives, at the latest the next local midnight', () => {
    fc.assert(
      fc.property(fc.array(generatedTask, { maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (tasks, fraction) => {
        const rows = tasks.map((t, i) =>
          taskRow(i, t.status, t.running ? NOW + t.deadlineOffset : null, t.running ? NOW + t.deadlineOffset - t.warning : null),
        );
        const built: ViewContext = { calendar: cal, now: NOW };
        const until = viewsValidUntil(built, rows);
        expect(until).toBeGreaterThan(NOW);
        expect(until).toBeLessThanOrEqual(cal.endOfDay(cal.localDate(NOW)) + 1);
        const later: ViewContext = { calendar: cal, now: NOW + Math.floor((until - 1 - NOW) * fraction) };
        const atEnd: ViewContext = { calendar: cal, now: until - 1 };
        for (const row of rows) {
          expect(toTaskView(later, row)).toEqual(toTaskView(built, row));
          expect(toTaskView(atEnd, row)).toEqual(toTaskView(built, row));
        }
      }),
      { numRuns: 500, seed: 20261201 },
    );
  });

  it('ends at the first moment a pending task turns yellow or red, or at midnight', () => {
    const built: ViewContext = { calendar: cal, now: NOW };
    const yellowAt = NOW + 2 * HOUR;
    const deadline = NOW + HOUR;
    expect(viewsValidUntil(built, [taskRow(1, 'pending', NOW + 30 * HOUR, yellowAt)])).toBe(yellowAt);
    expect(viewsValidUntil(built, [taskRow(1, 'pending', deadline, NOW - HOUR)])).toBe(deadline + 1);
    expect(toTaskView({ calendar: cal, now: deadline }, taskRow(1, 'pending', deadline, NOW - HOUR)).light).toBe('yellow');
    expect(toTaskView({ calendar: cal, now: deadline + 1 }, taskRow(1, 'pending', deadline, NOW - HOUR)).light).toBe('red');
    // already red, or not running: only the day's end moves it (used working days)
    const midnight = Date.parse('2026-06-11T00:00:00+08:00');
    expect(viewsValidUntil(built, [taskRow(1, 'pending', NOW - HOUR, NOW - 30 * HOUR), taskRow(2, 'blocked', null, null)])).toBe(midnight);
  });
});
