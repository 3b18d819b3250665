import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
before(async () => {
  h = await startHarness();
  tenantId = (await h.createTenant({ name: 'Input Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
});
after(() => h.close());

async function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${h.api}${path}`, { method, headers: { authorization: `Bearer ${h.token}`, ...init.headers }, body: init.body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

function assertProblem(r: { status: number; type: string; body: any }, status: number, code: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.type, /application\/problem\+json/);
  assert.equal(r.body.code, code);
  assert.equal(r.body.status, status);
  assert.ok(r.body.detail, 'a problem says what is wrong');
}

test('malformed JSON is a 400 MALFORMED_JSON', async () => {
  assertProblem(await raw('POST', '/api/tenants', { body: '{"name": "x",', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
  assertProblem(await raw('POST', '/api/auth/login', { body: 'not json', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
});

test('wrong types and unknown fields are a 400 VALIDATION_FAILED naming the field', async () => {
  const r = await raw('POST', `/api/provisioning/tenants/${tenantId}/start`, { body: JSON.stringify({ include_demo_data: 'yes' }), headers: { 'content-type': 'application/json' } });
  assertProblem(r, 400, 'VALIDATION_FAILED');
  assert.match(r.body.detail, /include_demo_data/);
  const unknown = await raw('POST', '/api/tenants', { body: JSON.stringify({ name: 'Valid Name', country_code: 'KE', colour: 'red' }), headers: { 'content-type': 'application/json' } });
  assertProblem(unknown, 400, 'VALIDATION_FAILED');
  const badName = await raw('POST', '/api/tenants', { body: JSON.stringify({ name: '<script>', country_code: 'KE' }), headers: { 'content-type': 'application/json' } });
  assertProblem(badName, 400, 'VALIDATION_FAILED');
  const badStep = await raw('POST', `/api/provisioning/tenants/${tenantId}/retry`, { body: JSON.stringify({ step: 'step_99' }), headers: { 'content-type': 'application/json' } });
  assertProblem(badStep, 400, 'VALIDATION_FAILED');
  assertProblem(await raw('GET', `/api/provisioning/tenants/${tenantId}/logs?limit=abc`), 400, 'VALIDATION_FAILED');
});

test('an unknown country code is a 400 UNKNOWN_COUNTRY and creates nothing', async () => {
  const before = (await h.call('GET', '/api/tenants')).body.tenants.length;
  assertProblem(await raw('POST', '/api/tenants', { body: JSON.stringify({ name: 'Nowhere Shop', country_code: 'ZZ' }), headers: { 'content-type': 'application/json' } }), 400, 'UNKNOWN_COUNTRY');
  assert.equal((await h.call('GET', '/api/tenants')).body.tenants.length, before);
});

test('a second tenant with the same name on the engine is a 409', async () => {
  assertProblem(await raw('POST', '/api/tenants', { body: JSON.stringify({ name: 'input shop', country_code: 'KE', provisioning: { auto_start: false } }), headers: { 'content-type': 'application/json' } }), 409, 'TENANT_NAME_TAKEN');
});

test('an unknown tenant is a 404 and a malformed id a 400', async () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  for (const path of [`/api/provisioning/tenants/${unknown}/status`, `/api/provisioning/tenants/${unknown}/logs`, `/api/tenants/${unknown}`]) {
    assertProblem(await raw('GET', path), 404, 'TENANT_NOT_FOUND');
  }
  assertProblem(await raw('POST', `/api/provisioning/tenants/${unknown}/continue`), 404, 'TENANT_NOT_FOUND');
  assertProblem(await raw('GET', '/api/provisioning/tenants/not-a-uuid/status'), 400, 'VALIDATION_FAILED');
});

test('a missing or bad token is a 401 UNAUTHENTICATED', async () => {
  for (const headers of [{ authorization: '' }, { authorization: 'Bearer nonsense' }, { authorization: 'Basic YWRtaW46YWRtaW4=' }]) {
    const res = await fetch(`${h.api}/api/provisioning/tenants/${tenantId}/status`, { headers });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).code, 'UNAUTHENTICATED');
  }
});

test('wrong credentials are a 401 INVALID_CREDENTIALS', async () => {
  const r = await raw('POST', '/api/auth/login', { body: JSON.stringify({ email: 'admin@moran.com', password: 'wrong' }), headers: { 'content-type': 'application/json' } });
  assertProblem(r, 401, 'INVALID_CREDENTIALS');
  const unknownUser = await raw('POST', '/api/auth/login', { body: JSON.stringify({ email: 'nobody@example.com', password: 'x' }), headers: { 'content-type': 'application/json' } });
  assertProblem(unknownUser, 401, 'INVALID_CREDENTIALS');
});

test("what Fastify refuses before a route runs is a problem too: 414 URI_TOO_LONG, 413 BODY_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE", async () => {
  assertProblem(await raw('GET', `/api/tenants/${'a'.repeat(101)}`), 414, 'URI_TOO_LONG');
  assertProblem(await raw('POST', '/api/tenants', { body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }), headers: { 'content-type': 'application/json' } }), 413, 'BODY_TOO_LARGE');
  assertProblem(await raw('POST', '/api/tenants', { body: '<tenant/>', headers: { 'content-type': 'application/xml' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('an unknown route is a 404 problem', async () => {
  assertProblem(await raw('GET', '/api/nothing-here'), 404, 'ROUTE_NOT_FOUND');
});

test('a tenant user cannot see another tenant', async () => {
  const other = (await h.createTenant({ name: 'Other Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  const created = await h.call('POST', '/api/users', { email: 'cashier@input.shop', password: 'a-long-password-1', role: 'tenant_admin', tenant_id: tenantId });
  assert.equal(created.status, 201);
  assert.equal(created.body.user.password_hash, undefined);
  const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cashier@input.shop', password: 'a-long-password-1' }) });
  const session = (await login.json()) as any;
  assert.deepEqual(session.tenants.map((t: any) => t.id), [tenantId]);
  const own = await fetch(`${h.api}/api/provisioning/tenants/${tenantId}/status`, { headers: { authorization: `Bearer ${session.access_token}` } });
  assert.equal(own.status, 200);
  const theirs = await fetch(`${h.api}/api/provisioning/tenants/${other}/status`, { headers: { authorization: `Bearer ${session.access_token}` } });
  assert.equal(theirs.status, 404);
  const engines = await fetch(`${h.api}/api/engines`, { headers: { authorization: `Bearer ${session.access_token}` } });
  assert.equal(engines.status, 403);
});

test('engines never show their credentials', async () => {
  const r = await h.call('GET', '/api/engines');
  assert.equal(r.status, 200);
  const text = JSON.stringify(r.body);
  assert.ok(!text.includes(h.simulator.apiSecret));
  const health = await h.call('POST', '/api/engines/default/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.health.authenticated, true);
  assert.ok(!JSON.stringify(health.body).includes(h.simulator.apiSecret));
});
