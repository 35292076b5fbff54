import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarPublications } from '../../db/schema.js';
import { WorkingCalendar, type HolidayRange, type YearSchedule } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { call, caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';

let stack: Stack;
let admin: string;
let window: string;
let coordinator: string;
let reviewer: string;

interface YearView {
  year: number;
  holidays: HolidayRange[];
  makeUpDays: string[];
  version: number | null;
  provisional: boolean;
  workingDays: number;
}

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  admin = await stack.token({ role: 'admin', sub: 'admin-calendar' });
  window = await stack.token({ role: 'window', sub: 'window-calendar' });
  coordinator = await stack.token({ role: 'coordinator' });
  reviewer = await stack.token({ role: 'reviewer', department: 'nrp' });
});

// A database of its own: publishing calendars here touches no other test file's cases.
afterAll(async () => stack?.close());

async function getYear(year: number): Promise<YearView> {
  const response = await call(stack.app, 'GET', `/v1/calendar/${year}`, window);
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('GET /v1/calendar/:year', () => {
  it('serves the published 2026 schedule: 248 working days, version 1', async () => {
    const view = await getYear(2026);
    expect(view).toMatchObject({ year: 2026, version: 1, provisional: false, workingDays: 248 });
    expect(view.holidays).toContainEqual({ from: '2026-10-01', to: '2026-10-07', name: '国庆节' });
    expect(view.makeUpDays).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
  });

  it('computes the unpublished 2027 from the statutory holidays and marks it provisional', async () => {
    const view = await getYear(2027);
    expect(view).toMatchObject({ year: 2027, version: null, provisional: true, workingDays: 254, makeUpDays: [] });
    expect(view.holidays).toContainEqual({ from: '2027-02-05', to: '2027-02-08', name: '春节' });
    expect(view.holidays).toContainEqual({ from: '2027-10-01', to: '2027-10-03', name: '国庆节' });
  });

  it('answers any role, and 401 without a token', async () => {
    for (const token of [reviewer, coordinator, admin]) {
      expect((await call(stack.app, 'GET', '/v1/calendar/2025', token)).json()).toMatchObject({ workingDays: 248 });
    }
    const anonymous = await call(stack.app, 'GET', '/v1/calendar/2026', null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
  });

  it.each(['1999', '2101', 'abc', '2026.5', '-2026'])('answers 400 for the year %s', async (year) => {
    const response = await call(stack.app, 'GET', `/v1/calendar/${year}`, window);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /v1/calendar/deadline', () => {
  const deadline = (query: string, token = reviewer) => call(stack.app, 'GET', `/v1/calendar/deadline?${query}`, token);

  it('starts on the Sunday 09-20 make-up day after a Friday acceptance (SPEC §3)', async () => {
    const response = await deadline('from=2026-09-18T10:00:00%2B08:00&workingDays=5');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      from: '2026-09-18T10:00:00.000+08:00',
      workingDays: 5,
      startDate: '2026-09-20',
      dueDate: '2026-09-24',
      deadline: '2026-09-24T23:59:59.999+08:00',
      provisional: false,
    });
    expect(body.derivation).toMatchObject({
      startDate: '2026-09-20',
      countedDays: ['2026-09-20', '2026-09-21', '2026-09-22', '2026-09-23', '2026-09-24'],
      skipped: [{ date: '2026-09-19', reason: 'weekend' }],
      makeUpDaysUsed: ['2026-09-20'],
      calendarVersion: '2026@1',
      provisional: false,
    });
  });

  it('skips the National Day holiday and counts the 10-10 make-up Saturday', async () => {
    const body = (await deadline('from=2026-09-30T16:30:00%2B08:00&workingDays=3')).json();
    expect(body).toMatchObject({ startDate: '2026-10-08', dueDate: '2026-10-10', deadline: '2026-10-10T23:59:59.999+08:00' });
    expect(body.derivation.countedDays).toEqual(['2026-10-08', '2026-10-09', '2026-10-10']);
    expect(body.derivation.skipped.map((s: { date: string }) => s.date)).toEqual([
      '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
    ]);
  });

  it('reads the instant in the configured zone whatever offset it was written with', async () => {
    // 17:00 UTC on 09-17 is 01:00 on Friday 09-18 in Shanghai.
    const body = (await deadline('from=2026-09-17T17:00:00Z&workingDays=5')).json();
    expect(body).toMatchObject({ from: '2026-09-18T01:00:00.000+08:00', startDate: '2026-09-20', dueDate: '2026-09-24' });
  });

  it('reads an unencoded + in the offset (it arrives as a space)', async () => {
    const body = (await deadline('from=2026-03-02T09:00:00+08:00&workingDays=5')).json();
    expect(body).toMatchObject({ startDate: '2026-03-03', dueDate: '2026-03-09' });
  });

  it('marks a deadline that reaches into unpublished 2027 as provisional', async () => {
    const body = (await deadline('from=2026-12-28T09:00:00%2B08:00&workingDays=10', window)).json();
    expect(body.provisional).toBe(true);
    expect(body.derivation.calendarVersion).toBe('2026@1,2027@provisional');
    expect(body.derivation.skipped).toContainEqual({ date: '2027-01-01', reason: 'holiday' });
  });

  it.each([
    ['a from without an offset', 'from=2026-09-18T10:00:00&workingDays=5'],
    ['a date-only from', 'from=2026-09-18&workingDays=5'],
    ['a date that does not exist', 'from=2026-02-30T10:00:00%2B08:00&workingDays=5'],
    ['hour 24', 'from=2026-09-18T24:00:00%2B08:00&workingDays=5'],
    ['a year outside 2000–2100', 'from=2150-01-01T10:00:00%2B08:00&workingDays=5'],
    ['workingDays 0', 'from=2026-09-18T10:00:00%2B08:00&workingDays=0'],
    ['workingDays 366', 'from=2026-09-18T10:00:00%2B08:00&workingDays=366'],
    ['workingDays abc', 'from=2026-09-18T10:00:00%2B08:00&workingDays=abc'],
    ['a fractional workingDays', 'from=2026-09-18T10:00:00%2B08:00&workingDays=1.5'],
    ['a missing workingDays', 'from=2026-09-18T10:00:00%2B08:00'],
    ['a missing from', 'workingDays=5'],
    ['an unknown parameter', 'from=2026-09-18T10:00:00%2B08:00&workingDays=5&zone=UTC'],
  ])('answers 400 VALIDATION_FAILED for %s', async (_name, query) => {
    const response = await deadline(query);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('is documented apart from /v1/calendar/{year}', async () => {
    const paths = (await call(stack.app, 'GET', '/docs/json', null)).json().paths;
    expect(paths['/v1/calendar/deadline'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'from',
      'workingDays',
    ]);
    expect(Object.keys(paths['/v1/calendar/{year}']).sort()).toEqual(['get', 'put']);
  });
});

describe('PUT /v1/calendar/:year', () => {
  const seed2026 = SEED_SCHEDULES.find((s) => s.year === 2026)!;
  const put = (year: number | string, body: unknown, token = admin, headers: Record<string, string> = {}) =>
    call(stack.app, 'PUT', `/v1/calendar/${year}`, token, body, headers);

  it.each([
    ['window', () => window],
    ['coordinator', () => coordinator],
    ['reviewer', () => reviewer],
  ])('answers 403 to a %s before looking at the body', async (_role, token) => {
    const response = await put(2026, { nonsense: true }, token());
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('FORBIDDEN');
  });

  it('answers 401 without a token', async () => {
    expect((await put(2026, { holidays: [], makeUpDays: [] }, '')).statusCode).toBe(401);
  });

  const holiday = (from: string, to = from, name = '测试假日') => ({ from, to, name });
  it.each([
    ['a holiday outside the year', { holidays: [holiday('2027-01-01')], makeUpDays: [] }],
    ['a holiday that ends before it starts', { holidays: [holiday('2026-05-05', '2026-05-01')], makeUpDays: [] }],
    ['a make-up day on a weekday', { holidays: [], makeUpDays: ['2026-09-21'] }],
    ['a make-up day that is also a holiday', { holidays: [holiday('2026-09-19')], makeUpDays: ['2026-09-19'] }],
    ['a make-up day outside the year', { holidays: [], makeUpDays: ['2025-12-27'] }],
    ['a date that does not exist', { holidays: [holiday('2026-02-30')], makeUpDays: [] }],
    ['a date in another format', { holidays: [holiday('2026/05/01')], makeUpDays: [] }],
    ['a blank holiday name', { holidays: [holiday('2026-05-01', '2026-05-01', '   ')], makeUpDays: [] }],
    ['an empty holiday name', { holidays: [holiday('2026-05-01', '2026-05-01', '')], makeUpDays: [] }],
    ['a name over 200 characters', { holidays: [holiday('2026-05-01', '2026-05-01', '节'.repeat(201))], makeUpDays: [] }],
    ['a name that is a number', { holidays: [{ from: '2026-05-01', to: '2026-05-01', name: 12345 }], makeUpDays: [] }],
    ['a control character in a name', { holidays: [holiday('2026-05-01', '2026-05-01', 'a\u0001b')], makeUpDays: [] }],
    ['more than 100 holidays', { holidays: Array.from({ length: 101 }, () => holiday('2026-05-01')), makeUpDays: [] }],
    ['a repeated make-up day', { holidays: [], makeUpDays: ['2026-09-20', '2026-09-20'] }],
    ['an unknown field', { holidays: [], makeUpDays: [], version: 7 }],
    ['an unknown field in a holiday', { holidays: [{ ...holiday('2026-05-01'), paid: true }], makeUpDays: [] }],
    ['a missing makeUpDays', { holidays: [] }],
  ])('answers 400 VALIDATION_FAILED for %s and changes nothing', async (_name, body) => {
    const response = await put(2026, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    expect(await getYear(2026)).toMatchObject({ version: 1, workingDays: 248, makeUpDays: seed2026.makeUpDays });
  });

  it('answers 400 for a year outside 2000–2100', async () => {
    expect((await put(1999, { holidays: [], makeUpDays: [] })).statusCode).toBe(400);
  });

  it("moves an open case's pending deadline when a holiday is added inside its counting window", async () => {
    const opened = await call(stack.app, 'POST', '/v1/cases', window, caseBody({ projectType: 'social-small' }));
    expect(opened.statusCode).toBe(201);
    const caseId: string = opened.json().caseId;
    type Task = { taskId: string; itemCode: string; status: string; dueDate: string; derivation: { countedDays: string[]; makeUpDaysUsed: string[]; calendarVersion: string } };
    const tasksOf = async (): Promise<Task[]> =>
      (await call(stack.app, 'GET', `/v1/cases/${caseId}`, window)).json().stages[0].tasks;
    const before = (await tasksOf()).find((t) => t.itemCode === 'project-approval')!;
    expect(before.status).toBe('pending');

    // A counted weekday (not a make-up weekend day: those cannot become holidays), in 2026 if possible.
    const weekdays = before.derivation.countedDays.filter((d) => !before.derivation.makeUpDaysUsed.includes(d));
    const day = weekdays.find((d) => d.startsWith('2026-')) ?? weekdays[0]!;
    const year = Number(day.slice(0, 4));

    const current = await getYear(year);
    const schedule = { holidays: [...current.holidays, { from: day, to: day, name: '临时假日' }], makeUpDays: current.makeUpDays };
    const published = await put(year, schedule, admin, { 'idempotency-key': `calendar-${year}-${day}` });
    expect(published.statusCode).toBe(202);
    const view = published.json();
    expect(view).toMatchObject({ year, provisional: false, version: (current.version ?? 0) + 1, workingDays: current.workingDays - 1 });
    expect(view.holidays).toContainEqual({ from: day, to: day, name: '临时假日' });
    expect(view.publication).toMatchObject({ publicationId: `${year}-v${view.version}`, year, version: view.version });
    expect(view.publication.openCases.total).toBeGreaterThanOrEqual(1);
    expect(await getYear(year)).toMatchObject({ version: view.version, provisional: false });
    // every publication is kept, append-only, with who published it
    const history = await stack.database.db.select().from(calendarPublications).where(eq(calendarPublications.year, year));
    expect(history.map((h) => h.version).sort()).toEqual([current.version ?? 0, view.version].filter((v) => v > 0).sort());
    expect(history.find((h) => h.version === view.version)?.publishedBy).toMatchObject({ sub: 'admin-calendar' });

    // The publication carries the year to every open case in the background; its progress can be read.
    const progress = async () => (await call(stack.app, 'GET', `/v1/calendar/publications/${view.publication.publicationId}`, coordinator)).json();
    await expect.poll(async () => (await progress()).status, { timeout: 20_000 }).toBe('done');
    const done = await progress();
    expect(done.openCases.updated).toBe(done.openCases.total);
    expect(done.finishedAt).not.toBeNull();
    // the same body again starts nothing and answers with the same publication
    const again = await put(year, schedule, admin, { 'idempotency-key': `calendar-${year}-${day}-again` });
    expect(again.statusCode).toBe(202);
    expect(again.json().publication).toMatchObject({ publicationId: view.publication.publicationId, status: 'done' });

    // The case's due date moves by one working day once its workflow has applied the year.
    const published2 = new Map<number, YearSchedule>();
    for (const y of [year, year + 1]) {
      const v = await getYear(y);
      if (!v.provisional) published2.set(y, { year: y, version: v.version!, holidays: v.holidays, makeUpDays: v.makeUpDays });
    }
    const calendar = new WorkingCalendar([...published2.values()], TIME_ZONE);
    const expected = calendar.nextWorkingDayAfter(before.dueDate);
    await expect.poll(async () => (await tasksOf()).find((t) => t.taskId === before.taskId)?.dueDate, { timeout: 20_000 }).toBe(expected);
    const after = (await tasksOf()).find((t) => t.taskId === before.taskId)!;
    expect(after.dueDate).toBe(expected);
    expect(after.derivation.countedDays).not.toContain(day);
    expect(after.derivation.calendarVersion).toContain(`${year}@${view.version}`);

    const events = (await call(stack.app, 'GET', `/v1/cases/${caseId}/events?limit=200`, window)).json().items;
    const applied = events.find((e: { type: string }) => e.type === 'calendar_applied');
    expect(applied).toBeDefined();
    expect(applied.actor).toMatchObject({ sub: 'admin-calendar', role: 'admin' });
    expect(applied.data.year).toBe(year);
    expect(applied.data.tasks).toContainEqual({ taskId: before.taskId, before: before.dueDate, after: expected });

    // Publishing the same schedule again stores no new version.
    const once = await put(year, schedule);
    expect(once.statusCode).toBe(202);
    expect(once.json().version).toBe(view.version);
    // A retry with the same Idempotency-Key answers the first response.
    const replay = await put(year, schedule, admin, { 'idempotency-key': `calendar-${year}-${day}` });
    expect(replay.json()).toEqual(view);
  });
});
