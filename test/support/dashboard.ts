/**
 * What the dashboard's browser tests share: a real Provisioner and simulator (startHarness), one
 * Chromium, pages of their own, logging in, and the checks every page gets (axe-core,
 * screenshots with DASHBOARD_SCREENSHOTS=<dir>).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startHarness, type Harness, type HarnessOptions } from './harness.ts';
import { launchChromium, seriousAxeViolations } from './browser.ts';
import { DEMO_ADMIN } from '../../src/provisioner.ts';

/** How long a locator waits for its state: runs on a loaded 2-core machine take seconds. */
export const WAIT = 90_000;

const shotsDir = process.env.DASHBOARD_SCREENSHOTS ? path.resolve(process.env.DASHBOARD_SCREENSHOTS) : null;

export interface Dashboard {
  h: Harness;
  browser: Browser;
  newPage(opts?: { width?: number; height?: number; theme?: 'light' | 'dark' }): Promise<Page>;
  /** Logs in from the login page and waits for the fleet. */
  login(page: Page, email?: string, password?: string): Promise<void>;
  /** The tenant page's status badge showing `status`. */
  statusBadge(page: Page, status: string): Locator;
  /** The whole page, or (fullPage false) what the window shows; only with DASHBOARD_SCREENSHOTS. */
  shot(page: Page, name: string, fullPage?: boolean): Promise<void>;
  /** Fails on any serious or critical axe-core violation. */
  axeClean(page: Page, where: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboard(opts: HarnessOptions = {}): Promise<Dashboard> {
  const h = await startHarness(opts);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await h.close();
    throw e;
  }
  if (shotsDir) mkdirSync(shotsDir, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    h,
    browser,
    async newPage(o = {}) {
      const context = await browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 1000 }, colorScheme: o.theme ?? 'light' });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT);
      return page;
    },
    async login(page, email = DEMO_ADMIN.email, password = DEMO_ADMIN.password) {
      await page.goto(`${h.api}/`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    },
    statusBadge: (page, status) => page.getByTestId('tenant-status').getByText(status.replace('_', ' '), { exact: true }),
    async shot(page, name, fullPage = true) {
      if (shotsDir) await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage });
    },
    async axeClean(page, where) {
      const violations = await seriousAxeViolations(page);
      assert.deepEqual(
        violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
        [],
        `${where}: serious or critical accessibility violations`,
      );
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await h.close();
    },
  };
}

/**
 * Polls `read` until it returns `expected` (deep equality), as expect.poll does; fails with the
 * last value. For DOM states that no single locator expresses (a set of rows, an attribute list).
 */
export async function eventually<T>(read: () => Promise<T>, expected: T, what: string, timeoutMs = WAIT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    try {
      assert.deepEqual(last, expected);
      return;
    } catch {
      if (Date.now() > deadline) assert.fail(`${what}: expected ${JSON.stringify(expected)}, last ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
