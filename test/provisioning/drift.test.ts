/**
 * Drift check and heal (issue 16 item 2) and plan before run (item 4): verify re-reads a
 * COMPLETED tenant's records through the steps' own ensures, read-only; heal retries from the
 * first broken step; the sweep verifies on its own; plan says what a run would write.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { cli } from '../cli/support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const writes = (sim: Harness['simulator']['sim']) => sim.calls().filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);

async function completedTenant(harness: Harness, name: string): Promise<{ id: string; abbr: string }> {
  const { tenant } = await harness.createTenant({ name, country_code: 'KE' });
  const status = await harness.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  return { id: tenant.id, abbr: status.engine.abbr };
}

/** Polls the status (a state, not a timer) until `done` holds. */
async function statusUntil(harness: Harness, id: string, done: (s: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await harness.call('GET', `/api/provisioning/tenants/${id}/status`)).body;
    if (done(last)) return last;
    await sleep(50);
  }
  throw new Error(`status of ${id} never matched; last: ${JSON.stringify(last?.drift)}`);
}

const deleteWarehouse = async (harness: Harness, name: string) => {
  const res = await harness.erp('DELETE', `/api/resource/Warehouse/${encodeURIComponent(name)}`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
};

test('verify of an untouched COMPLETED tenant finds no drift and makes no write in the engine', async () => {
  const { id } = await completedTenant(h, 'Untouched Shop');
  h.simulator.sim.clearCalls();
  const res = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual({ drifted: res.body.drifted, first_step: res.body.first_step, findings: res.body.findings }, { drifted: false, first_step: null, findings: [] });
  assert.ok(h.simulator.sim.calls().length > 0, 'it read the engine');
  assert.deepEqual(writes(h.simulator.sim), []);
  const status = (await h.call('GET', `/api/provisioning/tenants/${id}/status`)).body;
  assert.equal(status.drift.drifted, false);
  assert.equal(status.drift.verified_at, res.body.verified_at);
});

test('a warehouse deleted in the engine is found by verify (step_4 and the warehouse) and healed: it exists again and verify finds no drift', async () => {
  const { id, abbr } = await completedTenant(h, 'Drifting Shop');
  const warehouse = `POS Store - ${abbr}`;
  await deleteWarehouse(h, warehouse);

  h.simulator.sim.clearCalls();
  const found = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.deepEqual(writes(h.simulator.sim), [], 'verify reads only');
  assert.equal(found.body.drifted, true);
  assert.equal(found.body.first_step, 'step_4_warehouses');
  assert.deepEqual(found.body.findings.map((f: any) => [f.step, f.doctype, f.record]), [['step_4_warehouses', 'Warehouse', warehouse]]);

  // the flag, in the status and in the list (and its filter)
  const status = (await h.call('GET', `/api/provisioning/tenants/${id}/status`)).body;
  assert.equal(status.status, 'COMPLETED');
  assert.deepEqual({ drifted: status.drift.drifted, first_step: status.drift.first_step }, { drifted: true, first_step: 'step_4_warehouses' });
  const drifted = (await h.call('GET', '/api/tenants?drifted=true')).body.tenants.map((t: any) => t.id);
  assert.deepEqual(drifted, [id]);
  const clean = (await h.call('GET', '/api/tenants?drifted=false')).body.tenants.map((t: any) => t.id);
  assert.ok(!clean.includes(id));
  const logs = (await h.call('GET', `/api/provisioning/tenants/${id}/logs`)).body.logs;
  const event = logs.find((e: any) => e.type === 'tenant_drifted');
  assert.ok(event, 'a tenant_drifted event');
  assert.equal(event.step, 'step_4_warehouses');
  // a second verification that finds the same drift tells nothing new
  await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
  const again = (await h.call('GET', `/api/provisioning/tenants/${id}/logs`)).body.logs.filter((e: any) => e.type === 'tenant_drifted');
  assert.equal(again.length, 1);

  const heal = await h.call('POST', `/api/provisioning/tenants/${id}/heal`);
  assert.equal(heal.status, 202, JSON.stringify(heal.body));
  assert.equal(heal.body.run.kind, 'retry');
  assert.equal(heal.body.run.plan[0], 'step_4_warehouses');
  const second = await h.call('POST', `/api/provisioning/tenants/${id}/heal`);
  assert.equal(second.status, 409, 'one run per tenant');
  assert.match(second.body.code, /^(RUN_ACTIVE|NOT_DRIFTED)$/);
  assert.equal((await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  assert.ok(h.simulator.sim.get('Warehouse', warehouse), 'the warehouse exists again');
  assert.equal((await h.call('GET', `/api/provisioning/tenants/${id}/status`)).body.drift.drifted, false, 'the completed run cleared the flag');

  const verified = await cli(['verify', id, '--json'], { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token });
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(JSON.parse(verified.stdout).drifted, false);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a company default cleared in the engine is found as an update of step_5, and heal restores it', async () => {
  const { id, abbr } = await completedTenant(h, 'Defaults Shop');
  const cleared = await h.erp('PUT', `/api/resource/Company/${encodeURIComponent('Defaults Shop')}`, { round_off_account: '' });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  const found = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
  assert.deepEqual(found.body.findings.map((f: any) => [f.step, f.doctype, f.record]), [['step_5_settings', 'Company', 'Defaults Shop']]);
  assert.match(found.body.findings[0].problem, /would update round_off_account/);
  const heal = await h.call('POST', `/api/provisioning/tenants/${id}/heal`);
  assert.equal(heal.status, 202, JSON.stringify(heal.body));
  assert.equal(heal.body.run.plan[0], 'step_5_settings');
  assert.equal((await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  assert.equal(h.simulator.sim.get('Company', 'Defaults Shop')!.round_off_account, `Round Off - ${abbr}`);
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${id}/verify`)).body.drifted, false);
});

test('verify refuses a tenant that is not COMPLETED (409 INVALID_TRANSITION), heal one without drift (409 NOT_DRIFTED); the CLI exits 7 and 14', async () => {
  const { tenant } = await h.createTenant({ name: 'Unstarted Shop', country_code: 'KE', provisioning: { auto_start: false } });
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/verify`);
  assert.equal(res.status, 409);
  assert.equal(res.body.code, 'INVALID_TRANSITION');
  assert.match(res.body.detail, /verify/);

  const { id, abbr } = await completedTenant(h, 'Healthy Shop');
  const heal = await h.call('POST', `/api/provisioning/tenants/${id}/heal`);
  assert.equal(heal.status, 409);
  assert.equal(heal.body.code, 'NOT_DRIFTED');

  const env = { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token };
  assert.equal((await cli(['verify', tenant.id], env)).code, 7);
  await deleteWarehouse(h, `POS Store - ${abbr}`);
  const drifted = await cli(['verify', id], env);
  assert.equal(drifted.code, 14, drifted.stderr);
  assert.match(drifted.stdout, /step_4_warehouses/);
  assert.match(drifted.stdout, /heal/);
});

test('plan lists the creates for a new tenant and, for a COMPLETED one, only records in place; it writes nothing', async () => {
  const { tenant } = await h.createTenant({ name: 'Planned Shop', country_code: 'KE', provisioning: { auto_start: false } });
  h.simulator.sim.clearCalls();
  const fresh = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/plan?kind=start`);
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  assert.equal(fresh.body.steps.length, 11);
  const creates = fresh.body.operations.filter((o: any) => o.action === 'create').map((o: any) => `${o.doctype}|${o.name}`);
  for (const doctype of ['Company', 'Warehouse', 'Customer', 'POS Profile', 'POS Opening Entry']) assert.ok(creates.some((c: string) => c.startsWith(`${doctype}|`)), `${doctype} in ${creates.join(', ')}`);
  assert.ok(creates.includes('Company|Planned Shop'));
  assert.ok(creates.includes('POS Profile|Planned Shop POS'));
  assert.deepEqual(fresh.body.problems, []);
  assert.deepEqual(writes(h.simulator.sim), []);
  const refused = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/plan?kind=continue`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, 'INVALID_TRANSITION');

  const { id } = await completedTenant(h, 'Planned Again Shop');
  h.simulator.sim.clearCalls();
  const done = await h.call('GET', `/api/provisioning/tenants/${id}/plan?kind=retry`);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const actions = new Set(done.body.operations.map((o: any) => o.action));
  assert.deepEqual([...actions].sort(), ['exists', 'skip'], JSON.stringify(done.body.operations));
  assert.deepEqual(done.body.operations.filter((o: any) => o.action === 'skip').map((o: any) => o.step), ['step_6_items'], 'demo items are off');
  assert.ok(done.body.operations.some((o: any) => o.doctype === 'Warehouse' && o.name.startsWith('POS Store - ')));
  assert.deepEqual(writes(h.simulator.sim), []);

  const printed = await cli(['plan', id, '--kind', 'retry'], { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /write 0 record/);
});

test('the drift sweep finds a drifted tenant on its own, with one tenant_drifted event and the metric', async () => {
  const swept = await startHarness({ config: { driftSweep: { enabled: true, intervalMs: 200, ratePerMinute: 6_000 } } });
  try {
    const { id, abbr } = await completedTenant(swept, 'Swept Shop');
    // verified by the sweep while untouched: nothing found
    await statusUntil(swept, id, (s) => s.drift.verified_at !== null && s.drift.drifted === false && Date.parse(s.drift.verified_at) > Date.parse(s.completed_at));
    await deleteWarehouse(swept, `POS Store - ${abbr}`);
    const status = await statusUntil(swept, id, (s) => s.drift.drifted);
    assert.equal(status.drift.first_step, 'step_4_warehouses');
    assert.deepEqual(status.drift.findings.map((f: any) => f.record), [`POS Store - ${abbr}`]);

    const events = (await swept.call('GET', `/api/provisioning/tenants/${id}/logs`)).body.logs.filter((e: any) => e.type === 'tenant_drifted');
    assert.equal(events.length, 1, 'drift is told once, however many sweeps see it');
    assert.match(events[0].message, /drift-sweep/);
    const metrics = (await swept.call('GET', '/metrics')).body as string;
    assert.match(metrics, /provisioner_drift_detected_total\{step="step_4_warehouses"\} 1\b/);
    assert.match(metrics, /provisioner_tenants_drifted 1\b/);
  } finally {
    await swept.close();
  }
});

test('sweep claims are taken in PostgreSQL: concurrent workers never take one tenant twice, and the fleet keeps the rate', async () => {
  await Promise.all(['Claimed Shop A', 'Claimed Shop B', 'Claimed Shop C', 'Claimed Shop D'].map((name) => completedTenant(h, name)));
  const store = h.provisioner.db.store;
  // with an interval of 0 every tenant that completed is due; 12 workers ask at the same moment
  const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => store.claimDriftSweep(`worker-${i}`, { intervalMs: 0, ratePerMinute: 3, claimMs: 60_000 })));
  const taken = claims.filter((c): c is string => c !== null);
  assert.equal(taken.length, 3, 'three claims a minute across the fleet');
  assert.equal(new Set(taken).size, 3, 'each tenant once');
  // a claimed tenant stays with its worker until released, even when due and the rate allows
  const more = await Promise.all(Array.from({ length: 12 }, (_, i) => store.claimDriftSweep(`worker-${i}`, { intervalMs: 0, ratePerMinute: 1_000, claimMs: 60_000 })));
  for (const id of more) assert.ok(id === null || !taken.includes(id), `${id} claimed twice`);
});
