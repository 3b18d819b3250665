/**
 * The tenant page in Chromium, the parts browser.test.ts does not cover: the engine facts, the
 * logs view's filters, Skip of an optional step and Retry from a step, each enabled exactly when
 * the API allows it and confirmed first. Faults injected in the simulator put tenants in the
 * states needed; a held Company insert keeps a run active exactly as long as a check needs.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserMissing } from '../support/browser.ts';
import { eventually, startDashboard, type Dashboard } from '../support/dashboard.ts';

if (browserMissing) test('the tenant page in Chromium', { skip: browserMissing }, () => {});
else describe('the tenant page in Chromium', () => {
  let d: Dashboard;
  // a Company insert held while the page is looked at must not run out of its time budget
  before(async () => {
    d = await startDashboard({ config: { engineBudgets: { readMs: 60_000, writeMs: 60_000, companyInsertMs: 60_000 } } });
  });
  after(() => d?.close());

  /** A tenant whose run ended with `doctype` inserts refused (417), in `statuses`. */
  async function tenantFailingAt(name: string, doctype: string, statuses: string[]) {
    const { tenant } = await d.h.createTenant({ name, country_code: 'KE', provisioning: { auto_start: false } });
    d.h.simulator.sim.injectFault({ doctype, method: 'POST', status: 417, count: 100 });
    try {
      assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
      return { tenant, status: await d.h.waitForStatus(tenant.id, statuses) };
    } finally {
      d.h.simulator.sim.clearFaults();
    }
  }

  async function openTenant(page: Page, id: string, status: string) {
    await page.goto(`${d.h.api}/tenants/${id}`);
    await d.statusBadge(page, status).waitFor();
  }

  const cells = (page: Page, column: number) => page.locator('table.logs tbody tr').evaluateAll((trs, i) => trs.map((tr) => (tr.children[i] as HTMLElement).innerText.trim()), column);
  const LEVEL = 1;
  const STEP = 2;
  const EVENT = 3;

  test('engine facts: company, abbreviation, POS profile and the other records, as the engine named them', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Facts Duka', country_code: 'KE' });
    await d.h.waitForStatus(tenant.id, ['COMPLETED']);
    const facts = (await d.h.call('GET', `/api/tenants/${tenant.id}`)).body.tenant.engine_facts;
    assert.equal(facts.company, 'Facts Duka');
    assert.equal(facts.posProfile, 'Facts Duka POS');
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'COMPLETED');
    const region = page.getByRole('region', { name: 'Engine facts' });
    await region.getByText('Facts Duka POS', { exact: true }).waitFor();
    const shown = Object.fromEntries(await region.locator('dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    assert.deepEqual(
      {
        Engine: shown.Engine,
        Company: shown.Company,
        Abbreviation: shown.Abbreviation,
        'POS profile': shown['POS profile'],
        'POS session': shown['POS session'],
        'Main warehouse': shown['Main warehouse'],
        'Cash account': shown['Cash account'],
        'Cost centre': shown['Cost centre'],
        Customer: shown.Customer,
      },
      {
        Engine: 'default',
        Company: facts.company,
        Abbreviation: facts.abbr,
        'POS profile': facts.posProfile,
        'POS session': facts.posSession,
        'Main warehouse': facts.mainWarehouse,
        'Cash account': facts.cashAccount,
        'Cost centre': facts.costCenter,
        Customer: facts.customer,
      },
    );
    assert.match(facts.abbr, /^[A-Z0-9]+$/);
    assert.ok(facts.mainWarehouse.endsWith(` - ${facts.abbr}`), 'the records carry the abbreviation');
  });

  test('logs: filtered by level (at least), by step, and with the engine calls', async () => {
    const { tenant } = await tenantFailingAt('Logs Filter Duka', 'POS Profile', ['FAILED']);
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'FAILED');
    const logs = page.getByRole('region', { name: 'Logs' });
    await logs.locator('table.logs').getByText('run_finished').first().waitFor();
    const all = await cells(page, LEVEL);
    assert.ok(new Set(all).size >= 2, `several levels: ${all}`);
    assert.ok(!(await cells(page, EVENT)).includes('engine_call'), 'no engine call unless asked for');

    // level: error and above
    await logs.getByLabel('Level').selectOption('error');
    await eventually(async () => new Set(await cells(page, LEVEL)), new Set(['error']), 'only errors');
    await logs.locator('table.logs').getByText('ENGINE_VALIDATION').first().waitFor();
    // warn and above: the errors and the warnings, nothing below
    await logs.getByLabel('Level').selectOption('warn');
    await eventually(async () => (await cells(page, LEVEL)).every((l) => l === 'warn' || l === 'error') && (await cells(page, LEVEL)).includes('error'), true, 'warn and error only');
    await logs.getByLabel('Level').selectOption('');

    // step: only that step's entries
    await logs.getByLabel('Step').selectOption('step_8_pos_profile');
    await eventually(async () => [...new Set(await cells(page, STEP))], ['step_8_pos_profile'], 'only step_8');
    await logs.locator('table.logs').getByText('step_failed').first().waitFor();

    // engine calls: the requests the step made, with their answers
    await logs.getByLabel('Engine calls').check();
    await logs.locator('table.logs code', { hasText: /^POST \/api\/resource\/POS(%20| )Profile → 417/ }).first().waitFor();
    assert.ok((await cells(page, EVENT)).includes('engine_call'));
    // the API agrees on what the filters select
    const api = (await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?step=step_8_pos_profile&include_engine_calls=true&limit=1000`)).body.logs;
    await eventually(() => cells(page, EVENT), api.map((e: any) => e.type), 'the rows are the API entries');
  });

  test('Skip: offered for the optional steps only, confirmed; a PARTIAL tenant with its failed optional step skipped is COMPLETED', async () => {
    const { tenant, status } = await tenantFailingAt('Skip Session Duka', 'POS Opening Entry', ['PARTIAL', 'FAILED']);
    assert.equal(status.status, 'PARTIAL');
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'PARTIAL');
    const step9 = page.locator('ol.timeline li[data-step="step_9_pos_session"]');
    assert.equal(await step9.getAttribute('data-status'), 'failed');
    // only the optional steps have a Skip button
    const skippable = await page.locator('ol.timeline li').evaluateAll((lis) => lis.filter((li) => [...li.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Skip')).map((li) => li.getAttribute('data-step')));
    assert.deepEqual(skippable, ['step_6_items', 'step_9_pos_session']);
    const skip = page.getByRole('button', { name: 'Skip step_9_pos_session', exact: true });
    assert.equal(await skip.isEnabled(), true);

    // Cancel: nothing skipped
    await skip.click();
    const dialog = page.getByRole('dialog', { name: 'Skip step_9_pos_session?' });
    await dialog.getByText('it is optional').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body.steps.find((s: any) => s.id === 'step_9_pos_session').status, 'failed');

    await skip.click();
    await dialog.getByRole('button', { name: 'Skip step_9_pos_session' }).click();
    await d.statusBadge(page, 'COMPLETED').waitFor();
    await eventually(() => step9.getAttribute('data-status'), 'skipped', 'step_9 skipped');
    await step9.getByText('Skipped: operator').waitFor();
    await page.getByRole('region', { name: 'Logs' }).getByText('step_9_pos_session skipped by admin@moran.com').waitFor();

  });

  test('Retry from a step and Skip: disabled while a run is active (the API refuses both), Retry also before any run; Retry from a step re-runs that step and the ones after it only', async (t) => {
    const { tenant } = await d.h.createTenant({ name: 'Retry From Duka', country_code: 'KE', provisioning: { auto_start: false } });
    const page = await d.newPage();
    await d.login(page);
    await openTenant(page, tenant.id, 'NOT_STARTED');
    const retryFrom = page.getByRole('button', { name: 'Retry from step' });
    assert.equal(await retryFrom.isDisabled(), true, 'NOT_STARTED: retry is refused');

    // a run held at step_2: still disabled while it is active
    const sim = d.h.simulator.sim;
    sim.holdCompanyInserts();
    t.after(() => sim.releaseCompanyInserts());
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('dialog', { name: 'Start?' }).getByRole('button', { name: 'Start' }).click();
    await sim.companyInsertsParked(1);
    await d.statusBadge(page, 'IN_PROGRESS').waitFor();
    assert.equal(await retryFrom.isDisabled(), true, 'IN_PROGRESS: retry is refused');
    for (const name of ['Skip step_6_items', 'Skip step_9_pos_session']) assert.equal(await page.getByRole('button', { name, exact: true }).isDisabled(), true, `${name}: disabled while a run is active`);
    assert.equal((await d.h.call('POST', `/api/provisioning/tenants/${tenant.id}/skip-step`, { step: 'step_9_pos_session' })).status, 409);
    sim.releaseCompanyInserts();
    await d.statusBadge(page, 'COMPLETED').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Skip step_9_pos_session', exact: true }).isEnabled(), true, 'Skip: enabled again once the run ended');
    const before = (await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body.steps;

    await page.getByLabel('From step').selectOption('step_7_customer');
    await retryFrom.click();
    const dialog = page.getByRole('dialog', { name: 'Retry from step_7_customer?' });
    await dialog.getByText('Re-run step_7_customer and every step after it.').waitFor();
    await dialog.getByRole('button', { name: 'Retry from step_7_customer' }).click();
    await page.getByText('Retry from step_7_customer: requested').waitFor({ state: 'attached' });
    await eventually(async () => (await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body.status, 'COMPLETED', 'the retry ended');
    await d.statusBadge(page, 'COMPLETED').waitFor();
    const afterSteps = (await d.h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body.steps;
    const rerun = afterSteps.filter((s: any, i: number) => s.started_at !== before[i].started_at).map((s: any) => s.id);
    assert.deepEqual(rerun, ['step_7_customer', 'step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates']);
    await page.getByRole('region', { name: 'Run history' }).getByText(/retry/i).first().waitFor();
  });
});
