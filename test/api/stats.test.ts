/**
 * GET /api/provisioning/stats (the dashboard's charts): runs that ended, by bucket and outcome,
 * and step failures by step and code, counted only over the tenants the caller may see.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test("runs by outcome and failures by step and code, over the caller's tenants only", async () => {
  const ok = (await h.createTenant({ name: 'Stats Good', country_code: 'KE' })).tenant;
  await h.waitForStatus(ok.id, ['COMPLETED']);
  await fetch(`${h.simulator.url}/__simulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 }) });
  const bad = (await h.createTenant({ name: 'Stats Bad', country_code: 'UG', admin_email: 'owner@stats.bad', admin_password: 'stats-bad-owner-2026' })).tenant;
  await h.waitForStatus(bad.id, ['FAILED']);
  await fetch(`${h.simulator.url}/__simulator/faults`, { method: 'DELETE' });

  for (const window of ['24h', '7d']) {
    const { status, body } = await h.call('GET', `/api/provisioning/stats?window=${window}`);
    assert.equal(status, 200);
    assert.equal(body.window, window);
    assert.deepEqual(body.totals, { completed: 1, partial: 0, failed: 1 });
    assert.equal(body.runs.reduce((n: number, b: { completed: number; failed: number }) => n + b.completed + b.failed, 0), 2, 'every run ended in a bucket');
    assert.equal(body.runs.length, window === '24h' ? 24 : 28);
    assert.deepEqual(body.failures, [{ step: 'step_8_pos_profile', code: 'ENGINE_VALIDATION', failures: 1 }]);
  }

  const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@stats.bad', password: 'stats-bad-owner-2026' }) });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const own = (await (await fetch(`${h.api}/api/provisioning/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as { totals: unknown };
  assert.deepEqual(own.totals, { completed: 0, partial: 0, failed: 1 }, 'a tenant admin counts only their tenant');

  assert.equal((await h.call('GET', '/api/provisioning/stats?window=1y')).status, 400);
});
