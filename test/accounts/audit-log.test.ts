/** Who did what: tenant creation, runs, skips, user and engine changes, in onboarding.audit_log, read by platform admins page by page. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { callAs, userWithToken } from '../support/accounts.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('every change is in the audit log with its actor, target and address, newest first, without a secret; pages follow the cursor', async () => {
  const tenantId = (await h.createTenant({ name: 'Audited Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenantId}/start`)).status, 202);
  await h.waitForStatus(tenantId, ['COMPLETED']);
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenantId}/retry`, { step: 'step_8_pos_profile' })).status, 202);
  await h.waitForStatus(tenantId, ['COMPLETED']);
  const password = 'a password never audited';
  const user = await userWithToken(h, { email: 'audited@example.com', role: 'tenant_user', tenant_id: tenantId });
  assert.equal((await h.call('PATCH', `/api/users/${user.id}`, { role: 'tenant_admin', password })).status, 200);
  assert.equal((await h.call('DELETE', `/api/users/${user.id}`)).status, 200);
  const apiSecret = 'engine-secret-never-audited';
  // a URL with a user and password is refused (ENGINE_URL_FORBIDDEN), and so never audited
  assert.equal((await h.call('POST', '/api/engines', { id: 'audited', kind: 'erpnext', base_url: 'https://ops:pw@erp.example.com', api_key: 'k', api_secret: apiSecret })).status, 400);
  assert.equal((await h.call('POST', '/api/engines', { id: 'audited', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: 'k', api_secret: apiSecret })).status, 201);

  const entries: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: any } = await h.call('GET', `/api/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.entries.length <= 2);
    entries.push(...page.body.entries);
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(
    entries.map((e) => e.action).reverse(),
    ['tenant.create', 'provisioning.start', 'provisioning.retry', 'user.create', 'user.update', 'user.delete', 'engine.register'],
  );
  const ids = entries.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  for (const e of entries) {
    assert.equal(e.actor_email, 'admin@moran.com');
    assert.ok(e.actor_id);
    assert.equal(e.ip, '127.0.0.1');
  }
  assert.equal(entries.find((e) => e.action === 'provisioning.retry').details.step, 'step_8_pos_profile');
  assert.deepEqual(entries.find((e) => e.action === 'user.update').details, { email: 'audited@example.com', role: 'tenant_admin', password_changed: true });
  assert.equal(entries.find((e) => e.action === 'engine.register').details.base_url, 'https://erp.example.com/');
  const text = JSON.stringify(entries);
  for (const secret of [password, apiSecret, user.password, ':pw@']) assert.ok(!text.includes(secret), `no secret in the audit log: ${secret}`);

  const defaults = await h.call('GET', '/api/audit');
  assert.equal(defaults.body.entries.length, entries.length, 'default limit 50 holds them all');
  assert.equal((await h.call('GET', '/api/audit?limit=501')).status, 400);
});

test('only platform admins read the audit log', async () => {
  const tenantId = (await h.createTenant({ name: 'Private Audit Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  const tenantAdmin = await userWithToken(h, { email: 'tenant-admin@example.com', role: 'tenant_admin', tenant_id: tenantId });
  assert.equal((await callAs(h, tenantAdmin.token, 'GET', '/api/audit')).status, 403);
});
