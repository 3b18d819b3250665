/**
 * The platform pages in Chromium: the users page's changes (role, disable/enable, delete, each
 * confirmed), what a platform viewer may do (look, never change), the engines' current load, and
 * the fleet table built from the tenant list alone. Waits are on page states, never sleeps.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserMissing } from '../support/browser.ts';
import { eventually, startDashboard, type Dashboard } from '../support/dashboard.ts';
import { login as apiLogin, userWithToken } from '../support/accounts.ts';

if (browserMissing) test('the platform pages in Chromium', { skip: browserMissing }, () => {});
else describe('the platform pages in Chromium', () => {
  let d: Dashboard;
  // a Company insert held while the page is looked at must not run out of its time budget
  before(async () => {
    d = await startDashboard({ config: { engineBudgets: { readMs: 60_000, writeMs: 60_000, companyInsertMs: 60_000 } } });
  });
  after(() => d?.close());

  const userRow = (page: Page, email: string) => page.locator(`tr[data-user="${email}"]`);
  const apiUser = async (email: string) => (await d.h.call('GET', '/api/users')).body.users.find((u: any) => u.email === email);

  test('users: change a role, disable and enable, delete, each after a confirmation that Cancel abandons', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Users Page Duka', country_code: 'KE', provisioning: { auto_start: false } });
    const clerk = await userWithToken(d.h, { email: 'clerk@users.duka', role: 'tenant_user', tenant_id: tenant.id });
    const page = await d.newPage();
    await d.login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    const row = userRow(page, 'clerk@users.duka');
    await row.getByText('tenant_user', { exact: true }).waitFor();
    await row.getByText('Active', { exact: true }).waitFor();

    // change role: tenant_user → tenant_admin (the tenant stays)
    await row.getByRole('button', { name: 'Change role of clerk@users.duka' }).click();
    let dialog = page.getByRole('dialog', { name: 'Change role of clerk@users.duka?' });
    await dialog.getByLabel('New role').selectOption('tenant_admin');
    assert.equal(await dialog.getByLabel('Tenant id').inputValue(), tenant.id);
    await dialog.getByRole('button', { name: 'Change role' }).click();
    await row.getByText('tenant_admin', { exact: true }).waitFor();
    assert.equal((await apiUser('clerk@users.duka')).role, 'tenant_admin');
    await page.getByRole('status').getByText('clerk@users.duka is now tenant_admin').waitFor({ state: 'attached' });
    // …and to a platform role: the tenant field goes, the tenant is dropped
    await row.getByRole('button', { name: 'Change role of clerk@users.duka' }).click();
    dialog = page.getByRole('dialog', { name: 'Change role of clerk@users.duka?' });
    await dialog.getByLabel('New role').selectOption('platform_viewer');
    assert.equal(await dialog.getByLabel('Tenant id').count(), 0);
    await dialog.getByRole('button', { name: 'Change role' }).click();
    await row.getByText('platform_viewer', { exact: true }).waitFor();
    assert.deepEqual(await apiUser('clerk@users.duka').then((u) => [u.role, u.tenant_id]), ['platform_viewer', null]);

    // disable: Cancel changes nothing; confirmed, the account may no longer log in
    await row.getByRole('button', { name: 'Disable clerk@users.duka' }).click();
    dialog = page.getByRole('dialog', { name: 'Disable clerk@users.duka?' });
    await dialog.getByText('can no longer log in').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await apiUser('clerk@users.duka')).disabled, false);
    await row.getByRole('button', { name: 'Disable clerk@users.duka' }).click();
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled', { exact: true }).waitFor();
    assert.equal((await apiUser('clerk@users.duka')).disabled, true);
    assert.equal((await apiLogin(d.h.api, 'clerk@users.duka', clerk.password)).body.code, 'ACCOUNT_DISABLED');

    // enable: it logs in again
    await row.getByRole('button', { name: 'Enable clerk@users.duka' }).click();
    await page.getByRole('dialog', { name: 'Enable clerk@users.duka?' }).getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Active', { exact: true }).waitFor();
    assert.equal((await apiLogin(d.h.api, 'clerk@users.duka', clerk.password)).status, 200);

    // delete: Escape abandons it; confirmed, the row and the account are gone
    await row.getByRole('button', { name: 'Delete clerk@users.duka' }).click();
    dialog = page.getByRole('dialog', { name: 'Delete clerk@users.duka?' });
    await dialog.getByText('removed for good').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(await apiUser('clerk@users.duka'));
    await row.getByRole('button', { name: 'Delete clerk@users.duka' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await apiUser('clerk@users.duka'), undefined);
    await d.axeClean(page, 'users page after the changes');
  });

  test('users: what the API refuses (the last platform admin) shows its code and hint, and nothing changes', async () => {
    const page = await d.newPage();
    await d.login(page);
    await page.goto(`${d.h.api}/users`);
    const me = userRow(page, 'admin@moran.com');
    await me.getByRole('button', { name: 'Delete admin@moran.com' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete admin@moran.com?' });
    await dialog.getByText('This is your own account').waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('LAST_PLATFORM_ADMIN').waitFor();
    await me.waitFor();
    assert.equal((await apiUser('admin@moran.com')).role, 'platform_admin');
  });

  test('a platform viewer sees the fleet, tenants, engines and users, and no change the API would refuse is offered', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Viewer Failed Duka', country_code: 'KE', provisioning: { auto_start: false } });
    d.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 });
    try {
      assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
      await d.h.waitForStatus(tenant.id, ['FAILED']);
    } finally {
      d.h.simulator.sim.clearFaults();
    }
    const viewer = await userWithToken(d.h, { email: 'viewer@platform.duka', role: 'platform_viewer' });
    const page = await d.newPage();
    await d.login(page, 'viewer@platform.duka', viewer.password);

    // fleet: every tenant, the charts, no "New tenant"
    await page.locator(`tr[data-tenant="${tenant.id}"]`).getByText('ENGINE_VALIDATION').waitFor();
    await page.getByRole('heading', { name: 'Failures by step and code' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'New tenant' }).count(), 0);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Engines' }).waitFor();
    await nav.getByRole('link', { name: 'Users' }).waitFor();

    // a FAILED tenant: the API would refuse the viewer every operation, so none is enabled
    await page.locator(`tr[data-tenant="${tenant.id}"]`).getByRole('link', { name: 'Viewer Failed Duka' }).click();
    await d.statusBadge(page, 'FAILED').waitFor();
    await page.getByRole('region', { name: 'Errors' }).getByText('ENGINE_VALIDATION').waitFor();
    for (const name of ['Start', 'Continue', 'Retry all', 'Retry from step', 'Skip step_6_items', 'Skip step_9_pos_session']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).isDisabled(), true, `${name} is disabled`);
    }
    await page.getByText('Your role may look but not change provisioning.').waitFor();
    // the engine facts and logs are there to read
    await page.getByRole('region', { name: 'Engine facts' }).getByText('Viewer Failed Duka', { exact: true }).waitFor();
    await page.locator('table.logs').getByText('step_failed').first().waitFor();
    // and the API agrees: the viewer may not continue
    assert.equal((await fetch(`${d.h.api}/api/provisioning/tenants/${tenant.id}/continue`, { method: 'POST', headers: { authorization: `Bearer ${viewer.token}` } })).status, 403);

    // engines: health and load; "Check again" is a read the API allows the viewer
    await nav.getByRole('link', { name: 'Engines' }).click();
    const engine = page.locator('[data-engine="default"]');
    await engine.getByText('Healthy').waitFor();
    await engine.getByTestId('load').getByText(/in flight of \d+ allowed/).waitFor();
    assert.equal(await engine.getByRole('button', { name: 'Check again' }).isEnabled(), true);

    // users: the list, read-only
    await nav.getByRole('link', { name: 'Users' }).click();
    await userRow(page, 'admin@moran.com').getByText('platform_admin', { exact: true }).waitFor();
    await page.getByText('Your role may look but not change users.').waitFor();
    assert.equal(await page.getByRole('region', { name: 'Add a user' }).count(), 0);
    assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).count(), 0);
    for (const name of [/^Change role/, /^Disable/, /^Enable/, /^Delete/]) assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
    await d.axeClean(page, 'users page (platform viewer)');
  });

  test('engines: the current load is the requests in flight across the fleet against the limit, kept up to date', async (t) => {
    const sim = d.h.simulator.sim;
    sim.holdCompanyInserts();
    t.after(() => sim.releaseCompanyInserts());
    const { tenant } = await d.h.createTenant({ name: 'Load Held Duka', country_code: 'KE' });
    await sim.companyInsertsParked(1);
    const page = await d.newPage();
    await d.login(page);
    await page.goto(`${d.h.api}/engines`);
    const load = page.locator('[data-engine="default"]').getByTestId('load');
    // the limit is 8 unless slow answers on a loaded machine lowered it for a while
    await load.getByText(/^1 in flight of [1-8] allowed$/).waitFor();
    await page.locator('[data-engine="default"]').getByText('1 provisioning').waitFor();
    sim.releaseCompanyInserts();
    await d.h.waitForStatus(tenant.id, ['COMPLETED']);
    // no reload: the page reads the load again by itself
    await load.getByText(/^0 in flight of [1-8] allowed$/).waitFor();
  });

  test('fleet: one tenant list request per refresh, no status request per row, the last error code all the same', async () => {
    const { tenant } = await d.h.createTenant({ name: 'One Request Duka', country_code: 'KE', provisioning: { auto_start: false } });
    d.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 });
    try {
      assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
      await d.h.waitForStatus(tenant.id, ['FAILED']);
    } finally {
      d.h.simulator.sim.clearFaults();
    }
    const page = await d.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await d.login(page);
    const row = page.locator(`tr[data-tenant="${tenant.id}"]`);
    await row.getByText('ENGINE_VALIDATION').waitFor();
    // the search finds it by its code too
    await page.getByLabel('Search').fill('ENGINE_VALIDATION');
    await eventually(() => page.locator('table.tenants tbody tr[data-tenant]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-tenant'))).then((ids) => ids.includes(tenant.id)), true, 'the row found by its code');
    const tenants = (await d.h.call('GET', '/api/tenants')).body.tenants.length;
    assert.ok(tenants >= 2, `tenants: ${tenants}`);
    assert.deepEqual(
      requests.filter((p) => /^\/api\/provisioning\/tenants\/[^/]+\/status$/.test(p)),
      [],
      'the fleet asks for no tenant status',
    );
    assert.ok(requests.includes('/api/tenants'));
  });
});
