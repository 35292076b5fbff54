/**
 * A real browser for the console's end-to-end tests: Debian's Chromium (./scripts/test installs it
 * with CJK fonts) driven by playwright-core, screenshots under test-output/console/, and axe-core
 * run inside the page for accessibility.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve('test-output/console');

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
}

/** A context of its own (its own sessionStorage: one signed-in user), at the office screen size unless told. */
export async function newPage(browser: Browser, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // refused API calls are logged by the browser as failed resources; the pages explain them
    if (message.type() === 'error' && !/status of (4\d\d)/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core over the page as it is (WCAG 2 A and AA rules). Evaluated through the DevTools
 * protocol, so the console's Content-Security-Policy (no inline scripts) stays on.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // page code is passed as text: the repository's TypeScript has no DOM types
  const violations = await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] }).then((result) => result.violations)`,
  );
  return violations as AxeViolation[];
}

/** The serious and critical ones, in a form a failing assertion can show. */
export async function seriousViolations(page: Page): Promise<string[]> {
  return (await runAxe(page))
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} @ ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** What has the keyboard focus: its id, or its tag and accessible text. */
export async function focused(page: Page): Promise<string> {
  return String(
    await page.evaluate(`(() => {
      const element = document.activeElement;
      if (!element) return '';
      return element.id ? '#' + element.id : element.tagName.toLowerCase() + ':' + (element.textContent ?? '').trim().slice(0, 40);
    })()`),
  );
}
