/** platform_viewer reads every tenant, its status, logs, events, engines and users; it operates nothing. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { callAs, userWithToken } from '../support/accounts.ts';

let h: Harness;
let viewer: string;
let tenantId: string;

before(async () => {
  h = await startHarness();
  tenantId = (await h.createTenant({ name: 'Viewed Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  viewer = (await userWithToken(h, { email: 'viewer@example.com', role: 'platform_viewer' })).token;
});
after(() => h.close());

test('a platform viewer reads every tenant, status, logs, event stream, engines and users', async () => {
  const tenants = await callAs(h, viewer, 'GET', '/api/tenants');
  assert.equal(tenants.status, 200);
  assert.ok(tenants.body.tenants.some((t: { id: string }) => t.id === tenantId));
  for (const path of [`/api/tenants/${tenantId}`, `/api/provisioning/tenants/${tenantId}/status`, `/api/provisioning/tenants/${tenantId}/logs`, '/api/engines', '/api/engines/default', '/api/users', '/api/auth/me']) {
    const r = await callAs(h, viewer, 'GET', path);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await callAs(h, viewer, 'POST', '/api/engines/default/health')).status, 200);
  const abort = new AbortController();
  const stream = await fetch(`${h.api}/api/provisioning/events`, { headers: { authorization: `Bearer ${viewer}` }, signal: abort.signal });
  assert.equal(stream.status, 200);
  abort.abort();
});

test('a platform viewer operates nothing: 403 on start, continue, retry, skip, tenant, user and engine changes, and the audit log', async () => {
  const users = (await h.call('GET', '/api/users')).body.users;
  const someone = users.find((u: { email: string }) => u.email === 'viewer@example.com').id;
  for (const [method, path, body] of [
    ['POST', `/api/provisioning/tenants/${tenantId}/start`, undefined],
    ['POST', `/api/provisioning/tenants/${tenantId}/continue`, undefined],
    ['POST', `/api/provisioning/tenants/${tenantId}/retry`, undefined],
    ['POST', `/api/provisioning/tenants/${tenantId}/skip-step`, { step: 'step_6_items' }],
    ['POST', '/api/tenants', { name: 'Not Allowed', country_code: 'KE' }],
    ['POST', '/api/users', { email: 'x@example.com', password: 'long enough pw', role: 'platform_admin' }],
    ['PATCH', `/api/users/${someone}`, { role: 'platform_admin' }],
    ['DELETE', `/api/users/${someone}`, undefined],
    ['POST', '/api/engines', { id: 'nope', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: 'k', api_secret: 's' }],
    ['GET', '/api/audit', undefined],
  ] as const) {
    const r = await callAs(h, viewer, method, path, body);
    assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'FORBIDDEN');
  }
  assert.equal((await h.call('GET', `/api/provisioning/tenants/${tenantId}/status`)).body.status, 'NOT_STARTED', 'nothing ran');
});
