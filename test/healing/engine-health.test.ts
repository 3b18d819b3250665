import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWorker } from '../support/workers.ts';

// Common issue 5: "Engine health check failed" at step_0_engine_check.
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const SESSION_STOPPED = {
  exc_type: 'SessionStopped',
  exception: 'frappe.exceptions.SessionStopped: The system is being updated. Please refresh again after a few moments.',
  _server_messages: JSON.stringify([JSON.stringify({ message: 'The system is being updated. Please refresh again after a few moments.' })]),
};

async function runsOf(tenantId: string): Promise<number> {
  const { rows } = await h.provisioner.db.pool.query('select count(*)::int as n from onboarding.provisioning_runs where tenant_id = $1', [tenantId]);
  return rows[0].n;
}

test('a tenant created while the engine is down stays NOT_STARTED with a message saying why', async () => {
  h.simulator.sim.setDown(true);
  try {
    const created = await h.createTenant({ name: 'Down At Birth', country_code: 'KE' });
    assert.equal(created.provisioning.status, 'NOT_STARTED');
    assert.match(created.provisioning.message, /Engine health check failed: unreachable/);
    assert.match(created.provisioning.message, /Start/);
    assert.equal(await runsOf(created.tenant.id), 0);
  } finally {
    h.simulator.sim.setDown(false);
  }
});

test('start or continue while the engine is down answers 503 with the cause and starts nothing', async () => {
  const { tenant } = await h.createTenant({ name: 'Down Later', country_code: 'KE', provisioning: { auto_start: false } });
  h.simulator.sim.setDown(true);
  try {
    const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'ENGINE_UNAVAILABLE');
    assert.match(res.body.detail, /^Engine health check failed: unreachable/);
    assert.match(res.body.hint, /Continue|running/);
    assert.equal(await runsOf(tenant.id), 0);
    const status = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`);
    assert.equal(status.body.status, 'NOT_STARTED');
    const logs = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?level=warn`);
    assert.ok(logs.body.logs.some((l: any) => l.type === 'run_refused' && l.code === 'ENGINE_UNAVAILABLE'));
  } finally {
    h.simulator.sim.setDown(false);
  }
  const started = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
  assert.equal(started.status, 202);
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
});

test('an engine that goes down mid-run fails the run with the cause; continue after it is back completes', async () => {
  const { tenant } = await h.createTenant({ name: 'Mid Run Outage', country_code: 'KE', provisioning: { auto_start: false } });
  h.simulator.sim.injectFault({ doctype: 'Warehouse', method: 'GET', status: 502, count: 1000 });
  const start = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
  assert.equal(start.status, 202);
  const partial = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  const warehouses = partial.steps.find((s: any) => s.id === 'step_4_warehouses');
  assert.equal(warehouses.status, 'failed');
  assert.equal(warehouses.code, 'ENGINE_UNAVAILABLE');
  assert.equal(warehouses.attempts, 3, 'transient errors are retried before the step fails');
  h.simulator.sim.clearFaults();
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`);
  assert.equal(res.status, 202);
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('the causes are told apart: bad credentials, not ERPNext, updating, timed out', async () => {
  const register = (id: string, base_url: string, api_secret = h.simulator.apiSecret) =>
    h.call('POST', '/api/engines', { id, kind: 'erpnext', base_url, api_key: h.simulator.apiKey, api_secret });
  assert.equal((await register('bad-secret', h.simulator.url, 'wrong-secret')).status, 201);
  assert.equal((await register('not-erpnext', h.api)).status, 201);

  const health = async (id: string) => (await h.call('POST', `/api/engines/${id}/health`)).body.health;
  const auth = await health('bad-secret');
  assert.equal(auth.code, 'ENGINE_AUTH_FAILED');
  assert.equal(auth.reachable, true);
  assert.ok(!JSON.stringify(auth).includes('wrong-secret'), 'the secret is never shown');
  assert.equal((await health('not-erpnext')).code, 'ENGINE_NOT_ERPNEXT');

  const created = await h.createTenant({ name: 'Bad Creds Shop', country_code: 'KE', engine_id: 'bad-secret' });
  assert.equal(created.provisioning.status, 'NOT_STARTED');
  assert.match(created.provisioning.message, /Engine health check failed: Engine rejected the credentials/);

  h.simulator.sim.injectFault({ path: 'ping', status: 503, count: 1, body: SESSION_STOPPED });
  const updating = await health('default');
  assert.equal(updating.code, 'ENGINE_UPDATING');

  h.simulator.sim.injectLatency(2_500);
  try {
    const slow = await health('default');
    assert.equal(slow.code, 'ENGINE_TIMEOUT');
    assert.equal(slow.reachable, false);
  } finally {
    h.simulator.sim.injectLatency(0);
  }
});

// last: it stops the harness's own worker
test('step_0 retries a transient engine failure with backoff before going on', async () => {
  const { tenant } = await h.createTenant({ name: 'Blip Shop', country_code: 'KE', provisioning: { auto_start: false } });
  // the run is queued (the preflight check passes) while no worker runs; then the engine blips
  await h.provisioner.worker!.stop();
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
  h.simulator.sim.injectFault({ path: 'frappe.auth.get_logged_user', status: 503, count: 2 });
  const w = startWorker(h);
  try {
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(status.steps.find((s: any) => s.id === 'step_0_engine_check').attempts, 3);
  } finally {
    await w.stop();
  }
});
