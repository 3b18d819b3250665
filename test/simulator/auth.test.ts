/** erpnext.md §1.2 — authentication as Frappe's validate_auth does it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSimulator } from './helpers.ts';

const client = await useSimulator();
const raw = (path: string, headers: Record<string, string> = {}) => fetch(`${client().sim.url}${path}`, { headers });

test('ping answers pong without credentials (§1.2)', async () => {
  const r = await raw('/api/method/ping');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { message: 'pong' });
});

test('"token key:secret" authenticates as Administrator, scheme case-insensitive (§1.2)', async () => {
  const { apiKey, apiSecret } = client().sim;
  for (const scheme of ['token', 'Token', 'TOKEN']) {
    const r = await raw('/api/method/frappe.auth.get_logged_user', { Authorization: `${scheme} ${apiKey}:${apiSecret}` });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { message: 'Administrator' });
  }
});

test('Basic base64(key:secret) authenticates (§1.2)', async () => {
  const { apiKey, apiSecret } = client().sim;
  const r = await raw('/api/method/frappe.auth.get_logged_user', { Authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` });
  assert.equal(r.status, 200);
});

test('a wrong secret is 401 AuthenticationError (§1.2)', async () => {
  const r = await raw('/api/method/frappe.auth.get_logged_user', { Authorization: `token ${client().sim.apiKey}:nope` });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).exc_type, 'AuthenticationError');
});

test('an unknown key is 401 even on ping, because auth is validated for every request (§1.2)', async () => {
  const r = await raw('/api/method/ping', { Authorization: 'token someone:else' });
  assert.equal(r.status, 401);
});

test('"Bearer key:secret" is not an OAuth token and is rejected with 401 (§1.2)', async () => {
  const { apiKey, apiSecret } = client().sim;
  const r = await raw('/api/method/frappe.auth.get_logged_user', { Authorization: `Bearer ${apiKey}:${apiSecret}` });
  assert.equal(r.status, 401);
});

test('without credentials a whitelisted method is 403 PermissionError (§1.2)', async () => {
  const r = await raw('/api/method/frappe.auth.get_logged_user');
  assert.equal(r.status, 403);
  assert.equal((await r.json()).exc_type, 'PermissionError');
});

test('without credentials resources are 403 PermissionError (§1.2)', async () => {
  const r = await raw('/api/resource/Company');
  assert.equal(r.status, 403);
  assert.equal((await r.json()).exc_type, 'PermissionError');
});
