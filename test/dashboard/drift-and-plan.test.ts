/**
 * The tenant page's drift check, heal and plan in Chromium: Verify (COMPLETED tenants) shows
 * what drifted, Heal (drifted tenants, confirmed) retries from the first broken step, and the plan
 * of a run lists its operations before the operator presses it. Drift is made in the simulator
 * (a warehouse deleted behind Provisioner's back), a FAILED tenant by an injected fault.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserMissing } from '../support/browser.ts';
import { eventually, startDashboard, type Dashboard } from '../support/dashboard.ts';
import { callAs, userWithToken } from '../support/accounts.ts';

if (browserMissing) test('drift and plan on the tenant page in Chromium', { skip: browserMissing }, () => {});
else describe('drift and plan on the tenant page in Chromium', () => {
  let d: Dashboard;
  before(async () => {
    d = await startDashboard();
  });
  after(() => d?.close());

  async function openTenant(page: Page, id: string, status: string) {
    await page.goto(`${d.h.api}/tenants/${id}`);
    await d.statusBadge(page, status).waitFor();
  }
  const writes = () => d.h.simulator.sim.calls().filter((c) => c.method !== 'GET');
  const apiStatus = async (id: string) => (await d.h.call('GET', `/api/provisioning/tenants/${id}/status`)).body;

  test('Verify finds a warehouse deleted in the engine and shows the finding; Heal, confirmed, retries from its step and the flag clears', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Heal Page Duka', country_code: 'KE' });
    const status = await d.h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED');
    const warehouse = `POS Store - ${status.engine.abbr}`;
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'COMPLETED');
    const drift = page.getByRole('region', { name: 'Drift' });
    const verify = drift.getByRole('button', { name: 'Verify' });
    const heal = drift.getByRole('button', { name: 'Heal' });
    assert.equal(await verify.isEnabled(), true, 'a COMPLETED tenant may be verified');
    assert.equal(await heal.isDisabled(), true, 'no drift: nothing to heal');

    assert.equal((await d.h.erp('DELETE', `/api/resource/Warehouse/${encodeURIComponent(warehouse)}`)).status, 202);
    d.h.simulator.sim.clearCalls();
    await verify.click();
    const state = drift.getByTestId('drift-state');
    await state.getByText('DRIFTED', { exact: true }).waitFor();
    await state.getByText('step_4_warehouses').waitFor();
    const finding = drift.locator('ul.findings li[data-step="step_4_warehouses"]');
    await finding.getByText(warehouse, { exact: true }).waitFor();
    await finding.getByText('Warehouse', { exact: true }).waitFor();
    assert.deepEqual(writes(), [], 'verify reads only');
    await page.locator('.page-head').getByText('DRIFTED', { exact: true }).waitFor();
    assert.equal(await heal.isEnabled(), true, 'drifted: Heal is offered');
    await d.axeClean(page, 'tenant page with drift');

    // Cancel: no run
    await heal.click();
    const dialog = page.getByRole('dialog', { name: 'Heal?' });
    await dialog.getByText('Retry from step_4_warehouses').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const unchanged = await apiStatus(tenant.id);
    assert.deepEqual([unchanged.run.id, unchanged.drift.drifted], [status.run.id, true], 'Cancel heals nothing');

    await heal.click();
    await dialog.getByRole('button', { name: 'Heal' }).click();
    await eventually(async () => (await apiStatus(tenant.id)).run.id !== status.run.id, true, 'a heal run');
    assert.equal((await d.h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
    await state.getByText('No drift').waitFor();
    assert.equal(await page.locator('.page-head').getByText('DRIFTED', { exact: true }).count(), 0);
    assert.ok(d.h.simulator.sim.get('Warehouse', warehouse), 'the warehouse exists again');
    const healed = await apiStatus(tenant.id);
    assert.deepEqual([healed.run.kind, healed.drift.drifted], ['retry', false]);
  });

  test('Verify is offered for COMPLETED tenants only, and neither Verify nor Heal to a platform viewer', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Unverified Duka', country_code: 'KE', provisioning: { auto_start: false } });
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'NOT_STARTED');
    const drift = page.getByRole('region', { name: 'Drift' });
    await drift.getByText('Not verified yet.').waitFor();
    assert.equal(await drift.getByRole('button', { name: 'Verify' }).isDisabled(), true);
    assert.equal(await drift.getByRole('button', { name: 'Heal' }).isDisabled(), true);

    // a viewer on a COMPLETED tenant: the API would refuse both (403)
    const { tenant: done } = await d.h.createTenant({ name: 'Viewed Completed Duka', country_code: 'KE' });
    await d.h.waitForStatus(done.id, ['COMPLETED']);
    const viewer = await userWithToken(d.h, { email: 'viewer@drift.duka', role: 'platform_viewer' });
    assert.equal((await callAs(d.h, viewer.token, 'POST', `/api/provisioning/tenants/${done.id}/verify`)).status, 403);
    const viewing = await d.newPage();
    await d.login(viewing, 'viewer@drift.duka', viewer.password);
    await openTenant(viewing, done.id, 'COMPLETED');
    const viewed = viewing.getByRole('region', { name: 'Drift' });
    assert.equal(await viewed.getByRole('button', { name: 'Verify' }).isDisabled(), true);
    assert.equal(await viewed.getByRole('button', { name: 'Heal' }).isDisabled(), true);
    // the plan is a read: a viewer may look
    assert.equal(await viewing.getByRole('region', { name: 'Plan' }).getByRole('button', { name: 'Show plan' }).isEnabled(), true);
  });

  test('the plan of a Continue lists its operations (step, action, doctype, name) as the API plans them, before Continue is pressed, and writes nothing', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Plan Page Duka', country_code: 'KE', provisioning: { auto_start: false, auto_continue: false } });
    d.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 });
    try {
      assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
      assert.equal((await d.h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED'])).status, 'FAILED');
    } finally {
      d.h.simulator.sim.clearFaults();
    }
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'FAILED');
    const plan = page.getByRole('region', { name: 'Plan' });
    const kinds = await plan.getByLabel(/^Run to plan/).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(kinds, ['continue', 'retry'], 'the runs a FAILED tenant allows');

    d.h.simulator.sim.clearCalls();
    await plan.getByLabel(/^Run to plan/).selectOption('continue');
    await plan.getByRole('button', { name: 'Show plan' }).click();
    await plan.getByTestId('plan').getByText(/^continue: \d+ step\(s\)/).waitFor();
    const rows = await plan.locator('table.plan-operations tbody tr[data-action]').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.trim())));
    const expected = (await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/plan?kind=continue`)).body;
    assert.deepEqual(
      rows,
      expected.operations.map((o: any) => [o.step, o.action, o.doctype ?? '—', o.name ?? '—', o.detail ?? '']),
    );
    assert.ok(rows.some(([step, action, doctype]) => step === 'step_8_pos_profile' && action === 'create' && doctype === 'POS Profile'), `the POS Profile to create: ${JSON.stringify(rows)}`);
    assert.deepEqual(writes(), [], 'a plan writes nothing');
    assert.equal((await apiStatus(tenant.id)).status, 'FAILED', 'and runs nothing');

    // Retry from a step: the plan starts there
    await plan.getByLabel(/^Run to plan/).selectOption('retry');
    await plan.getByLabel(/^Retry starting at/).selectOption('step_7_customer');
    await plan.getByRole('button', { name: 'Show plan' }).click();
    await plan.getByTestId('plan').getByText(/^retry: 4 step\(s\)/).waitFor();
    const steps = await plan.locator('table.plan-operations tbody tr[data-action] > :first-child').evaluateAll((cells) => [...new Set(cells.map((c) => (c as HTMLElement).innerText.trim()))]);
    assert.equal(steps[0], 'step_7_customer');
    await d.axeClean(page, 'tenant page with a plan');

    // the run pressed after it: the plan, read before, is taken away rather than left stale
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('dialog', { name: 'Continue?' }).getByRole('button', { name: 'Continue' }).click();
    await plan.getByTestId('plan').waitFor({ state: 'detached' });
    assert.equal((await d.h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  });

  test('a plan the API refuses shows its code and hint, as the other errors do', async () => {
    const engine = { id: 'wrong-key', kind: 'erpnext', base_url: d.h.simulator.url, api_key: d.h.simulator.apiKey, api_secret: 'not-the-secret' };
    assert.equal((await d.h.call('POST', '/api/engines', engine)).status, 201);
    const { tenant } = await d.h.createTenant({ name: 'Refused Plan Duka', country_code: 'KE', engine_id: 'wrong-key', provisioning: { auto_start: false } });
    const refused = await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/plan?kind=start`);
    assert.equal(refused.status >= 400, true);
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'NOT_STARTED');
    const plan = page.getByRole('region', { name: 'Plan' });
    assert.deepEqual(await plan.getByLabel(/^Run to plan/).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['start']);
    await plan.getByRole('button', { name: 'Show plan' }).click();
    const alert = plan.getByRole('alert');
    await alert.getByText(refused.body.code, { exact: true }).waitFor();
    await alert.getByText(refused.body.hint).waitFor();
  });
});
