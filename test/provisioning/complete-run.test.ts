import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('a tenant created with defaults reaches COMPLETED', async () => {
  const created = await h.createTenant({ name: 'Acme Coffee', country_code: 'KE' });
  assert.equal(created.tenant.name, 'Acme Coffee');
  assert.equal(created.tenant.currency, 'KES');
  const status = await h.waitForStatus(created.tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.equal(status.total_steps, 11);
  assert.equal(status.progress, 100);
  assert.equal(status.current_step, null);
  assert.equal(status.errors.length, 0);
  assert.ok(status.completed_at);

  const abbr = status.engine.abbr;
  assert.equal(abbr, 'AC');
  const sim = h.simulator.sim;
  assert.ok(sim.get('Company', 'Acme Coffee'));
  assert.ok(sim.get('Warehouse', `Main Store - ${abbr}`));
  assert.ok(sim.get('Warehouse', `POS Store - ${abbr}`));
  const profile = sim.get('POS Profile', 'Acme Coffee POS') as any;
  assert.equal(profile.warehouse, `Main Store - ${abbr}`);
  assert.deepEqual(profile.payments.map((p: any) => p.mode_of_payment), ['Cash', 'M-Pesa']);
  const mpesa = sim.get('Mode of Payment', 'M-Pesa') as any;
  assert.ok(mpesa.accounts.some((r: any) => r.company === 'Acme Coffee' && r.default_account === `M-Pesa - ${abbr}`));
  const sessions = sim.list('POS Opening Entry').filter((d: any) => d.pos_profile === 'Acme Coffee POS');
  assert.equal(sessions.length, 1);
  assert.equal((sessions[0] as any).docstatus, 1);
  assert.deepEqual(sim.duplicates(), []);
});

test('without demo data step_6_items is skipped by choice and the status is still COMPLETED', async () => {
  const created = await h.createTenant({ name: 'Bakery Two', country_code: 'UG', provisioning: { include_demo_data: false } });
  const status = await h.waitForStatus(created.tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
  assert.equal(status.status, 'COMPLETED');
  const items = status.steps.find((s: any) => s.id === 'step_6_items');
  assert.equal(items.status, 'skipped');
  assert.equal(items.skip_reason, 'config');
  assert.equal(status.steps_completed, 10);
  assert.equal(status.progress, 100);
});

test('with demo data the items get codes unique to the tenant and a selling price', async () => {
  const created = await h.createTenant({ name: 'Cafe Three', country_code: 'TZ', provisioning: { include_demo_data: true } });
  const status = await h.waitForStatus(created.tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.equal(status.steps_completed, 11);
  const abbr = status.engine.abbr;
  const items = h.simulator.sim.list('Item').filter((i: any) => String(i.name).startsWith(`${abbr}-`));
  assert.equal(items.length, 5);
  const prices = h.simulator.sim.list('Item Price').filter((p: any) => String(p.item_code).startsWith(`${abbr}-`));
  assert.equal(prices.length, 5);
});

test('the logs tell every step transition in order', async () => {
  const created = await h.createTenant({ name: 'Logs Shop', country_code: 'RW' });
  await h.waitForStatus(created.tenant.id, ['COMPLETED']);
  const { status, body } = await h.call('GET', `/api/provisioning/tenants/${created.tenant.id}/logs`);
  assert.equal(status, 200);
  const completed = body.logs.filter((l: any) => l.type === 'step_completed').map((l: any) => l.step);
  assert.deepEqual(completed, ['step_0_engine_check', 'step_1_platform_setup', 'step_2_company', 'step_3_chart_of_accounts', 'step_4_warehouses', 'step_5_settings', 'step_7_customer', 'step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates']);
  for (const l of body.logs) {
    assert.ok(l.ts && l.message && l.level, JSON.stringify(l));
  }
  const finished = body.logs.at(-1);
  assert.equal(finished.type, 'run_finished');
  assert.equal(finished.status, 'COMPLETED');
  const onlyStep = await h.call('GET', `/api/provisioning/tenants/${created.tenant.id}/logs?step=step_2_company`);
  assert.ok(onlyStep.body.logs.length > 0 && onlyStep.body.logs.every((l: any) => l.step === 'step_2_company'));
});
