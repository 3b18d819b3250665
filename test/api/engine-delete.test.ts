/**
 * Engines of both kinds in readiness, and deleting engines (issue 11, item 7): a registered odoo
 * engine is checked by readiness like an ERPNext one (issue 15); DELETE
 * /api/engines/:id (platform admins, audited) refuses an engine tenants use, and the CLI has it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { callAs, userWithToken } from '../support/accounts.ts';
import { cli, configDir } from '../cli/support.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

let h: Harness;
let odoo: RunningOdooSimulator;
before(async () => {
  h = await startHarness({ config: { readinessCacheMs: 0 } });
  odoo = await startOdooSimulator();
});
after(async () => {
  await h.close();
  await odoo.close();
});

const register = (id: string, kind = 'erpnext', base_url = h.simulator.url) => h.call('POST', '/api/engines', { id, kind, base_url, api_key: 'k', api_secret: 'engine-secret-for-delete' });

test('an odoo engine is checked by readiness like an ERPNext one', async () => {
  const reg = await h.call('POST', '/api/engines', { id: 'odoo-eu', kind: 'odoo', base_url: odoo.url, database: odoo.db, login: odoo.login, api_key: odoo.apiKey });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const anonymous = await fetch(`${h.api}/api/ready`);
  assert.equal(anonymous.status, 200);
  assert.deepEqual(await anonymous.json(), { status: 'ready' });
  const admin = await h.call('GET', '/api/ready');
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  const found = admin.body.engines.find((e: any) => e.id === 'odoo-eu');
  assert.deepEqual({ supported: found.supported, reachable: found.reachable, authenticated: found.authenticated, user: found.user }, { supported: true, reachable: true, authenticated: true, user: 'admin' });
  assert.equal((await h.call('DELETE', '/api/engines/odoo-eu')).status, 200);
});

test('an engine the path names that is not registered is a 404 for GET, its health check and DELETE alike', async () => {
  for (const [method, path] of [['GET', '/api/engines/nope'], ['POST', '/api/engines/nope/health'], ['DELETE', '/api/engines/nope']] as const) {
    const unknown = await h.call(method, path);
    assert.equal(unknown.status, 404, `${method} ${path}`);
    assert.equal(unknown.body.code, 'ENGINE_NOT_REGISTERED', `${method} ${path}`);
  }
});

test('DELETE answers 409 ENGINE_IN_USE while a tenant uses the engine', async () => {
  assert.equal((await register('busy')).status, 201);
  await h.createTenant({ name: 'Busy Engine Shop', country_code: 'KE', engine_id: 'busy', provisioning: { auto_start: false } });
  const busy = await h.call('DELETE', '/api/engines/busy');
  assert.equal(busy.status, 409);
  assert.equal(busy.body.code, 'ENGINE_IN_USE');
  assert.match(busy.body.detail, /1 tenant/);
  assert.equal((await h.call('GET', '/api/engines/busy')).status, 200, 'still there');
});

test('a platform admin deletes an unused engine, audited without its secret; a viewer may not', async () => {
  assert.equal((await register('spare')).status, 201);
  const viewer = await userWithToken(h, { email: 'viewer@delete.example', role: 'platform_viewer' });
  assert.equal((await callAs(h, viewer.token, 'DELETE', '/api/engines/spare')).status, 403);
  const deleted = await h.call('DELETE', '/api/engines/spare');
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.engine.id, 'spare');
  assert.equal((await h.call('GET', '/api/engines/spare')).body.code, 'ENGINE_NOT_REGISTERED');
  const audit = (await h.call('GET', '/api/audit')).body.entries.find((e: any) => e.action === 'engine.delete' && e.target_id === 'spare');
  assert.ok(audit, 'engine.delete is audited');
  assert.equal(audit.actor_email, 'admin@moran.com');
  assert.ok(!JSON.stringify(audit).includes('engine-secret-for-delete'));
});

test('provisioner engines delete ID', async () => {
  const cfg = await configDir();
  try {
    const env = { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token, PROVISIONER_CONFIG_DIR: cfg.dir, PROVISIONER_ENV_FILE: '/dev/null' };
    assert.equal((await register('via-cli')).status, 201);
    const ok = await cli(['engines', 'delete', 'via-cli'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Deleted engine via-cli/);
    const busy = await cli(['engines', 'delete', 'busy'], env);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /ENGINE_IN_USE/);
  } finally {
    await cfg.remove();
  }
});
