/** erpnext.md §14.3, §7.3 — how each doctype names new documents. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, resourcePath, serverMessages, useSimulator, posProfilePayload } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());

test('Company is named by company_name (§2)', async () => {
  const r = await client().get(resourcePath('Company', 'Acme Traders'));
  assert.equal(r.body.data.name, 'Acme Traders');
});

test('Warehouse gets " - ABBR" appended, unless already suffixed (§3)', async () => {
  const c = client();
  assert.equal((await c.post(resourcePath('Warehouse'), { warehouse_name: 'Main Store', company: 'Acme Traders' })).body.data.name, 'Main Store - ACM');
  assert.equal((await c.post(resourcePath('Warehouse'), { warehouse_name: 'Back Room - ACM', company: 'Acme Traders' })).body.data.name, 'Back Room - ACM');
});

test('re-posting a warehouse is 409 DuplicateEntryError with the Duplicate Name message (§3, §7.3)', async () => {
  const r = await client().post(resourcePath('Warehouse'), { warehouse_name: 'Main Store', company: 'Acme Traders' });
  assert.equal(r.status, 409);
  assert.equal(r.body.exc_type, 'DuplicateEntryError');
  assert.deepEqual(serverMessages(r.body)[0], { message: 'Warehouse <strong>Main Store - ACM</strong> already exists', title: 'Duplicate Name', indicator: 'red' });
});

test('Account is "<name> - ABBR" or "<number> - <name> - ABBR" (§13)', async () => {
  const c = client();
  const a = await c.post(resourcePath('Account'), { account_name: 'M-Pesa', parent_account: 'Bank Accounts - ACM', account_type: 'Bank', company: 'Acme Traders' });
  assert.equal(a.body.data.name, 'M-Pesa - ACM');
  assert.equal(a.body.data.root_type, 'Asset', 'root_type comes from the parent');
  const b = await c.post(resourcePath('Account'), { account_name: 'Till', account_number: '1110', parent_account: 'Cash In Hand - ACM', company: 'Acme Traders' });
  assert.equal(b.body.data.name, '1110 - Till - ACM');
});

test('Cost Center is "<name> - ABBR" (§14.3)', async () => {
  const r = await client().post(resourcePath('Cost Center'), { cost_center_name: 'Shop', parent_cost_center: 'Acme Traders - ACM', company: 'Acme Traders' });
  assert.equal(r.body.data.name, 'Shop - ACM');
});

test('POS Profile takes name or __newname from the payload (§5)', async () => {
  const c = client();
  assert.equal((await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'Till One' }))).body.data.name, 'Till One');
  const { name: _n, ...rest } = posProfilePayload();
  assert.equal((await c.post(resourcePath('POS Profile'), { ...rest, __newname: 'Till Two' })).body.data.name, 'Till Two');
});

test('POS Profile without a name fails with "Please set the document name" (§7.3, naming.py)', async () => {
  const { name: _n, ...rest } = posProfilePayload();
  const r = await client().post(resourcePath('POS Profile'), rest);
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, 'Please set the document name');
});

test('a payload name is ignored for field-named doctypes (§7.3)', async () => {
  const r = await client().post(resourcePath('Mode of Payment'), { name: 'Other', mode_of_payment: 'M-Pesa', type: 'Phone' });
  assert.equal(r.body.data.name, 'M-Pesa');
});

test('Item Price gets a random hash name (§14.3)', async () => {
  const c = client();
  await c.post(resourcePath('Item'), { item_code: 'TEA', item_group: 'Products', stock_uom: 'Nos' });
  const r = await c.post(resourcePath('Item Price'), { item_code: 'TEA', price_list: 'Standard Selling', price_list_rate: 50 });
  assert.match(r.body.data.name, /^[0-9a-z]{10}$/);
});

test('names in URLs are decoded, including "/" inside a name (§1.1)', async () => {
  const r = await client().get(resourcePath('Account', 'Exchange Gain/Loss - ACM'));
  assert.equal(r.status, 200);
  assert.equal(r.body.data.account_name, 'Exchange Gain/Loss');
});
