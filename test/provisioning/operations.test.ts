import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resource } from '../support/engine-proxy.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ proxy: true });
});
after(() => h.close());

test('a tenant created with auto_start=false is NOT_STARTED, and start provisions it', async () => {
  const { tenant, provisioning } = await h.createTenant({ name: 'Later Shop', country_code: 'KE', provisioning: { auto_start: false } });
  assert.equal(provisioning.status, 'NOT_STARTED');
  const cont = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`);
  assert.equal(cont.status, 409);
  assert.equal(cont.body.code, 'INVALID_TRANSITION');
  const start = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`, { include_demo_data: false, pos_store_enabled: true, country_template: null });
  assert.equal(start.status, 202, JSON.stringify(start.body));
  assert.equal(start.body.run.kind, 'start');
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
});

test('start on a started tenant is a 409', async () => {
  const { tenant } = await h.createTenant({ name: 'Started Shop', country_code: 'KE' });
  const again = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
  assert.equal(again.status, 409);
  assert.match(again.headers.get('content-type')!, /application\/problem\+json/);
  assert.ok(['RUN_ACTIVE', 'INVALID_TRANSITION'].includes(again.body.code));
  await h.waitForStatus(tenant.id, ['COMPLETED']);
  const afterDone = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
  assert.equal(afterDone.status, 409);
  assert.equal(afterDone.body.code, 'INVALID_TRANSITION');
});

test('an active run refuses a second one with 409 and names the active run', async () => {
  const { tenant } = await h.createTenant({ name: 'Busy Shop', country_code: 'KE' });
  await h.waitForStatus(tenant.id, ['COMPLETED']);
  const companyRead = h.proxy!.hold(resource('GET', 'Company')); // the retry stays in flight until released
  try {
    const first = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`);
    assert.equal(first.status, 202);
    await companyRead.arrived;
    const second = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`);
    assert.equal(second.status, 409);
    assert.equal(second.body.code, 'RUN_ACTIVE');
    assert.equal(second.body.active_run_id, first.body.run.id);
  } finally {
    companyRead.release();
  }
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED'], 30_000)).status, 'COMPLETED');
});

test('concurrent retries of one tenant yield exactly one run', async () => {
  const { tenant } = await h.createTenant({ name: 'Race Shop', country_code: 'KE' });
  await h.waitForStatus(tenant.id, ['COMPLETED']);
  const answers = await Promise.all(Array.from({ length: 20 }, () => h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`)));
  assert.equal(answers.filter((a) => a.status === 202).length, 1);
  assert.ok(answers.every((a) => a.status === 202 || a.status === 409));
  await h.waitForStatus(tenant.id, ['COMPLETED']);
});

test('the same Idempotency-Key returns the same run', async () => {
  const { tenant } = await h.createTenant({ name: 'Key Shop', country_code: 'KE' });
  await h.waitForStatus(tenant.id, ['COMPLETED']);
  const a = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`, undefined, { 'idempotency-key': 'k-1' });
  const b = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`, undefined, { 'idempotency-key': 'k-1' });
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  assert.equal(a.body.run.id, b.body.run.id);
  await h.waitForStatus(tenant.id, ['COMPLETED']);
});

test('skip-step skips an optional step only', async () => {
  h.simulator.sim.injectFault({ doctype: 'POS Opening Entry', method: 'POST', status: 417, count: 1 });
  const { tenant } = await h.createTenant({ name: 'Skip Shop', country_code: 'KE' });
  const partial = await h.waitForStatus(tenant.id, ['PARTIAL', 'FAILED', 'COMPLETED']);
  assert.equal(partial.status, 'PARTIAL');
  const bad = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/skip-step`, { step: 'step_2_company' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'STEP_NOT_SKIPPABLE');
  const ok = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/skip-step`, { step: 'step_9_pos_session' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.status, 'COMPLETED');
  assert.equal(ok.body.steps.find((s: any) => s.id === 'step_9_pos_session').skip_reason, 'operator');
});

test('the tenant list carries each tenant\'s status and filters by it', async () => {
  const all = await h.call('GET', '/api/tenants');
  assert.equal(all.status, 200);
  assert.ok(all.body.tenants.length >= 1);
  const completed = await h.call('GET', '/api/tenants?status=COMPLETED');
  assert.ok(completed.body.tenants.every((t: any) => t.status === 'COMPLETED'));
});
