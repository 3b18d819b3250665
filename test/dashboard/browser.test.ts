/**
 * The dashboard end to end, in Debian's Chromium (playwright-core), against a real Provisioner
 * (real HTTP, real PostgreSQL, in-process worker) and the ERPNext simulator. Every wait is on a
 * state of the page (Playwright's auto-waiting locators), never a fixed sleep.
 *
 * With DASHBOARD_SCREENSHOTS=<dir> (`npm run screenshots`) the tests also save a screenshot of
 * each page, with the data of this run, into that folder (the README shows docs/screenshots/).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Harness } from '../support/harness.ts';
import { browserMissing } from '../support/browser.ts';
import { startDashboard, type Dashboard } from '../support/dashboard.ts';
import { DEMO_ADMIN } from '../../src/provisioner.ts';

// without Chromium: one skipped test that says how to install it (a skipped suite counts no test)
if (browserMissing) test('the dashboard in Chromium', { skip: browserMissing }, () => {});
else describe('the dashboard in Chromium', () => {
  let d: Dashboard;
  let h: Harness;

  before(async () => {
    d = await startDashboard();
    h = d.h;
  });
  after(() => d?.close());

  const newPage = (opts?: Parameters<Dashboard['newPage']>[0]) => d.newPage(opts);
  const login = (page: Page, email?: string, password?: string) => d.login(page, email, password);
  const statusBadge = (page: Page, status: string) => d.statusBadge(page, status);
  const shot = (page: Page, name: string, fullPage = true) => d.shot(page, name, fullPage);
  const axeClean = (page: Page, where: string) => d.axeClean(page, where);

  test('log in: a wrong password shows the code and hint, the right one opens the fleet', async () => {
    const page = await newPage();
    await page.goto(`${h.api}/`);
    await page.getByLabel('Email').fill(DEMO_ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await shot(page, 'login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('INVALID_CREDENTIALS').waitFor();
    await page.getByLabel('Password').fill(DEMO_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Engines' }).waitFor();
  });

  test('create a tenant with the form and watch its timeline reach COMPLETED without a reload', async () => {
    const page = await newPage();
    await login(page);
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await page.getByRole('button', { name: 'New tenant' }).click();
    const dialog = page.getByRole('dialog', { name: 'New tenant' });
    await dialog.getByLabel('Name').fill('Dashboard Duka');
    await dialog.getByLabel('Country code').fill('KE');
    await shot(page, 'create-tenant');
    await dialog.getByRole('button', { name: 'Create tenant' }).click();

    await page.getByRole('heading', { name: 'Dashboard Duka', level: 1 }).waitFor();
    await statusBadge(page, 'COMPLETED').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was not reloaded');
    const steps = page.locator('ol.timeline > li');
    assert.equal(await steps.count(), 11);
    assert.equal(await page.locator('ol.timeline li[data-step="step_2_company"]').getAttribute('data-status'), 'completed');
    assert.equal(await page.locator('ol.timeline li[data-step="step_6_items"]').getAttribute('data-status'), 'skipped');
    await page.locator('ol.timeline li[data-step="step_0_engine_check"]').getByText('Attempts: 1').waitFor();
    await page.locator('dl.facts').getByText('Dashboard Duka POS').waitFor();
    // the operations a COMPLETED tenant allows: retry only
    assert.equal(await page.getByRole('button', { name: 'Start', exact: true }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Continue', exact: true }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Retry all' }).isEnabled(), true);
    await page.locator('table.logs').getByText('run_finished').first().waitFor();
    await shot(page, 'tenant-completed', false);

    // the fleet shows it, after a client-side navigation
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'Dashboard Duka' }) });
    await row.getByText('COMPLETED').waitFor();
    await row.getByText('100%').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true);
  });

  test('a failure injected in the simulator: FAILED with its code and hint, Continue after the fix, COMPLETED', async (t) => {
    const faults = `${h.simulator.url}/__simulator/faults`;
    const armed = await fetch(faults, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 }) });
    assert.ok(armed.ok, `faults: ${armed.status}`);
    t.after(() => fetch(faults, { method: 'DELETE' })); // the next tests' tenants must not fail
    const page = await newPage();
    await login(page);
    const { tenant } = await h.createTenant({ name: 'Broken Duka', country_code: 'UG' });
    // the fleet sees it arrive and fail, live
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'Broken Duka' }) });
    await row.getByText('FAILED').waitFor();
    await row.getByText('ENGINE_VALIDATION').waitFor();
    // and its charts count the failure by step and code
    await page.locator('.bars li[data-step="step_8_pos_profile"]').getByText('ENGINE_VALIDATION').waitFor();
    await page.getByTestId('runs-totals').getByText(/[1-9]\d* failed/).waitFor();
    await shot(page, 'fleet');

    await row.getByRole('link', { name: 'Broken Duka' }).click();
    await statusBadge(page, 'FAILED').waitFor();
    const status = (await h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body;
    const error = status.errors[0];
    assert.equal(error.step, 'step_8_pos_profile');
    const errors = page.getByRole('region', { name: 'Errors' });
    await errors.getByText(error.code, { exact: true }).waitFor();
    await errors.getByText(`Hint: ${error.hint}`).waitFor();
    assert.equal(await page.locator('ol.timeline li[data-step="step_8_pos_profile"]').getAttribute('data-status'), 'failed');
    // exactly what the API allows from FAILED
    assert.equal(await page.getByRole('button', { name: 'Start', exact: true }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Continue', exact: true }).isEnabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Retry all' }).isEnabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Retry from step' }).isEnabled(), true);
    await shot(page, 'tenant-failed', false);

    assert.ok((await fetch(faults, { method: 'DELETE' })).ok);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Continue?' });
    await confirm.getByText('Resume from the first failed or pending step').waitFor();
    await confirm.getByRole('button', { name: 'Continue' }).click();
    await statusBadge(page, 'COMPLETED').waitFor();
    assert.equal(await page.getByRole('region', { name: 'Errors' }).count(), 0, 'no errors left');
    assert.equal(await page.getByRole('button', { name: 'Continue', exact: true }).isDisabled(), true);
    await page.getByRole('region', { name: 'Run history' }).getByText('continue', { exact: false }).first().waitFor();
  });

  test('a tenant admin sees only their tenant, and no admin pages', async () => {
    await h.createTenant({ name: 'Other Duka', country_code: 'TZ', provisioning: { auto_start: false } });
    const password = 'owner-of-mine-duka-2026';
    const { tenant } = await h.createTenant({ name: 'Mine Duka', country_code: 'KE', admin_email: 'owner@mine.duka', admin_password: password, provisioning: { auto_start: false } });
    const page = await newPage();
    await login(page, 'owner@mine.duka', password);
    const rows = page.locator('table.tenants tbody tr[data-tenant]');
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-tenant'))), [tenant.id]);
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Engines' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'New tenant' }).count(), 0);
    for (const adminPage of ['/engines', '/users']) {
      await page.goto(`${h.api}${adminPage}`);
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    }
    // their own tenant: they may start it
    await page.goto(`${h.api}/tenants/${tenant.id}`);
    await statusBadge(page, 'NOT_STARTED').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start', exact: true }).isEnabled(), true);
  });

  test('keyboard only: log in, create a tenant, retry it', async () => {
    const page = await newPage();
    const focused = () => page.evaluate(() => (document.activeElement?.textContent ?? '').trim() || document.activeElement?.getAttribute('aria-label') || '');
    /** Tab until the focused element's text is `label` (bounded), as a keyboard user would. */
    const tabTo = async (label: string) => {
      for (let i = 0; i < 60; i++) {
        if ((await focused()) === label) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`Tab never reached "${label}"`);
    };
    await page.goto(`${h.api}/`);
    await page.getByLabel('Email').waitFor();
    await page.keyboard.type(DEMO_ADMIN.email); // the email field has the focus
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEMO_ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();

    await tabTo('New tenant');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'New tenant' }).waitFor();
    await page.keyboard.type('Keyboard Duka'); // the name field has the focus
    await page.keyboard.press('Tab');
    await page.keyboard.type('RW');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Keyboard Duka', level: 1 }).waitFor();
    await statusBadge(page, 'COMPLETED').waitFor();

    await tabTo('Retry all');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Retry all?' }).waitFor();
    assert.equal(await focused(), 'Retry all', 'the dialog focuses its confirm button');
    await page.keyboard.press('Enter');
    await page.getByText('Retry all: requested').waitFor({ state: 'attached' });
    // the badge still says COMPLETED of the run before until the page reloads its status, and the
    // button the Tab loop would reach then disables under the focus: wait for the server's answer
    const tenantId = new URL(page.url()).pathname.split('/').pop()!;
    await h.waitForStatus(tenantId, ['COMPLETED']);
    await page.reload();
    await statusBadge(page, 'COMPLETED').waitFor();
    // Escape cancels a confirmation
    await tabTo('Retry all');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Retry all?' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  test('no serious accessibility violation (axe-core), light and dark, on every page', async () => {
    const { tenant } = await h.createTenant({ name: 'Axe Duka', country_code: 'KE' });
    await h.waitForStatus(tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
    for (const theme of ['light', 'dark'] as const) {
      const page = await newPage({ theme });
      await page.goto(`${h.api}/`);
      await page.getByLabel('Email').waitFor();
      await axeClean(page, `login (${theme})`);
      await login(page);
      await page.locator('table.tenants tbody tr[data-tenant]').first().waitFor();
      await axeClean(page, `fleet (${theme})`);
      await page.goto(`${h.api}/tenants/${tenant.id}`);
      await statusBadge(page, 'COMPLETED').waitFor();
      await axeClean(page, `tenant (${theme})`);
      if (theme === 'dark') await shot(page, 'tenant-dark', false);
      await page.goto(`${h.api}/engines`);
      await page.locator('[data-engine]').getByText('Healthy').waitFor();
      await axeClean(page, `engines (${theme})`);
      if (theme === 'light') await shot(page, 'engines');
      await page.goto(`${h.api}/users`);
      await page.getByRole('cell', { name: 'platform_admin' }).first().waitFor();
      await axeClean(page, `users (${theme})`);
      if (theme === 'light') await shot(page, 'users');
    }
  });

  test('375 px wide: no page scrolls sideways', async () => {
    const page = await newPage({ width: 375, height: 800 });
    await login(page);
    await page.locator('table.tenants tbody tr[data-tenant]').first().waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 0, `fleet overflows by ${await overflow()} px`);
    await shot(page, 'fleet-375');
    await page.locator('table.tenants tbody tr[data-tenant] a').first().click();
    await page.locator('ol.timeline').waitFor();
    assert.ok((await overflow()) <= 0, `tenant page overflows by ${await overflow()} px`);
    await shot(page, 'tenant-375', false);
  });
});
