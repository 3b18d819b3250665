/** erpnext.md §12 — the calls a health check makes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSimulator } from './helpers.ts';

const client = await useSimulator();

test('get_versions reports frappe and erpnext version 15 (§12)', async () => {
  const r = await client().get('/api/method/frappe.utils.change_log.get_versions');
  assert.equal(r.status, 200);
  assert.equal(r.body.message.frappe.title, 'Frappe Framework');
  assert.match(r.body.message.frappe.version, /^15\.\d+\.\d+$/);
  assert.equal(r.body.message.erpnext.title, 'ERPNext');
  assert.match(r.body.message.erpnext.version, /^15\.\d+\.\d+$/);
});

test('the same routes are served under /api/v1 (§1.1)', async () => {
  const r = await client().get('/api/v1/method/frappe.auth.get_logged_user');
  assert.deepEqual(r.body, { message: 'Administrator' });
});

test('frappe.client.get_count counts with filters (§1.1)', async () => {
  const r = await client().get(`/api/method/frappe.client.get_count?doctype=Mode%20of%20Payment&filters=${encodeURIComponent(JSON.stringify({ type: 'Bank' }))}`);
  assert.deepEqual(r.body, { message: 4 });
});
