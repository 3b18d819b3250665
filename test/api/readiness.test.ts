/**
 * GET /api/ready (issue 11, item 5): without a token only ready/not ready; details for platform
 * admins and viewers (engine user and versions for admins only); engines checked at most once per
 * cache period, whoever asks and however many ask at once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { callAs, userWithToken } from '../support/accounts.ts';

/** Cached long enough that no round expires during the test. */
let cached: Harness;
/** Not cached: every request that comes after the last round finished starts a new one. */
let live: Harness;
let viewerToken: string;
let tenantUserToken: string;

before(async () => {
  cached = await startHarness({ config: { readinessCacheMs: 600_000 } });
  live = await startHarness({ config: { readinessCacheMs: 0 } });
  viewerToken = (await userWithToken(live, { email: 'viewer@ready.example', role: 'platform_viewer' })).token;
  const { tenant } = await live.createTenant({ name: 'Ready Shop', country_code: 'KE', provisioning: { auto_start: false } });
  tenantUserToken = (await userWithToken(live, { email: 'clerk@ready.example', role: 'tenant_user', tenant_id: tenant.id })).token;
});
after(async () => {
  await cached?.close();
  await live?.close();
});

const anonymous = async (h: Harness) => {
  const res = await fetch(`${h.api}/api/ready`);
  return { status: res.status, body: await res.json() };
};

test('without a token readiness says ready or not_ready, nothing else', async () => {
  assert.deepEqual(await anonymous(live), { status: 200, body: { status: 'ready' } });
  live.simulator.sim.setDown(true);
  try {
    assert.deepEqual(await anonymous(live), { status: 503, body: { status: 'not_ready' } });
  } finally {
    live.simulator.sim.setDown(false);
  }
  assert.deepEqual(await anonymous(live), { status: 200, body: { status: 'ready' } });
});

test('a tenant user gets the status only; a bad token is a 401', async () => {
  assert.deepEqual(await callAs(live, tenantUserToken, 'GET', '/api/ready'), { status: 200, body: { status: 'ready' } });
  const forged = await callAs(live, 'not.a.token', 'GET', '/api/ready');
  assert.equal(forged.status, 401);
  assert.equal(forged.body.code, 'UNAUTHENTICATED');
});

test('platform admins get every check; viewers the same without the engine user and versions', async () => {
  const admin = await live.call('GET', '/api/ready');
  assert.equal(admin.status, 200);
  assert.deepEqual(admin.body.database, { ok: true });
  const engine = admin.body.engines.find((e: any) => e.id === 'default');
  assert.equal(engine.kind, 'erpnext');
  assert.equal(engine.supported, true);
  assert.equal(engine.reachable, true);
  assert.equal(engine.authenticated, true);
  assert.equal(typeof engine.latency_ms, 'number');
  assert.equal(engine.user, 'Administrator');
  assert.ok(engine.versions.erpnext);
  assert.ok(admin.body.checked_at);

  const viewer = await callAs(live, viewerToken, 'GET', '/api/ready');
  assert.equal(viewer.status, 200);
  const seen = viewer.body.engines.find((e: any) => e.id === 'default');
  assert.equal(seen.authenticated, true);
  assert.equal(seen.user, undefined);
  assert.equal(seen.versions, undefined);
});

test('a failed engine check shows its code and hint, never the engine\'s own words', async () => {
  const secretWords = 'internal-service-says-hello-from-10.1.2.3';
  live.simulator.sim.injectFault({ path: 'ping', status: 500, count: 1, body: { exc_type: 'Boom', exception: `Boom: ${secretWords}`, _server_messages: JSON.stringify([JSON.stringify({ message: secretWords })]) } });
  const res = await live.call('GET', '/api/ready');
  assert.equal(res.status, 503);
  const engine = res.body.engines.find((e: any) => e.id === 'default');
  assert.equal(engine.authenticated, false);
  assert.ok(engine.code);
  assert.ok(!JSON.stringify(res.body).includes(secretWords), JSON.stringify(res.body));
});

test('100 concurrent requests share one round of engine checks, and later ones its answer', async () => {
  const { sim } = cached.simulator;
  // no request has asked this server yet: the first of these starts the round, the others join it
  sim.clearCalls();
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? anonymous(cached) : cached.call('GET', '/api/ready'))));
  for (let i = 0; i < 50; i++) answers.push(await anonymous(cached));
  assert.ok(answers.every((a) => a.status === 200));
  // one engine, one health check: ping, the logged-in user, the versions
  assert.deepEqual(sim.callStats(), { 'GET frappe.auth.get_logged_user': 1, 'GET frappe.utils.change_log.get_versions': 1, 'GET ping': 1 });
});
