/** erpnext.md §1.1 — GET /api/resource/:doctype list semantics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, useSimulator, ACME } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());
await createCompany(client(), { company_name: 'Beta Shop', abbr: 'BS', default_currency: 'UGX', country: 'Uganda' });

test('list returns only name unless fields are asked for (§1.1)', async () => {
  const r = await client().list('Company');
  assert.equal(r.status, 200);
  for (const row of r.body.data) assert.deepEqual(Object.keys(row), ['name']);
});

test('list returns exactly the requested fields, "*" returns every column (§1.1)', async () => {
  const r = await client().list('Company', { fields: ['name', 'abbr'] });
  assert.deepEqual(r.body.data.map((d: any) => Object.keys(d)), [['name', 'abbr'], ['name', 'abbr']]);
  const all = await client().list('Company', { fields: ['*'], filters: { name: ACME.company_name } });
  assert.equal(all.body.data[0].default_currency, 'KES');
  assert.equal(all.body.data[0].docstatus, 0);
});

test('dict filters, operator pairs and case-insensitive equality (§1.1)', async () => {
  const c = client();
  assert.equal((await c.list('Warehouse', { filters: { company: 'Acme Traders' }, limit_page_length: 0 })).body.data.length, 5);
  assert.equal((await c.list('Warehouse', { filters: { company: 'acme traders' } })).body.data.length, 5);
  assert.equal((await c.list('Warehouse', { filters: { company: ['!=', 'Acme Traders'] } })).body.data.length, 5);
  assert.equal((await c.list('Warehouse', { filters: { name: ['like', '%Stores%'] } })).body.data.length, 2);
  assert.equal((await c.list('Company', { filters: { abbr: ['in', ['ACM', 'BS']] } })).body.data.length, 2);
});

test('list-form filters with and without the doctype, and or_filters (§1.1)', async () => {
  const c = client();
  const four = await c.list('Warehouse', { filters: [['Warehouse', 'company', '=', 'Beta Shop'], ['is_group', '=', 0]] });
  assert.equal(four.body.data.length, 4);
  const either = await c.list('Company', { or_filters: [['abbr', '=', 'ACM'], ['abbr', '=', 'BS']] });
  assert.equal(either.body.data.length, 2);
});

test('filters on a child table match any row (§1.1)', async () => {
  const r = await client().list('Mode of Payment', { filters: [['Mode of Payment Account', 'company', '=', 'Beta Shop']] });
  assert.deepEqual(r.body.data, [{ name: 'Cash' }]);
});

test('conditions on one child table hold on one joined row, as Frappe\'s SQL join does (§1.1)', async () => {
  // Cash has a row for each company: Acme's account is "Cash - ACM", Beta's "Cash - BS"
  const sameRow = (account: string) =>
    client().list('Mode of Payment', { filters: [['Mode of Payment Account', 'company', '=', 'Beta Shop'], ['Mode of Payment Account', 'default_account', '=', account]] });
  assert.deepEqual((await sameRow('Cash - BS')).body.data, [{ name: 'Cash' }]);
  assert.deepEqual((await sameRow('Cash - ACM')).body.data, [], 'Beta\'s row and Acme\'s row are two rows, not one');
});

test('default page length is 20, 0 means all, limit is an alias, limit_start pages (§1.1)', async () => {
  const c = client();
  assert.equal((await c.list('Account')).body.data.length, 20);
  const all = (await c.list('Account', { limit_page_length: 0 })).body.data.length;
  assert.ok(all > 150);
  assert.equal((await c.list('Account', { limit: 5 })).body.data.length, 5);
  const page1 = (await c.list('Account', { limit_page_length: 3, order_by: 'name asc' })).body.data;
  const page2 = (await c.list('Account', { limit_page_length: 3, limit_start: 3, order_by: 'name asc' })).body.data;
  assert.notDeepEqual(page1, page2);
});

test('default order is modified desc; order_by sorts (§1.1)', async () => {
  const c = client();
  assert.deepEqual((await c.list('Company')).body.data.map((d: any) => d.name), ['Beta Shop', 'Acme Traders']);
  assert.deepEqual((await c.list('Company', { order_by: 'name asc' })).body.data.map((d: any) => d.name), ['Acme Traders', 'Beta Shop']);
});

test('a GET of one document includes child tables with their standard fields (§1.1)', async () => {
  const r = await client().get('/api/resource/Mode%20of%20Payment/Cash');
  const row = r.body.data.accounts[0];
  for (const f of ['name', 'parent', 'parentfield', 'parenttype', 'idx', 'doctype']) assert.ok(f in row, f);
  assert.equal(row.parent, 'Cash');
  assert.equal(row.parenttype, 'Mode of Payment');
  for (const f of ['name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx']) assert.ok(f in r.body.data, f);
});

test('or_filters in dict form: any of the conditions (§1.1, frappe.client.get_list)', async () => {
  const r = await client().list('Company', { or_filters: { abbr: 'BS', company_name: ['like', 'Acme%'] }, fields: ['name'], order_by: 'name asc' });
  assert.deepEqual(r.body.data.map((d: any) => d.name), ['Acme Traders', 'Beta Shop']);
  const none = await client().list('Company', { or_filters: { abbr: 'ZZ', company_name: 'Nobody' } });
  assert.deepEqual(none.body.data, []);
});
