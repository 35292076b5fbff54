/**
 * The counter's work end to end (SPEC §6.0–6.3), on a database of this file's own, through a
 * real listening API, a real worker, the Temporal dev server and PostgreSQL: the one-time
 * notice for an incomplete set, 容缺受理 with a deferred material that holds back its task and
 * puts a late case on the board, the lead department reading its stage, one merged supplement
 * notice answered by one visit, results handed out at the window, and trips counted by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { createHttpClient, createReviewerTokens, listen, type HttpCall, workingDayBefore } from '../support/http-client.js';
import { completeMaterials } from '../support/materials.js';
import { caseBody, startStack, TIME_ZONE, type Stack } from '../support/stack.js';
import { todayClearOfMidnight } from '../support/midnight.js';

/** JSON answers, checked field by field. */
type Json = any;

const STAGE_1 = 'land-use-planning';
const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
const today = await todayClearOfMidnight(cal);

let stack: Stack;
let http: HttpCall;
let reviewer: (department: string) => Promise<string>;
let window: string;
let admin: string;
let coordinator: string;
let catalog: Json;

beforeAll(async () => {
  stack = await startStack({ freshDatabase: true });
  http = createHttpClient(await listen(stack));
  reviewer = createReviewerTokens(stack);
  window = await stack.token({ role: 'window', sub: 'window-counter', name: '综合窗口-张' });
  admin = await stack.token({ role: 'admin', sub: 'admin-counter' });
  coordinator = await stack.token({ role: 'coordinator', sub: 'coordinator-counter' });
  const answer = await http('GET', '/v1/catalog', window);
  expect(answer.status).toBe(200);
  catalog = answer.json;
});
afterAll(async () => stack?.close());

async function getCase(caseId: string, token = coordinator): Promise<Json> {
  const response = await http('GET', `/v1/cases/${caseId}`, token);
  expect(response.status).toBe(200);
  return response.json;
}

const stageOf = (view: Json, code: string) => (view.stages as Json[]).find((s) => s.code === code);
const taskIn = (view: Json, itemCode: string) => (view.stages as Json[]).flatMap((s) => s.tasks as Json[]).find((t) => t.itemCode === itemCode);

async function decide(caseId: string, itemCode: string, body: Record<string, unknown>, expected = 200): Promise<Json> {
  const task = taskIn(await getCase(caseId), itemCode);
  const response = await http('POST', `/v1/cases/${caseId}/tasks/${task.taskId as string}/decision`, await reviewer(task.department as string), body);
  expect(response.status, JSON.stringify(response.json)).toBe(expected);
  return response.json;
}

/** What the catalog (as GET /v1/catalog shows it) says is missing when these codes are left out of a stage's set. */
function expectedMissing(projectType: string, stage: string, withheld: string[]): Json[] {
  const type = (catalog.projectTypes as Json[]).find((t) => t.code === projectType);
  const items = (type.stages as Json[]).find((s) => s.code === stage).items as Json[];
  return items.flatMap((item) =>
    (item.materials as Json[])
      .filter((m) => !m.optional && withheld.includes(m.code))
      .map((m) => ({ itemCode: item.code, code: m.code, name: m.name.zh, copies: m.copies, deferrable: m.deferrable })),
  );
}

const byItemAndCode = (a: Json, b: Json) => `${a.itemCode}/${a.code}`.localeCompare(`${b.itemCode}/${b.code}`);

describe('a day at the counter', () => {
  // gov-building, stage 1: drc project-approval, nrp land-site-review and land-use-permit (nrp leads the stage),
  // eco eia, heritage heritage-survey.
  const withheld = ['eia.report', 'red-line-map', 'land-use-permit.land-premium-receipt'];
  const deferred = 'eia.technical-assessment';
  let body: Record<string, unknown>;
  let caseId: string;
  let noticeNumber: string;

  it('refuses an incomplete set with everything missing at once, opens nothing, and records the one-time notice', async () => {
    body = caseBody({ projectType: 'gov-building', projectName: '柜台-综合楼', materials: completeMaterials('gov-building', STAGE_1, withheld) });
    const refused = await http('POST', '/v1/cases', window, body);
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('MATERIALS_INCOMPLETE');
    const missing = expectedMissing('gov-building', STAGE_1, withheld);
    // red-line-map is asked by land-use-permit (2 copies) and heritage-survey (1): both are listed
    expect(missing.filter((m) => m.code === 'red-line-map').map((m) => m.itemCode).sort()).toEqual(['heritage-survey', 'land-use-permit']);
    expect([...refused.json.error.details.missing].sort(byItemAndCode)).toEqual(missing.sort(byItemAndCode));

    const listed = await http('GET', `/v1/cases?q=${encodeURIComponent(body.projectCode as string)}`, window);
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([]);

    const notice = await http('POST', '/v1/intake/notices', window, body);
    expect(notice.status, JSON.stringify(notice.json)).toBe(201);
    expect(notice.json).toMatchObject({ projectCode: body.projectCode, stage: STAGE_1, by: { sub: 'window-counter', name: '综合窗口-张' } });
    expect([...notice.json.missing].sort(byItemAndCode)).toEqual(missing);
    noticeNumber = notice.json.number as string;

    const complete = await http('POST', '/v1/intake/notices', window, caseBody({ projectType: 'gov-building' }));
    expect(complete.status).toBe(409);
    expect(complete.json.error.code).toBe('NOTHING_MISSING');

    const notices = await http('GET', `/v1/intake/notices?projectCode=${body.projectCode as string}`, coordinator);
    expect(notices.status).toBe(200);
    expect(notices.json.items.map((n: Json) => n.number)).toEqual([noticeNumber]);
  });

  it('refuses to defer what is not deferrable, then accepts with a minor material to follow (容缺受理)', async () => {
    const materials = completeMaterials('gov-building', STAGE_1, [deferred]);
    const invalid = await http('POST', '/v1/cases', window, { ...body, materials, deferredMaterials: [deferred, 'eia.report'] });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.details.invalidDeferrals).toEqual(['eia.report']);

    const opened = await http('POST', '/v1/cases', window, { ...body, materials, deferredMaterials: [deferred] });
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    caseId = opened.json.caseId as string;
    const deadline = await http('GET', `/v1/calendar/deadline?from=${encodeURIComponent(opened.json.acceptedAt as string)}&workingDays=5`, window);
    expect(deadline.status).toBe(200);
    expect(opened.json.pendingMaterials).toEqual([
      { itemCode: 'eia', code: deferred, name: expectedMissing('gov-building', STAGE_1, [deferred])[0].name, dueDate: deadline.json.dueDate },
    ]);
    // the notice's visit and the opening: two trips so far
    expect(opened.json.trips).toMatchObject({ total: 2, byStage: { [STAGE_1]: 2 } });
    expect(stageOf(opened.json, STAGE_1).leadDepartment).toBe('nrp');
  });

  it('holds the task back until its material arrives (409 MATERIALS_PENDING), then approves it', async () => {
    const refused = await decide(caseId, 'eia', { decision: 'approve' }, 409);
    expect(refused.error.code).toBe('MATERIALS_PENDING');

    const notPending = await http('POST', `/v1/cases/${caseId}/materials`, window, { materials: [{ name: '环评报告', code: 'eia.report', copies: 3 }] });
    expect(notPending.status).toBe(422);
    expect(notPending.json.error.code).toBe('MATERIALS_NOT_PENDING');

    const delivered = await http('POST', `/v1/cases/${caseId}/materials`, window, { materials: [{ name: '技术评估意见', code: deferred, copies: 1 }] });
    expect(delivered.status, JSON.stringify(delivered.json)).toBe(200);
    expect(delivered.json.pendingMaterials).toEqual([]);
    expect(delivered.json.trips.byStage[STAGE_1]).toBe(3);
    await decide(caseId, 'eia', { decision: 'approve', opinion: '同意' });
  });

  it('lets the lead department read every task of its stage, and decide only its own', async () => {
    const nrp = await reviewer('nrp');
    const view = await getCase(caseId, nrp);
    expect(stageOf(view, STAGE_1).tasks.map((t: Json) => t.itemCode).sort()).toEqual(['eia', 'heritage-survey', 'land-site-review', 'land-use-permit', 'project-approval']);
    const drcTask = taskIn(view, 'project-approval');
    const refused = await http('POST', `/v1/cases/${caseId}/tasks/${drcTask.taskId as string}/decision`, nrp, { decision: 'approve' });
    expect(refused.status).toBe(403);
    // a department that leads nothing in the case reads only its own task
    const eco = await getCase(caseId, await reviewer('eco'));
    expect(eco.stages.flatMap((s: Json) => s.tasks).map((t: Json) => t.itemCode)).toEqual(['eia']);
  });

  it('merges three departments’ requests into one notice per stage, answered by one visit', async () => {
    const requests: [string, string[]][] = [
      ['project-approval', ['节能审查意见（补正）']],
      ['land-site-review', ['勘测定界图（补正）']],
      ['heritage-survey', ['考古勘探报告（补正）']],
    ];
    const numbers: string[] = [];
    for (const [itemCode, missingMaterials] of requests) {
      await decide(caseId, itemCode, { decision: 'request_supplement', opinion: '材料需补正', missingMaterials });
      numbers.push(stageOf(await getCase(caseId), STAGE_1).supplementNotice.number as string);
    }
    expect(new Set(numbers).size).toBe(1);
    const notice = stageOf(await getCase(caseId), STAGE_1).supplementNotice;
    expect(notice.items.map((i: Json) => [i.itemCode, i.department, i.missingMaterials]).sort()).toEqual(
      [
        ['heritage-survey', 'heritage', ['考古勘探报告（补正）']],
        ['land-site-review', 'nrp', ['勘测定界图（补正）']],
        ['project-approval', 'drc', ['节能审查意见（补正）']],
      ],
    );

    const answered = await http('POST', `/v1/cases/${caseId}/stages/${STAGE_1}/supplement`, window, {
      materials: [{ name: '补正材料一套' }],
    });
    expect(answered.status, JSON.stringify(answered.json)).toBe(200);
    const stage = stageOf(answered.json, STAGE_1);
    expect(stage.supplementNotice).toBeNull();
    for (const [itemCode] of requests) expect(taskIn(answered.json, itemCode).status).toBe('pending');
    expect(answered.json.trips.byStage[STAGE_1]).toBe(4);

    const again = await http('POST', `/v1/cases/${caseId}/stages/${STAGE_1}/supplement`, window, { materials: [{ name: '补正材料' }] });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('TASK_NOT_AWAITING_SUPPLEMENT');
  });

  it('hands the stage’s certificate out at the counter once the stage ends', async () => {
    const early = await http('POST', `/v1/cases/${caseId}/stages/${STAGE_1}/handout`, window, { recipient: { name: '李四' }, channel: 'counter' });
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe('RESULT_NOT_READY');

    for (const itemCode of ['project-approval', 'land-site-review', 'heritage-survey', 'land-use-permit']) {
      await decide(caseId, itemCode, { decision: 'approve' });
    }
    const ended = stageOf(await getCase(caseId), STAGE_1);
    expect(ended.status).toBe('approved');
    expect(ended.result.handedOut).toBeNull();
    expect(ended.result.documents).toEqual([{ kind: 'certificate', number: expect.any(String), name: '建设用地规划许可证' }]);

    const handed = await http('POST', `/v1/cases/${caseId}/stages/${STAGE_1}/handout`, window, { recipient: { name: '李四' }, channel: 'counter' });
    expect(handed.status, JSON.stringify(handed.json)).toBe(200);
    expect(stageOf(handed.json, STAGE_1).result.handedOut).toMatchObject({ by: { sub: 'window-counter' }, recipient: { name: '李四' }, channel: 'counter' });
    // notice, opening, deferred material, merged supplement, hand-out: five visits for the stage
    expect(handed.json.trips).toMatchObject({ total: 5, byStage: { [STAGE_1]: 5, 'engineering-permit': 0 } });

    const twice = await http('POST', `/v1/cases/${caseId}/stages/${STAGE_1}/handout`, window, { recipient: { name: '李四' }, channel: 'counter' });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('RESULT_ALREADY_HANDED_OUT');

    const events = await http('GET', `/v1/cases/${caseId}/events?limit=200&verify=true`, coordinator);
    expect(events.status).toBe(200);
    expect(events.json.verification).toEqual({ verified: true, brokenAtSeq: null });
    const types = events.json.items.map((e: Json) => e.type);
    for (const type of ['materials_delivered', 'stage_supplement_submitted', 'result_handed_out']) expect(types).toContain(type);
  });

  it('gives a rejected stage its rejection letter, handed out by post without a trip', async () => {
    const opened = await http('POST', '/v1/cases', window, caseBody({ projectType: 'social-small', projectName: '柜台-不予许可' }));
    expect(opened.status).toBe(201);
    const rejectedId = opened.json.caseId as string;
    await decide(rejectedId, 'land-use-permit', { decision: 'reject', opinion: '用地性质与规划不符' });
    const view = await getCase(rejectedId);
    expect(view.status).toBe('rejected');
    expect(stageOf(view, STAGE_1).result.documents).toEqual([
      { kind: 'rejection_letter', number: `${rejectedId}-BY1`, name: '不予许可决定书' },
    ]);
    const posted = await http('POST', `/v1/cases/${rejectedId}/stages/${STAGE_1}/handout`, window, { recipient: { name: '王五' }, channel: 'post' });
    expect(posted.status, JSON.stringify(posted.json)).toBe(200);
    expect(posted.json.trips).toMatchObject({ total: 1, byStage: { [STAGE_1]: 1 } });
  });

  it('counts trips in the statistics over the stages that ended (5 and 1 trips)', async () => {
    const stats = await http('GET', '/v1/stats', coordinator);
    expect(stats.status).toBe(200);
    expect(stats.json.trips).toEqual({ stagesEnded: 2, avgPerStage: (5 + 1) / 2, withinOneShare: 1 / 2 });
  });
});

describe('a deferred material that is late', () => {
  it('puts its case on the board with reason materials_overdue, keeping the case’s light', async () => {
    // accepted eight working days ago: the material was due after five
    const acceptedOn = workingDayBefore(cal, today, 8);
    const opened = await http(
      'POST',
      '/v1/cases',
      admin,
      caseBody({
        projectType: 'social-small',
        projectName: '柜台-逾期补交',
        acceptedAt: `${acceptedOn}T10:00:00+08:00`,
        materials: completeMaterials('social-small', STAGE_1, ['project-approval.energy-review']),
        deferredMaterials: ['project-approval.energy-review'],
      }),
    );
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    const caseId = opened.json.caseId as string;
    expect(opened.json.pendingMaterials[0].dueDate < today).toBe(true);

    const board = await http('GET', '/v1/supervision/board?reason=materials_overdue', coordinator);
    expect(board.status).toBe(200);
    const entry = (board.json.items as Json[]).find((e) => e.caseId === caseId);
    expect(entry).toBeDefined();
    expect(entry.reasons).toContain('materials_overdue');
    const view = await getCase(caseId);
    expect(entry.light).toBe(view.light);

    // delivered late, the material leaves the board
    const delivered = await http('POST', `/v1/cases/${caseId}/materials`, window, {
      materials: [{ name: '节能审查意见', code: 'project-approval.energy-review' }],
    });
    expect(delivered.status).toBe(200);
    const after = await http('GET', '/v1/supervision/board?reason=materials_overdue', coordinator);
    expect((after.json.items as Json[]).some((e) => e.caseId === caseId)).toBe(false);
  });
});
