import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** Documents per doctype, to compare before and after re-running steps. */
function census(h: Harness): Record<string, number> {
  const doctypes = ['Company', 'Account', 'Cost Center', 'Warehouse', 'Mode of Payment', 'Customer', 'Item', 'Item Price', 'POS Profile', 'POS Opening Entry', 'UOM', 'Customer Group', 'Territory', 'Price List', 'Item Group'];
  return Object.fromEntries(doctypes.map((d) => [d, h.simulator.sim.count(d)]));
}

test('retry re-runs every step and creates nothing new in the engine', async () => {
  const { tenant } = await h.createTenant({ name: 'Twice Shop', country_code: 'KE', provisioning: { include_demo_data: true } });
  await h.waitForStatus(tenant.id, ['COMPLETED']);
  const before = census(h);

  for (let i = 0; i < 2; i++) {
    const retry = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`);
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal(retry.body.run.plan.length, 11);
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  }
  assert.deepEqual(census(h), before);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('retry from a step re-runs that step and the ones after it only', async () => {
  const { tenant } = await h.createTenant({ name: 'From Step Shop', country_code: 'KE' });
  const first = await h.waitForStatus(tenant.id, ['COMPLETED']);
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`, { step: 'step_8_pos_profile' });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body.run.plan, ['step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates']);
  const second = await h.waitForStatus(tenant.id, ['COMPLETED']);
  const started = (s: any, id: string) => s.steps.find((x: any) => x.id === id).started_at;
  assert.equal(started(second, 'step_2_company'), started(first, 'step_2_company'));
  assert.notEqual(started(second, 'step_8_pos_profile'), started(first, 'step_8_pos_profile'));
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a write whose response was lost is found by reading, not repeated', async () => {
  h.simulator.sim.injectLostResponse({ doctype: 'Customer', method: 'POST', count: 1 });
  h.simulator.sim.injectLostResponse({ doctype: 'POS Opening Entry', method: 'POST', count: 1 });
  const { tenant } = await h.createTenant({ name: 'Lost Answer Shop', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  const customer = status.steps.find((s: any) => s.id === 'step_7_customer');
  assert.equal(customer.attempts, 2);
  const abbr = status.engine.abbr;
  assert.equal(h.simulator.sim.list('Customer').filter((c: any) => String(c.customer_name) === `Walk-in Customer - ${abbr}`).length, 1);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});
