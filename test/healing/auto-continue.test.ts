import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { resource } from '../support/engine-proxy.ts';

// Issue 12: a tenant that failed for a transient cause is continued without an operator once its
// engine answers again; permanent causes, opted-out tenants and the daily limit wait for one.
let h: Harness;
before(async () => {
  h = await startHarness({ proxy: true, config: { autoContinue: { enabled: true, maxPerDay: 2, backoffMs: 100, maxBackoffMs: 1_000, intervalMs: 100 } } });
});
after(() => h.close());

const anHourFromNow = () => new Date(Date.now() + 3_600_000);

async function logsOf(tenantId: string): Promise<any[]> {
  return (await h.call('GET', `/api/provisioning/tenants/${tenantId}/logs?limit=1000`)).body.logs;
}

async function autoRuns(tenantId: string): Promise<number> {
  const { rows } = await h.provisioner.db.pool.query(`select count(*)::int as n from onboarding.provisioning_runs where tenant_id = $1 and requested_by = 'auto-continue'`, [tenantId]);
  return rows[0].n;
}

/** Waits until the tenant's logs hold an event of this type. */
async function waitForEvent(tenantId: string, type: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await logsOf(tenantId)).find((l) => l.type === type);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no ${type} event for tenant ${tenantId}`);
}

test('a tenant failed by an engine outage is continued without an operator once the engine answers again', async () => {
  // the run reaches step_4, then the engine goes down under it: health checks fail too
  const held = h.proxy!.hold(resource('GET', 'Warehouse'));
  const { tenant } = await h.createTenant({ name: 'Outage Shop', country_code: 'KE' });
  await held.arrived;
  h.simulator.sim.setDown(true);
  try {
    held.release();
    const failed = await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.errors[0].code, 'ENGINE_UNAVAILABLE');
    // due, but the engine does not answer: the tenant waits, no run is made
    const sweep = await h.provisioner.autoContinuer!.sweep(anHourFromNow());
    assert.deepEqual(sweep.continued, []);
    assert.ok(sweep.waitingForEngine.includes(tenant.id), 'the sweep saw the tenant and found its engine down');
    assert.equal(await autoRuns(tenant.id), 0);
    assert.equal((await h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body.status, 'FAILED');
  } finally {
    h.simulator.sim.setDown(false);
  }
  // nobody presses Continue
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED'])).status, 'COMPLETED');
  assert.equal(await autoRuns(tenant.id), 1);
  const event = await waitForEvent(tenant.id, 'auto_continue');
  assert.equal(event.code, 'ENGINE_UNAVAILABLE');
  assert.match(event.message, /^auto-continue 1\/2: step_4_warehouses failed with ENGINE_UNAVAILABLE, and the engine answers again/);
  assert.ok((await logsOf(tenant.id)).some((l) => l.type === 'run_queued' && /continue requested by auto-continue/.test(l.message)));
  assert.deepEqual(h.simulator.sim.duplicates(), []);
  const metrics = await (await fetch(`${h.api}/metrics`)).text();
  assert.match(metrics, /provisioner_auto_continues_total\{code="ENGINE_UNAVAILABLE"\} 1/);
});

test('a permanent failure (the engine refused the document) is never continued automatically', async () => {
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 });
  try {
    const { tenant } = await h.createTenant({ name: 'Refused Shop', country_code: 'KE' });
    const failed = await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.errors[0].code, 'ENGINE_VALIDATION');
    const sweep = await h.provisioner.autoContinuer!.sweep(anHourFromNow());
    assert.ok(!sweep.continued.includes(tenant.id));
    assert.equal(await autoRuns(tenant.id), 0);
  } finally {
    h.simulator.sim.clearFaults();
  }
});

test('a tenant created with auto_continue false waits for an operator', async () => {
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 503, count: 100 });
  try {
    const { tenant } = await h.createTenant({ name: 'Hands On Shop', country_code: 'KE', provisioning: { auto_continue: false } });
    assert.equal(tenant.provisioning_config.auto_continue, false);
    const failed = await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
    assert.equal(failed.errors[0].code, 'ENGINE_UNAVAILABLE');
    const sweep = await h.provisioner.autoContinuer!.sweep(anHourFromNow());
    assert.ok(!sweep.continued.includes(tenant.id));
    assert.equal(await autoRuns(tenant.id), 0);
  } finally {
    h.simulator.sim.clearFaults();
  }
});

test('auto-continue stops at its daily limit, says so once, and an operator can still continue', async () => {
  // the engine answers its health checks but keeps refusing the POS Profile with a 503
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 503, count: 1000 });
  let tenantId: string;
  try {
    const { tenant } = await h.createTenant({ name: 'Stubborn Shop', country_code: 'KE' });
    tenantId = tenant.id;
    const exhausted = await waitForEvent(tenant.id, 'auto_continue_exhausted');
    assert.equal(exhausted.code, 'ENGINE_UNAVAILABLE');
    assert.match(exhausted.hint, /Continue/);
    assert.equal((await h.waitForStatus(tenant.id, ['FAILED'])).status, 'FAILED');
    assert.equal(await autoRuns(tenant.id), 2, 'maxPerDay runs, no more');
    await h.provisioner.autoContinuer!.sweep(anHourFromNow());
    assert.equal(await autoRuns(tenant.id), 2);
    const told = (await logsOf(tenant.id)).filter((l) => l.type === 'auto_continue_exhausted');
    assert.equal(told.length, 1, 'the limit is told once');
  } finally {
    h.simulator.sim.clearFaults();
  }
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenantId}/continue`)).status, 202);
  assert.equal((await h.waitForStatus(tenantId, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
});

test('a tenant whose automatic start an engine outage refused is started without an operator once the engine answers again', async () => {
  h.simulator.sim.setDown(true);
  let tenantId: string;
  try {
    const created = await h.createTenant({ name: 'Early Bird Shop', country_code: 'KE' });
    tenantId = created.tenant.id;
    assert.equal(created.provisioning.run_id, null);
    assert.equal(created.tenant.status, 'NOT_STARTED');
    assert.match(created.tenant.message, /^Provisioning not started: /);
    // due, but the engine does not answer: the tenant waits, no run is made
    const sweep = await h.provisioner.autoContinuer!.sweep(anHourFromNow());
    assert.ok(sweep.waitingForEngine.includes(tenantId), 'the sweep saw the tenant and found its engine down');
    assert.equal(await autoRuns(tenantId), 0);
  } finally {
    h.simulator.sim.setDown(false);
  }
  // nobody presses Start
  assert.equal((await h.waitForStatus(tenantId, ['COMPLETED'])).status, 'COMPLETED');
  assert.equal(await autoRuns(tenantId), 1);
  const event = await waitForEvent(tenantId, 'auto_continue');
  assert.equal(event.code, 'ENGINE_UNAVAILABLE');
  assert.match(event.message, /^auto-continue 1\/2: provisioning was not started \(ENGINE_UNAVAILABLE\), and the engine answers again: starting it/);
  assert.ok((await logsOf(tenantId)).some((l) => l.type === 'run_queued' && /^start requested by auto-continue/.test(l.message)));
  const tenant = (await h.call('GET', `/api/tenants/${tenantId}`)).body.tenant;
  assert.equal(tenant.message ?? null, null, 'the note of the refusal is gone once provisioning started');
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a refused start of a tenant created with auto_continue false waits for an operator', async () => {
  h.simulator.sim.setDown(true);
  let tenantId: string;
  try {
    tenantId = (await h.createTenant({ name: 'Hands On Early Shop', country_code: 'KE', provisioning: { auto_continue: false } })).tenant.id;
  } finally {
    h.simulator.sim.setDown(false);
  }
  const sweep = await h.provisioner.autoContinuer!.sweep(anHourFromNow());
  assert.ok(!sweep.continued.includes(tenantId));
  assert.equal(await autoRuns(tenantId), 0);
  assert.equal((await h.call('GET', `/api/provisioning/tenants/${tenantId}/status`)).body.status, 'NOT_STARTED');
});
