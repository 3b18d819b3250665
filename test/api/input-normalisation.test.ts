/**
 * Every parameter is normalised before it reaches SQL (issue 11): a NUL is a 400, never a 500
 * from PostgreSQL; control characters are refused where a field cannot hold them; tenant ids are
 * UUIDs in any letter case.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
before(async () => {
  h = await startHarness();
  tenantId = (await h.createTenant({ name: 'Case Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
});
after(() => h.close());

async function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string>; token?: string | null } = {}) {
  const token = init.token === undefined ? h.token : init.token;
  const res = await fetch(`${h.api}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers }, body: init.body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

function assertRefused(r: { status: number; type: string; body: any }, path: RegExp) {
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.match(r.type, /application\/problem\+json/);
  assert.equal(r.body.code, 'VALIDATION_FAILED');
  assert.ok(r.body.hint);
  assert.match(r.body.errors[0].path, path);
}

test('a NUL in the login body is a 400 naming the field, without authentication', async () => {
  assertRefused(await raw('POST', '/api/auth/login', { ...json({ email: 'a\u0000b', password: 'x' }), token: null }), /^body\.email$/);
  assertRefused(await raw('POST', '/api/auth/login', { ...json({ email: 'admin@moran.com', password: 'admin\u0000123' }), token: null }), /^body\.password$/);
});

test('a NUL in a path parameter, query string, body value or body key is a 400', async () => {
  assertRefused(await raw('GET', '/api/engines/default%00'), /^params\.id$/);
  assertRefused(await raw('POST', '/api/engines/default%00/health'), /^params\.id$/);
  assertRefused(await raw('GET', `/api/provisioning/tenants/${tenantId}/logs?step=step_2%00`), /^querystring\.step$/);
  assertRefused(await raw('GET', '/api/tenants?status=FAILED%00'), /^querystring\.status$/);
  assertRefused(await raw('GET', '/api/provisioning/events?access_token=a%00b'), /^querystring\.access_token$/);
  assertRefused(await raw('POST', '/api/tenants', json({ name: 'Nul Shop', country_code: 'KE', 'x\u0000': 1 })), /^body\.x\\u0000$/);
  assertRefused(await raw('POST', `/api/provisioning/tenants/${tenantId}/start`, json({ payment_methods: ['Cash\u0000'] })), /^body\.payment_methods\.0$/);
});

test('an engine secret with a NUL or a control character is refused and the engine stays as it was', async () => {
  const engine = { id: 'spare', kind: 'erpnext', base_url: 'http://127.0.0.1:1', api_key: 'key', api_secret: 'se\u0000cret' };
  assertRefused(await raw('POST', '/api/engines', json(engine)), /^body\.api_secret$/);
  assertRefused(await raw('POST', '/api/engines', json({ ...engine, api_secret: 'se\ncret' })), /^body\.api_secret$/);
  assertRefused(await raw('POST', '/api/engines', json({ ...engine, api_key: 'key\r\nX-Injected: 1', api_secret: 'secret' })), /^body\.api_key$/);
  assert.equal(await h.provisioner.db.store.getEngine('spare'), null);
});

test('control characters are refused in names, ids and emails', async () => {
  assertRefused(await raw('POST', '/api/auth/login', { ...json({ email: 'admin@moran.com\u0007', password: 'x' }), token: null }), /^body\.email$/);
  assertRefused(await raw('GET', '/api/engines/default%0A'), /^params\.id$/);
  assertRefused(await raw('POST', '/api/tenants', json({ name: 'Bell Shop', country_code: 'KE', admin_name: 'Own\u001ber' })), /^body\.admin_name$/);
});

test('numbers beyond what PostgreSQL holds are a 400, not an out-of-range 500', async () => {
  assertRefused(await raw('GET', `/api/provisioning/tenants/${tenantId}/logs?after_id=1e20`), /^querystring\.after_id$/);
  assertRefused(await raw('GET', `/api/provisioning/tenants/${tenantId}/logs?offset=99999999999999999999`), /^querystring\.offset$/);
});

test('a tenant id in upper case is the same tenant, on every route that takes one', async () => {
  const upper = tenantId.toUpperCase();
  const status = await raw('GET', `/api/provisioning/tenants/${upper}/status`);
  assert.equal(status.status, 200, JSON.stringify(status.body));
  assert.equal(status.body.tenant_id, tenantId);
  assert.equal((await raw('GET', `/api/tenants/${upper}`)).body.tenant.id, tenantId);
  assert.equal((await raw('GET', `/api/provisioning/tenants/${upper}/logs`)).status, 200);
  // NOT_STARTED: continue and retry are refused by the state machine, not by a TypeError
  for (const action of ['continue', 'retry']) {
    const r = await raw('POST', `/api/provisioning/tenants/${upper}/${action}`, { headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 409, `${action}: ${JSON.stringify(r.body)}`);
  }
  const skipped = await raw('POST', `/api/provisioning/tenants/${upper}/skip-step`, json({ step: 'step_6_items' }));
  assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
  assert.equal(skipped.body.tenant_id, tenantId);
  const started = await raw('POST', `/api/provisioning/tenants/${upper}/start`, json({}));
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal(started.body.tenant_id, tenantId);
  await h.waitForStatus(tenantId, ['COMPLETED']);
});

test("a tenant user's own tenant in upper case is still theirs", async () => {
  const created = await h.call('POST', '/api/users', { email: 'clerk@case.shop', password: 'a-long-password-1', role: 'tenant_user', tenant_id: tenantId.toUpperCase() });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.user.tenant_id, tenantId);
  const session = (await raw('POST', '/api/auth/login', { ...json({ email: 'clerk@case.shop', password: 'a-long-password-1' }), token: null })).body;
  const own = await raw('GET', `/api/provisioning/tenants/${tenantId.toUpperCase()}/status`, { token: session.access_token });
  assert.equal(own.status, 200, JSON.stringify(own.body));
});

test('a user id in upper case is the same user: the last platform admin stays protected, and an unchanged tenant in upper case revokes no token', async () => {
  const me = (await raw('GET', '/api/auth/me')).body.user;
  // the only platform admin: disabling or deleting it by its id in upper case is refused like in lower case
  const disabled = await raw('PATCH', `/api/users/${me.sub.toUpperCase()}`, json({ disabled: true }));
  assert.equal(disabled.status, 409, JSON.stringify(disabled.body));
  assert.equal(disabled.body.code, 'LAST_PLATFORM_ADMIN');
  const deleted = await raw('DELETE', `/api/users/${me.sub.toUpperCase()}`);
  assert.equal(deleted.status, 409, JSON.stringify(deleted.body));
  assert.equal((await raw('GET', '/api/auth/me')).status, 200, 'the admin token still works');

  const made = await h.call('POST', '/api/users', { email: 'upper@case.shop', password: 'a-long-password-1', role: 'tenant_user', tenant_id: tenantId });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const token = (await raw('POST', '/api/auth/login', { ...json({ email: 'upper@case.shop', password: 'a-long-password-1' }), token: null })).body.access_token;
  const same = await raw('PATCH', `/api/users/${made.body.user.id.toUpperCase()}`, json({ tenant_id: tenantId.toUpperCase() }));
  assert.equal(same.status, 200, JSON.stringify(same.body));
  assert.equal(same.body.user.id, made.body.user.id);
  assert.equal(same.body.user.tenant_id, tenantId);
  assert.equal((await raw('GET', '/api/auth/me', { token })).status, 200, 'the same tenant, spelled in upper case, is no change: the token stays valid');
  const audit = (await raw('GET', '/api/audit?limit=1')).body.entries[0];
  assert.equal(audit.action, 'user.update');
  assert.equal(audit.target_id, made.body.user.id, 'the audit log names the user as its id is stored');
});
