/**
 * frappe.client.get_value (erpnext.md §1.1, §15) [V 8848digital/frappe-v15:frappe/client.py@e0497f5]:
 * `filters` may be a plain name (get_safe_filters leaves text that is not JSON as it is, then
 * {"name": filters}); `fieldname` is one field or a JSON list; a record that does not exist
 * answers `{"message": {}}`, not a 404.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());

const getValue = (params: Record<string, string>) => client().get(`/api/method/frappe.client.get_value?${new URLSearchParams(params)}`);

test('a plain name as filters: {"message": {"abbr": ...}} (§15)', async () => {
  const r = await getValue({ doctype: 'Company', filters: 'Acme Traders', fieldname: 'abbr' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { message: { abbr: 'ACM' } });
});

test('a missing record answers {"message": {}} with 200, not 404 (§15)', async () => {
  const byName = await getValue({ doctype: 'Company', filters: 'Nobody Ltd', fieldname: 'abbr' });
  assert.equal(byName.status, 200);
  assert.deepEqual(byName.body, { message: {} });
  const byFilter = await getValue({ doctype: 'Company', filters: JSON.stringify({ abbr: 'ZZZ' }), fieldname: 'name' });
  assert.deepEqual(byFilter.body, { message: {} });
});

test('filters as a JSON dict and fieldname as a JSON list; names compare case-insensitively', async () => {
  const r = await getValue({ doctype: 'Company', filters: JSON.stringify({ abbr: 'acm' }), fieldname: JSON.stringify(['name', 'default_currency', 'tax_id']) });
  assert.deepEqual(r.body, { message: { name: 'Acme Traders', default_currency: 'KES', tax_id: null } });
  const lower = await getValue({ doctype: 'Company', filters: 'acme traders', fieldname: 'name' });
  assert.deepEqual(lower.body, { message: { name: 'Acme Traders' } });
});

test('a Single answers its fields (get_values_from_single)', async () => {
  const r = await getValue({ doctype: 'System Settings', fieldname: 'setup_complete' });
  assert.deepEqual(r.body, { message: { setup_complete: 1 } });
});

test('frappe.client.get_count accepts a plain name as filters too', async () => {
  const r = await client().get(`/api/method/frappe.client.get_count?${new URLSearchParams({ doctype: 'Company', filters: 'Acme Traders' })}`);
  assert.deepEqual(r.body, { message: 1 });
});
