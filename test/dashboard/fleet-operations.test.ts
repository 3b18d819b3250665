/**
 * The fleet page's operations in Chromium: the drift flag and its filter, and the bulk
 * Continue/Retry panel (Preview is the dry run, Queue is confirmed and shows queued and skipped).
 * Fixtures go through the public API and the simulator: a warehouse deleted in the engine makes
 * drift, a fault injected makes a FAILED tenant; the bulk fixtures live on an engine of their own
 * so that the filter matches exactly them.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserMissing } from '../support/browser.ts';
import { eventually, startDashboard, type Dashboard } from '../support/dashboard.ts';
import { userWithToken } from '../support/accounts.ts';

if (browserMissing) test('fleet operations in Chromium', { skip: browserMissing }, () => {});
else describe('fleet operations in Chromium', () => {
  let d: Dashboard;
  before(async () => {
    d = await startDashboard();
  });
  after(() => d?.close());

  const row = (page: Page, id: string) => page.locator(`table.tenants tr[data-tenant="${id}"]`);
  const shownTenants = (page: Page) => page.locator('table.tenants tbody tr[data-tenant]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-tenant')).sort());
  const listed = (page: Page, testId: string, heading?: string) =>
    page
      .getByTestId(testId)
      .locator(heading ? `h3:text-is("${heading}") + ul li` : 'ul li')
      .evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-tenant'), li.querySelector('code')?.textContent ?? null]));

  async function completed(name: string, engineId = 'default') {
    const { tenant } = await d.h.createTenant({ name, country_code: 'KE', engine_id: engineId });
    const status = await d.h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    return { id: tenant.id as string, abbr: status.engine.abbr as string };
  }

  /** A tenant whose run ended FAILED at step_8 (its POS Profile insert refused). */
  async function failedAtPosProfile(name: string, engineId: string) {
    const { tenant } = await d.h.createTenant({ name, country_code: 'KE', engine_id: engineId, provisioning: { auto_start: false, auto_continue: false } });
    d.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 });
    try {
      assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
      assert.equal((await d.h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED'])).status, 'FAILED');
    } finally {
      d.h.simulator.sim.clearFaults();
    }
    return tenant.id as string;
  }

  test('a drifted tenant carries the DRIFTED flag in the fleet, and "Drifted only" lists the drifted tenants alone; a platform viewer sees the flag and no bulk panel', async () => {
    const drifting = await completed('Fleet Drift Duka');
    const clean = await completed('Fleet Clean Duka');
    const deleted = await d.h.erp('DELETE', `/api/resource/Warehouse/${encodeURIComponent(`POS Store - ${drifting.abbr}`)}`);
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${drifting.id}/verify`)).body.drifted, true);

    const page = await d.newPage();
    await d.login(page);
    await row(page, drifting.id).getByText('DRIFTED', { exact: true }).waitFor();
    await row(page, clean.id).getByText('COMPLETED', { exact: true }).waitFor();
    assert.equal(await row(page, clean.id).getByText('DRIFTED', { exact: true }).count(), 0, 'no flag on a tenant without drift');

    await page.getByLabel(/Drifted only/).check();
    const drifted = (await d.h.call('GET', '/api/tenants?drifted=true')).body.tenants.map((t: any) => t.id).sort();
    assert.deepEqual(drifted, [drifting.id]);
    await eventually(() => shownTenants(page), drifted, 'only the drifted tenants, as the API lists them');
    assert.match(page.url(), /drifted=true/, 'the filter is in the address, like the others');
    await page.getByLabel(/Drifted only/).uncheck();
    await row(page, clean.id).waitFor();
    await d.axeClean(page, 'fleet with the drift flag and the bulk panel');

    const viewer = await userWithToken(d.h, { email: 'viewer@fleet-ops.duka', role: 'platform_viewer' });
    const viewing = await d.newPage();
    await d.login(viewing, 'viewer@fleet-ops.duka', viewer.password);
    await row(viewing, drifting.id).getByText('DRIFTED', { exact: true }).waitFor();
    assert.equal(await viewing.getByRole('region', { name: 'Bulk action' }).count(), 0, 'the API refuses bulk actions to a viewer');
    assert.equal(await page.getByRole('region', { name: 'Bulk action' }).count(), 1, 'a platform admin has the panel');
  });

  test('bulk preview lists the matched tenants and queues nothing; Queue, confirmed, queues the runs the API allows and shows the others skipped with their reason', async () => {
    const engine = { id: 'bulk-erp', kind: 'erpnext', base_url: d.h.simulator.url, api_key: d.h.simulator.apiKey, api_secret: d.h.simulator.apiSecret };
    assert.equal((await d.h.call('POST', '/api/engines', engine)).status, 201);
    const failed = await failedAtPosProfile('Bulk Failed Duka', 'bulk-erp');
    const done = await completed('Bulk Completed Duka', 'bulk-erp');
    const runOf = async (id: string) => (await d.h.call('GET', `/api/provisioning/tenants/${id}/status`)).body.run.id;
    const failedRun = await runOf(failed);

    const page = await d.newPage();
    await d.login(page);
    const panel = page.getByRole('region', { name: 'Bulk action' });
    await panel.getByLabel(/^Engine/).locator('option[value="bulk-erp"]').waitFor({ state: 'attached' });
    await panel.getByLabel(/^Action/).selectOption('continue');
    await panel.getByLabel(/^Engine/).selectOption('bulk-erp');
    const queue = panel.getByRole('button', { name: 'Queue' });
    assert.equal(await queue.isDisabled(), true, 'Queue waits for a preview');

    // Preview: both tenants of the engine, linked; nothing queued
    await panel.getByRole('button', { name: 'Preview' }).click();
    await panel.getByTestId('bulk-preview').getByText('2 tenants match').waitFor();
    assert.deepEqual((await listed(page, 'bulk-preview')).map(([id]) => id).sort(), [failed, done.id].sort());
    await panel.getByTestId('bulk-preview').getByRole('link', { name: 'Bulk Failed Duka' }).waitFor();
    assert.equal(await runOf(failed), failedRun, 'a preview queues nothing');
    assert.equal(await queue.isEnabled(), true);

    // a changed filter needs a new preview; Status narrows it to the FAILED tenant
    await panel.getByLabel(/^Status/).selectOption('FAILED');
    assert.equal(await queue.isDisabled(), true, 'the filter changed: preview again first');
    await panel.getByRole('button', { name: 'Preview' }).click();
    await panel.getByTestId('bulk-preview').getByText('1 tenant matches').waitFor();
    assert.deepEqual(await listed(page, 'bulk-preview'), [[failed, null]]);
    await panel.getByLabel(/^Status/).selectOption('');
    await panel.getByRole('button', { name: 'Preview' }).click();
    await panel.getByTestId('bulk-preview').getByText('2 tenants match').waitFor();

    // Cancel: nothing queued
    await queue.click();
    const dialog = page.getByRole('dialog', { name: 'Continue 2 tenants?' });
    await dialog.getByText('skipped with the reason').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await runOf(failed), failedRun, 'Cancel queues nothing');

    // Queue: the FAILED tenant continues, the COMPLETED one is skipped with INVALID_TRANSITION
    await queue.click();
    await dialog.getByRole('button', { name: 'Queue' }).click();
    const outcome = panel.getByTestId('bulk-outcome');
    await outcome.getByText(/1\s+queued,\s+1\s+skipped of 2 matched/).waitFor();
    assert.deepEqual(await listed(page, 'bulk-outcome', 'Queued'), [[failed, null]]);
    assert.deepEqual(await listed(page, 'bulk-outcome', 'Skipped'), [[done.id, 'INVALID_TRANSITION']]);
    assert.notEqual(await runOf(failed), failedRun, 'a continue was queued');
    assert.equal((await d.h.waitForStatus(failed, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
    await row(page, failed).getByText('COMPLETED', { exact: true }).waitFor();
    await d.axeClean(page, 'fleet after a bulk continue');
  });
});
