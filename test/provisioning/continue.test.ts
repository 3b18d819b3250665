import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const step = (status: any, id: string) => status.steps.find((s: any) => s.id === id);

test('a critical step that fails stops the run: FAILED, with the error, code and hint', async () => {
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 10 });
  const { tenant } = await h.createTenant({ name: 'Broken Profile Shop', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
  h.simulator.sim.clearFaults();
  assert.equal(status.status, 'FAILED');
  assert.equal(status.current_step, 'step_8_pos_profile');
  assert.equal(status.errors.length, 1);
  assert.equal(status.errors[0].step, 'step_8_pos_profile');
  assert.equal(status.errors[0].code, 'ENGINE_ERROR');
  assert.match(status.errors[0].hint, /Continue/);
  assert.equal(step(status, 'step_9_pos_session').status, 'pending');
  assert.equal(status.steps_completed, 7); // step_0..step_7 less step_6, skipped by choice
  assert.equal(status.progress, Math.round((100 * 8) / 11));
});

test('continue keeps completed steps and resumes at the first failed one', async () => {
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 10 });
  const { tenant } = await h.createTenant({ name: 'Resume Shop', country_code: 'KE' });
  const failed = await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
  assert.equal(failed.status, 'FAILED');
  h.simulator.sim.clearFaults();
  const companiesBefore = h.simulator.sim.count('Company');

  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`, undefined, { 'content-type': 'application/json' });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.deepEqual(res.body.run.plan, ['step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates']);
  const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
  for (const id of ['step_0_engine_check', 'step_2_company', 'step_7_customer']) {
    assert.equal(step(done, id).started_at, step(failed, id).started_at, `${id} was run again`);
    assert.equal(step(done, id).attempts, step(failed, id).attempts);
  }
  assert.equal(h.simulator.sim.count('Company'), companiesBefore);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a failed non-critical step leaves PARTIAL and continue completes it', async () => {
  h.simulator.sim.injectFault({ doctype: 'Customer', method: 'POST', status: 417, count: 1, body: { exc_type: 'ValidationError', exception: 'frappe.exceptions.ValidationError: Customer rejected for the test' } });
  const { tenant } = await h.createTenant({ name: 'Partial Shop', country_code: 'KE' });
  const partial = await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
  assert.equal(partial.status, 'PARTIAL');
  assert.equal(step(partial, 'step_7_customer').status, 'failed');
  assert.equal(step(partial, 'step_7_customer').code, 'ENGINE_VALIDATION');
  assert.equal(step(partial, 'step_10_post_sale_updates').status, 'completed');
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`);
  assert.equal(res.status, 202);
  assert.deepEqual(res.body.run.plan, ['step_7_customer', 'step_10_post_sale_updates']);
  const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
});

test('transient engine errors are retried inside the step', async () => {
  h.simulator.sim.injectFault({ doctype: 'Warehouse', method: 'POST', status: 503, count: 2 });
  const { tenant } = await h.createTenant({ name: 'Flaky Engine Shop', country_code: 'KE' });
  const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
  assert.equal(step(done, 'step_4_warehouses').attempts, 3);
  const logs = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?step=step_4_warehouses&level=warn`);
  assert.equal(logs.body.logs.filter((l: any) => l.type === 'step_retrying').length, 2);
  assert.equal(logs.body.logs[0].code, 'ENGINE_UNAVAILABLE');
});
