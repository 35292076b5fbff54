/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against what
 * ./scripts/start runs: the Temporal dev server, embedded PostgreSQL, the worker and the API
 * serving the console, on ports and a DATA_DIR of this file's own. Sign-in is the local stack's
 * one-click demo identities. Screenshots go to test-output/console/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { WorkingCalendar } from '../../domain/calendar.js';
import { SEED_CATALOG } from '../../db/seed.js';
import { SEED_SCHEDULES } from '../../domain/calendar-seed.js';
import { focused, launchChromium, newPage, screenshot, seriousViolations } from '../support/browser.js';
import { createHttpClient, workingDayBefore, type HttpCall } from '../support/http-client.js';
import { newDataDir, removeDataDir, startLocalStackOnFreePorts, stopLocalStack, type LocalStackProcess } from '../support/local-stack.js';
import { checklistCodes } from '../support/materials.js';
import { caseBody, newCreditCode, newProjectCode, TIME_ZONE } from '../support/stack.js';

const dataDir = newDataDir('console');
let running: LocalStackProcess | null = null;
let browser: Browser;
let base: string;
let http: HttpCall;
let tokens: Record<string, string>;

beforeAll(async () => {
  running = await startLocalStackOnFreePorts(dataDir);
  base = `http://127.0.0.1:${running.ports.api}`;
  http = createHttpClient(base);
  tokens = running.tokens();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopLocalStack(running);
  removeDataDir(dataDir);
});

/** A page signed in as one of the demo identities (`window`, `reviewer:<dept>`, `coordinator`). */
async function signIn(page: Page, identity: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.locator(`[data-identity="${identity}"]`).click();
  await page.locator('button', { hasText: '退出' }).waitFor();
}

async function signOut(page: Page): Promise<void> {
  await page.locator('button', { hasText: '退出' }).click();
  await page.locator('[data-identity="window"]').waitFor();
}

/** On failure, the page as it was: test-output/console/failed-<name>.png */
function keepFailure(page: Page, name: string): void {
  onTestFailed(async () => {
    await screenshot(page, `failed-${name}`).catch(() => {});
  });
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousViolations(page), `axe on ${what}`).toEqual([]);
}

const stage1 = checklistCodes('gov-building', 'land-use-planning');
const required = stage1.find((c) => !c.deferrable && c.code === 'project-approval.application')!;
const deferrable = stage1.find((c) => c.deferrable)!;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const checkbox = (page: Page, code: string) => page.locator(`[id="m1-${code}"]`);

describe('the console in Chromium', () => {
  it('carries a gov-building case from the counter to its stage-1 certificate handed out, by the three roles', async () => {
    const { page, errors, context } = await newPage(browser);
    keepFailure(page, 'journey');
    const projectCode = newProjectCode();
    const projectName = `控制台测试项目 ${projectCode.slice(-6)}`;

    // sign-in: `/` leads to the console, the demo identities are one click each
    await page.goto(`${base}/`);
    await page.locator('[data-identity="reviewer:nrp"]').waitFor();
    expect(page.url()).toBe(`${base}/console/#/signin`);
    await expectAccessible(page, 'the sign-in page');
    await screenshot(page, '01-sign-in');
    await signIn(page, 'window');

    // 受理: codes checked as they are typed, the credit code's check character included
    await page.getByLabel('项目名称').fill(projectName);
    await page.getByLabel('项目代码').pressSequentially('2026-6101');
    await page.getByText('格式：YYYY-AAAAAA-II-TT-NNNNNN').waitFor();
    await page.getByLabel('项目代码').fill(projectCode);
    await page.getByText('✓ 格式正确').waitFor();
    const creditCode = newCreditCode();
    const wrongCheck = creditCode.slice(0, 17) + (creditCode.endsWith('0') ? '1' : '0');
    await page.getByLabel('单位名称').fill('西安市教育局');
    await page.getByLabel('统一社会信用代码').fill(wrongCheck);
    await page.getByText(`校验位错误：按前 17 位应为 ${creditCode.slice(17)}`).waitFor();
    expect(await page.getByLabel('统一社会信用代码').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('统一社会信用代码').fill(creditCode);
    await page.getByText('✓ 校验位正确').waitFor();
    await page.getByLabel('建设地点').fill('西安市雁塔区');
    await page.getByLabel('总投资（元）').fill('120000000');
    await page.getByLabel('用地面积（㎡）').fill('35000');
    await page.getByLabel('建筑面积（㎡）').fill('48000');

    // an incomplete set: 422, the one-time notice, recorded and printable
    await page.getByRole('button', { name: '全部勾选' }).click();
    await checkbox(page, required.code).uncheck();
    await expectAccessible(page, 'the counter form');
    await page.getByRole('button', { name: '受理', exact: true }).click();
    const notice = page.locator('section.notice');
    await notice.getByText(required.name.zh).waitFor();
    await notice.getByRole('button', { name: '出具告知书（登记）' }).click();
    await notice.getByText(/编号: \S+/).waitFor();
    await notice.getByRole('button', { name: '打印告知书' }).waitFor();
    await screenshot(page, '02-one-time-notice');
    const notices = await http('GET', `/v1/intake/notices?projectCode=${projectCode}`, tokens.window!);
    expect(notices.json.items).toHaveLength(1);

    // complete, with one deferrable material to follow (容缺): the case opens with its receipt
    await checkbox(page, required.code).check();
    await checkbox(page, deferrable.code).uncheck();
    await page.getByLabel(`${deferrable.name.zh} 容缺后补`).check();
    await page.getByRole('button', { name: '受理', exact: true }).click();
    const receipt = page.locator('section.receipt');
    await receipt.getByRole('heading', { name: '受理回执' }).waitFor();
    await receipt.getByText(`${deferrable.name.zh} — 补交期限`).waitFor();
    // four tasks counting with committed due dates, the permit waiting for its prerequisite
    expect(await receipt.getByText(/\d{4}-\d{2}-\d{2} 24:00/).count()).toBe(4);
    await receipt.getByText('前置事项办结后起算').waitFor();
    await expectAccessible(page, 'the acceptance receipt');
    await screenshot(page, '03-acceptance-receipt');
    await page.getByRole('link', { name: '查看案件' }).click();
    await page.getByRole('heading', { name: projectName }).waitFor();
    const caseUrl = page.url();
    const caseId = caseUrl.split('/cases/')[1]!;

    // find it by code
    await page.getByRole('link', { name: '案件查询' }).click();
    await page.getByLabel('项目代码或名称').fill(projectCode);
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByRole('link', { name: projectName }).waitFor();

    // the deferred material arrives
    await page.goto(caseUrl);
    await page.getByLabel(new RegExp(`^${escapeRegExp(deferrable.name.zh)}`)).check();
    await page.getByRole('button', { name: '登记补交' }).click();
    await page.getByRole('heading', { name: '补交容缺材料' }).waitFor({ state: 'detached' });
    await signOut(page);

    // reviewers: the inbox by deadline; a decision by keyboard alone
    await signIn(page, 'reviewer:drc');
    const drcRow = page.locator('table.inbox tr', { hasText: projectName });
    await drcRow.getByText('绿灯 · 正常').waitFor();
    await expectAccessible(page, 'the inbox');
    await screenshot(page, '04-reviewer-inbox');
    await drcRow.getByRole('link').click();
    await page.getByRole('heading', { name: '审查决定' }).waitFor();
    await expectAccessible(page, 'the task page');
    await page.locator('#decision-approve').focus();
    const order: string[] = [await focused(page)];
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
    }
    expect(order).toEqual(['#decision-approve', '#opinion', '#conditions', 'button:提交决定']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('按批复落实节能措施。');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // the submit button
    await page.getByText('已提交审查决定。').waitFor();
    await screenshot(page, '05-decision-recorded');
    await signOut(page);

    // 补正 by keyboard: the arrow keys choose, Space ticks, Enter submits
    await signIn(page, 'reviewer:eco');
    await page.locator('table.inbox tr', { hasText: projectName }).getByRole('link').click();
    await page.locator('#decision-approve').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('#decision-request_supplement');
    await page.keyboard.press('Tab');
    await page.keyboard.type('环评文件缺少噪声专章。');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(await page.locator('#missing-0').isChecked()).toBe(true);
    await page.locator('#other-missing').fill('噪声影响专章');
    await page.locator('#other-missing').press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('已提交审查决定。').waitFor();
    await signOut(page);

    // the window answers the stage's merged supplement notice at once
    await signIn(page, 'window');
    await page.goto(caseUrl);
    await page.getByRole('heading', { name: /补正通知（合并）/ }).waitFor();
    await page.getByLabel('噪声影响专章').check();
    await page.getByRole('button', { name: '提交补正材料（一次办结）' }).click();
    await page.getByRole('heading', { name: /补正通知（合并）/ }).waitFor({ state: 'detached' });
    await signOut(page);

    // the rest approve; the land-use permit follows its prerequisite in the same department
    for (const department of ['eco', 'heritage', 'nrp', 'nrp']) {
      await signIn(page, `reviewer:${department}`);
      const row = page.locator('table.inbox tr', { hasText: projectName });
      await row.getByRole('link').click();
      await page.getByLabel('附加条件（每行一条，可选）').fill('按审查意见落实');
      await page.getByRole('button', { name: '提交决定' }).click();
      await page.getByText('已提交审查决定。').waitFor();
      await signOut(page);
    }

    // the stage is approved: its certificate is handed out at the counter
    await signIn(page, 'window');
    await page.goto(caseUrl);
    await page.getByRole('heading', { name: '电子证照' }).waitFor();
    await page.getByText('建设用地规划许可证').first().waitFor();
    await page.getByLabel('领取人').fill('张三');
    await page.getByLabel('方式').selectOption('counter');
    await page.getByRole('button', { name: '出件', exact: true }).click();
    await page.getByText(/已出件: 张三 · 窗口领取/).waitFor();

    // the case page: four stages, task bars with the derivation on hover, the chain verified
    expect(await page.locator('.stage-timeline li').count()).toBe(4);
    await page.getByText(/哈希链校验通过/).waitFor();
    const bar = page.locator('.gantt-bar').first();
    await bar.hover();
    const tip = page.locator('.tooltip').first();
    await tip.getByText('期限推算').waitFor();
    expect(await tip.textContent()).toMatch(/起算日 \d{4}-\d{2}-\d{2}; 计 \d+ 个工作日 → 截止/);
    expect(await page.locator('.gantt-pause').count()).toBeGreaterThan(0);
    expect(await page.locator('.gantt-decision').count()).toBe(5);
    const temporalLink = page.getByRole('link', { name: '在 Temporal Web UI 中查看工作流' });
    expect(await temporalLink.getAttribute('href')).toBe(`http://127.0.0.1:${running!.ports.ui}/namespaces/default/workflows/case-${caseId}`);
    await expectAccessible(page, 'the case page');
    await screenshot(page, '06-case-page');

    // the English switch
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Stages' }).waitFor();
    await page.getByText(/Hash chain verified/).waitFor();
    await screenshot(page, '07-case-page-en');
    await page.getByRole('button', { name: '中文' }).click();

    // the next stage's application, its checklist complete
    await page.getByText('核对申请材料并受理').click();
    await page.getByRole('button', { name: '全部勾选' }).click();
    await page.getByRole('button', { name: '受理本阶段申请' }).click();
    await page.getByRole('heading', { name: /^2\. 工程建设许可 审查中/ }).waitFor();
    expect(errors).toEqual([]);
    await context.close();

    // the case page on a phone: readable, nothing wider than the screen
    const phone = await newPage(browser, { width: 390, height: 844 });
    await signIn(phone.page, 'window');
    await phone.page.goto(caseUrl);
    await phone.page.getByText(/哈希链校验通过/).waitFor();
    const overflow = Number(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone.page, '08-case-page-phone');
    await phone.context.close();

    const view = await http('GET', `/v1/cases/${caseId}`, tokens.coordinator!);
    expect(view.json.stages[0].status).toBe('approved');
    expect(view.json.stages[0].result.handedOut.recipient.name).toBe('张三');
    expect(view.json.stages[1].status).toBe('in_review');
  }, 240_000);

  it('lets a coordinator escalate and extend a late task, resolve the escalation and read the statistics', async () => {
    // a case accepted 30 working days ago (an administrator back-dates it): its tasks are late
    const cal = new WorkingCalendar(SEED_SCHEDULES, TIME_ZONE);
    const accepted = workingDayBefore(cal, cal.localDate(Date.now()), 30);
    const body = caseBody({ acceptedAt: `${accepted}T10:00:00+08:00`, projectName: '逾期督办测试项目' });
    const opened = await http('POST', '/v1/cases', tokens.admin!, body);
    expect(opened.status).toBe(201);
    const caseId = opened.json.caseId as string;
    const late = (opened.json.stages[0].tasks as { taskId: string; itemCode: string; status: string; light: string }[]).find(
      (t) => t.status === 'pending' && t.light === 'red',
    )!;
    expect(late).toBeDefined();
    const itemName = SEED_CATALOG.items.find((i) => i.code === late.itemCode)!.name.zh;

    const { page, errors, context } = await newPage(browser);
    keepFailure(page, 'coordinator');
    await signIn(page, 'coordinator');
    // the board: worst first, filtered to red
    await page.getByLabel('灯色').selectOption('red');
    const entry = page.locator('table.board tr', { hasText: '逾期督办测试项目' });
    await entry.getByText('红灯 · 超期').first().waitFor();
    await expectAccessible(page, 'the board');
    await screenshot(page, '09-board');
    await entry.getByRole('link', { name: '逾期督办测试项目' }).click();

    // escalate the late task (督办, level 3)
    await page.getByLabel('督办对象').selectOption(late.taskId);
    await page.getByLabel('级别').selectOption('3');
    await page.getByLabel('督办事由').fill('超期未办结，请于三日内办结。');
    await page.getByRole('button', { name: '发起督办' }).click();
    await page.locator('.escalations li', { hasText: '超期未办结，请于三日内办结。' }).waitFor();

    // extend it by 5 working days
    const row = page.locator('.gantt-row', { hasText: itemName });
    await row.getByRole('button', { name: '延长时限' }).click();
    await row.getByLabel('延长工作日（1–10）').fill('5');
    await row.getByLabel('延长理由').fill('需组织专家论证。');
    await row.getByRole('button', { name: '批准延长' }).click();
    await row.getByText(/已延长 5 个工作日/).waitFor();
    await screenshot(page, '10-escalated-and-extended');

    // the escalation queue: resolve it
    await page.getByRole('link', { name: '督办', exact: true }).click();
    // the case page lists the same escalation with the same form: fill the queue's, once it is shown
    await page.getByRole('heading', { name: '督办队列' }).waitFor();
    const queued = page.locator('.escalations li', { hasText: '超期未办结，请于三日内办结。' });
    await queued.getByLabel('办结说明').fill('已协调，部门承诺本周办结。');
    await queued.getByRole('button', { name: '办结督办' }).click();
    await queued.waitFor({ state: 'detached' });
    await expectAccessible(page, 'the escalation queue');

    // statistics with charts
    await page.getByRole('link', { name: '统计' }).click();
    await page.getByRole('heading', { name: '各部门按时办结率' }).waitFor();
    expect(await page.locator('canvas').count()).toBe(3);
    await expectAccessible(page, 'the statistics page');
    await screenshot(page, '11-statistics');
    expect(errors).toEqual([]);
    await context.close();

    const view = await http('GET', `/v1/cases/${caseId}`, tokens.coordinator!);
    const task = (view.json.stages[0].tasks as { taskId: string; extension: { workingDays: number } | null }[]).find((t) => t.taskId === late.taskId)!;
    expect(task.extension?.workingDays).toBe(5);
    expect((view.json.escalations as { origin: string; status: string }[]).filter((e) => e.origin === 'coordinator')).toEqual([
      expect.objectContaining({ status: 'resolved' }),
    ]);
  }, 180_000);

  it('lets a coordinator follow a key project as its agent and publish the month’s bulletin as a table, a chart and a CSV', async () => {
    const projectName = `代办测试项目 ${Date.now().toString().slice(-6)}`;
    const opened = await http('POST', '/v1/cases', tokens.window!, caseBody({ projectName }));
    expect(opened.status).toBe(201);
    const caseId = opened.json.caseId as string;
    const departments = SEED_CATALOG.departments;
    const [first, second] = [departments.find((d) => d.code === 'nrp')!, departments.find((d) => d.code === 'eco')!];
    const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(Date.now() - 86_400_000);

    const { page, errors, context } = await newPage(browser);
    keepFailure(page, 'agency');
    await signIn(page, 'coordinator');
    await page.goto(`${base}/console/#/cases/${caseId}`);
    const panel = page.locator('section.agency-panel');
    await panel.getByText('本案件尚未列为代办项目。').waitFor();

    // designate: a key project, the signed-in coordinator its agent by default
    expect(await panel.getByLabel('代办员账号（sub）').inputValue()).toBe('coordinator-1');
    await panel.getByLabel('项目类别').selectOption('key');
    await panel.getByRole('button', { name: '指定代办' }).click();
    await panel.getByText('(coordinator-1)').waitFor();
    const log = panel.locator('ul.activities');

    // a joint meeting with two departments
    await panel.getByLabel('活动类型').selectOption('joint_meeting');
    await panel.getByLabel('情况摘要').fill('召开联席会议，协调规划与环评并联推进。');
    await panel.getByLabel(first.name.zh).check();
    await panel.getByLabel(second.name.zh).check();
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    const meeting = log.locator('li', { hasText: '召开联席会议' });
    await meeting.getByText(`参加部门: ${first.name.zh}、${second.name.zh}`).waitFor();
    await meeting.getByText('联席会议', { exact: true }).waitFor();

    // a problem, open until solved
    await panel.getByLabel('活动类型').selectOption('problem');
    await panel.getByLabel('问题描述').fill('地块红线与规划条件不一致。');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    const problem = log.locator('li', { hasText: '地块红线与规划条件不一致。' });
    await problem.getByText('待解决').waitFor();
    await panel.getByText('共 1 个，待解决 1 个').waitFor();
    await expectAccessible(page, 'the agency panel');
    await screenshot(page, '13-agency-panel');
    await problem.getByLabel('解决情况').fill('规划局出具修正后的规划条件。');
    await problem.getByRole('button', { name: '标记已解决' }).click();
    await problem.getByText('已解决').waitFor();
    await problem.getByText(/解决: 规划局出具修正后的规划条件。/).waitFor();
    await panel.getByText('共 1 个，待解决 0 个').waitFor();

    // a follow-up visit, back-dated to yesterday afternoon (the approval zone's wall clock)
    await panel.getByLabel('活动类型').selectOption('follow_up');
    await panel.getByLabel('情况摘要').fill('回访建设单位，了解开工准备。');
    await panel.getByLabel('时间（可选，默认现在）').fill(`${yesterday}T15:00`);
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await log.locator('li', { hasText: '回访建设单位' }).getByText(`${yesterday} 15:00`).waitFor();
    expect(await log.locator('li').count()).toBe(3);

    const activities = await http('GET', `/v1/cases/${caseId}/agency/activities`, tokens.coordinator!);
    expect(activities.json.items.map((a: { kind: string }) => a.kind)).toEqual(['problem', 'joint_meeting', 'follow_up']);
    expect(activities.json.items.find((a: { kind: string }) => a.kind === 'joint_meeting').attendees).toEqual([first.code, second.code]);
    expect(Date.parse(activities.json.items.find((a: { kind: string }) => a.kind === 'follow_up').at)).toBe(Date.parse(`${yesterday}T15:00:00+08:00`));

    // my projects: the case with no open problem left
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '重点项目' }).click();
    expect(await page.getByRole('radio', { name: '我代办的项目' }).isChecked()).toBe(true);
    const row = page.locator('table.agency tr', { hasText: projectName });
    await row.getByRole('link', { name: projectName }).waitFor();
    expect((await row.locator('td').allTextContents()).map((t) => t.trim())).toEqual([
      expect.stringMatching(/^(绿灯|黄灯|红灯)/),
      expect.stringContaining(projectName),
      '重点项目',
      expect.stringContaining('协调员'),
      '立项用地规划许可',
      '0',
      expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/),
    ]);
    await page.getByLabel('类别').selectOption('industrial');
    await page.getByText('您还没有代办的项目').waitFor();
    await page.getByLabel('类别').selectOption('');
    await row.waitFor();
    await expectAccessible(page, 'the key projects');
    await screenshot(page, '14-key-projects');
    const mine = await http('GET', '/v1/agency?agent=me', tokens.coordinator!);
    expect(mine.json.items.find((p: { caseId: string }) => p.caseId === caseId)).toMatchObject({ category: 'key', openProblems: 0 });

    // a decision this month, so the bulletin has figures to carry: the DRC approves its task
    const drcTask = (opened.json.stages[0].tasks as { taskId: string; department: string; status: string }[]).find(
      (t) => t.department === 'drc' && t.status === 'pending',
    )!;
    const decided = await http('POST', `/v1/cases/${caseId}/tasks/${drcTask.taskId}/decision`, tokens['reviewer:drc']!, { decision: 'approve' });
    expect(decided.status).toBe(200);

    // the bulletin: this month by default, no later month offered
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(Date.now()).slice(0, 7);
    await nav.getByRole('link', { name: '月通报' }).click();
    const picker = page.getByLabel('月份');
    expect(await picker.inputValue()).toBe(month);
    const offered = (await picker.locator('option').allTextContents()).map((m) => m.trim());
    expect(offered[0]).toBe(month);
    expect(offered.every((m) => m <= month)).toBe(true);
    const table = page.locator('table.bulletin');
    await table.getByRole('rowheader', { name: '全市' }).waitFor();
    const bulletin = await http('GET', `/v1/stats/bulletin?month=${month}`, tokens.coordinator!);
    expect(bulletin.json.city.tasksDecided).toBeGreaterThanOrEqual(1);
    expect(await table.locator('tbody tr').count()).toBe(departments.length);
    const shown = (await table.locator('tbody tr th').allTextContents()).map((t) => t.trim());
    const nameOf = (code: string) => departments.find((d) => d.code === code)!.name.zh;
    expect(shown).toEqual(bulletin.json.departments.map((d: { department: string }) => nameOf(d.department)));
    const cityCells = (await table.locator('tfoot tr td').allTextContents()).map((t) => t.trim());
    expect(cityCells.slice(1, 3)).toEqual([String(bulletin.json.city.tasksDecided), String(bulletin.json.city.onTime)]);
    expect(await page.locator('canvas').count()).toBe(1);
    await expectAccessible(page, 'the bulletin');
    await screenshot(page, '15-bulletin');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Monthly bulletin' }).waitFor();
    await table.getByRole('rowheader', { name: 'City' }).waitFor();
    await screenshot(page, '16-bulletin-en');
    await page.getByRole('button', { name: '中文' }).click();

    // the CSV: fetched with the token, saved through a blob: link
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: '下载 CSV' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`bulletin-${month}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    const saveLink = page.getByRole('link', { name: `保存 bulletin-${month}.csv` });
    expect(await saveLink.getAttribute('href')).toMatch(/^blob:/);
    const answer = await http('GET', `/v1/stats/bulletin?month=${month}`, tokens.coordinator!);
    const [header, ...lines] = csv.split('\r\n').filter((line) => line !== '');
    const columns = header!.split(',');
    expect(columns).toEqual(['department', 'tasksDecided', 'onTime', 'onTimeRate', 'overdueAtMonthEnd', 'escalations1', 'escalations2', 'escalations3', 'avgUsedWorkingDays', 'avgCommittedWorkingDays', 'rank']);
    const parsed = lines.map((line) => Object.fromEntries(line.split(',').map((field, i) => [columns[i]!, i === 0 ? field : field === '' ? null : Number(field)])));
    type Figures = { tasksDecided: number; onTime: number; onTimeRate: number | null; overdueAtMonthEnd: number; escalationsOpened: Record<string, number>; avgUsedWorkingDays: number | null; avgCommittedWorkingDays: number | null };
    const expected = (department: string, f: Figures, rank: number | null) => ({
      department,
      tasksDecided: f.tasksDecided,
      onTime: f.onTime,
      onTimeRate: f.onTimeRate,
      overdueAtMonthEnd: f.overdueAtMonthEnd,
      escalations1: f.escalationsOpened['1'],
      escalations2: f.escalationsOpened['2'],
      escalations3: f.escalationsOpened['3'],
      avgUsedWorkingDays: f.avgUsedWorkingDays,
      avgCommittedWorkingDays: f.avgCommittedWorkingDays,
      rank,
    });
    expect(parsed).toEqual([
      ...answer.json.departments.map((d: Figures & { department: string; rank: number }) => expected(d.department, d, d.rank)),
      expected('city', answer.json.city, null),
    ]);

    // the statistics page carries the agency figures
    await nav.getByRole('link', { name: '统计' }).click();
    const cards = page.locator('section.cards', { has: page.getByRole('heading', { name: '代办服务' }) });
    await cards.getByText('解决问题').waitFor();
    const stats = await http('GET', `/v1/stats?from=${month.slice(0, 4)}-01-01&to=${new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(Date.now())}`, tokens.coordinator!);
    expect(stats.json.agency.problemsSolved).toBeGreaterThanOrEqual(1);
    expect(await cards.locator('.card-value').allTextContents()).toEqual(
      ['projects', 'itemsHandled', 'itemsCompleted', 'problemsSolved', 'followUps'].map((key) => String(stats.json.agency[key])),
    );
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('explains a refused token and keeps each role to its own pages', async () => {
    const { page, context } = await newPage(browser);
    keepFailure(page, 'refused-token');
    await page.goto(`${base}/console/`);
    // the page settled: the demo identities load after it and push the form down
    await page.locator('[data-identity="window"]').waitFor();
    // a well-formed token this server did not sign: 401, explained
    const [header, payload] = tokens.window!.split('.');
    await page.getByLabel('访问令牌（JWT）').fill(`${header}.${payload}.${'A'.repeat(43)}`);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('alert').getByText('401 UNAUTHENTICATED').waitFor();
    await page.getByText(/令牌缺失、已过期或不被本服务器接受/).waitFor();
    await screenshot(page, '12-refused-token');

    // a window clerk sees no supervision in the navigation, and the page says why if reached
    await signIn(page, 'window');
    expect(await page.getByRole('navigation', { name: '主导航' }).getByRole('link').allTextContents()).toEqual(['受理开件', '案件查询']);
    await page.goto(`${base}/console/#/board`);
    await page.getByText('当前角色不能使用此页面。').waitFor();
    await context.close();
  }, 60_000);
});
