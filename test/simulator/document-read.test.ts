/**
 * What a resource endpoint answers for one document (erpnext.md §1.1, §15): the Document encoded
 * by as_dict(no_nulls=True), so fields whose value is null are left out, in child rows too; list
 * rows keep the requested fields, null included
 * [V 8848digital/frappe-v15:frappe/utils/response.py@e0497f5 json_handler; frappe/api/v1.py read_doc].
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, posProfilePayload, resourcePath, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());

test('GET of one document leaves null fields out (§15)', async () => {
  const r = await client().get(resourcePath('Company', 'Acme Traders'));
  assert.equal(r.status, 200);
  const d = r.body.data;
  assert.equal(d.default_cash_account, 'Cash - ACM');
  for (const field of ['default_bank_account', 'tax_id', 'parent_company', 'existing_company']) {
    assert.equal(field in d, false, `${field} is null and left out`);
  }
  for (const v of Object.values(d)) assert.notEqual(v, null);
  assert.equal(d.is_group, 0, 'zero is a value, not a null');
  assert.equal(d.doctype, 'Company');
});

test('child rows leave their null fields out too (§15)', async () => {
  const c = client();
  assert.equal((await c.post(resourcePath('POS Profile'), posProfilePayload())).status, 200);
  const r = await c.get(resourcePath('POS Profile', 'Acme POS'));
  const row = r.body.data.payments[0];
  assert.equal(row.mode_of_payment, 'Cash');
  assert.equal(row.parent, 'Acme POS');
  for (const v of Object.values(row)) assert.notEqual(v, null);
  assert.deepEqual(r.body.data.applicable_for_users, [], 'an empty table stays an empty list');
});

test('the document a POST or PUT answers leaves null fields out as well (create_doc/update_doc return the Document)', async () => {
  const c = client();
  const created = await c.post(resourcePath('Warehouse'), { warehouse_name: 'Read Check', company: 'Acme Traders' });
  assert.equal(created.status, 200);
  assert.equal('parent_warehouse' in created.body.data, false);
  assert.equal('email_id' in created.body.data, false);
  const updated = await c.put(resourcePath('Warehouse', 'Read Check - ACM'), { city: 'Nairobi' });
  assert.equal(updated.body.data.city, 'Nairobi');
  assert.equal('email_id' in updated.body.data, false);
});

test('list rows keep the requested fields, null included (§15)', async () => {
  const r = await client().list('Company', { fields: ['name', 'default_bank_account', 'tax_id'], filters: { name: 'Acme Traders' } });
  assert.deepEqual(r.body.data, [{ name: 'Acme Traders', default_bank_account: null, tax_id: null }]);
});
