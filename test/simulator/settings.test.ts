/** erpnext.md §10, §12 — single doctypes and the setup-wizard fixtures. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { clientFor, createCompany, resourcePath, serverMessages, useSimulator, type Client } from './helpers.ts';

const client = await useSimulator();

test('singles are read at /api/resource/<X>/<X> (§10)', async () => {
  const r = await client().get(resourcePath('Stock Settings', 'Stock Settings'));
  assert.equal(r.status, 200);
  assert.equal(r.body.data.name, 'Stock Settings');
  assert.equal(r.body.data.item_naming_by, 'Item Code');
  assert.equal(r.body.data.valuation_method, 'FIFO');
  assert.equal(r.body.data.stock_uom, 'Nos');
});

test('singles are updated by PUT and their links validated (§10)', async () => {
  const c = client();
  await createCompany(c);
  const ok = await c.put(resourcePath('Stock Settings', 'Stock Settings'), { default_warehouse: 'Stores - ACM' });
  assert.equal(ok.body.data.default_warehouse, 'Stores - ACM');
  const bad = await c.put(resourcePath('Selling Settings', 'Selling Settings'), { customer_group: 'Nobody' });
  assert.equal(serverMessages(bad.body)[0]?.message, 'Could not find Default Customer Group: Nobody');
});

test('a group warehouse as Stock Settings default is refused (§10)', async () => {
  const r = await client().put(resourcePath('Stock Settings', 'Stock Settings'), { default_warehouse: 'All Warehouses - ACM' });
  assert.equal(r.status, 417);
  assert.deepEqual(serverMessages(r.body)[0], {
    message: 'Group Warehouses cannot be used in transactions. Please change the value of <strong>Default Warehouse</strong>',
    title: 'Incorrect Warehouse',
    indicator: 'red',
    raise_exception: 1,
  });
});

test('setup_complete is readable via frappe.client.get_single_value (§12)', async () => {
  const r = await client().get('/api/method/frappe.client.get_single_value?doctype=System%20Settings&field=setup_complete');
  assert.deepEqual(r.body, { message: 1 });
});

test('a set-up site has the wizard fixtures (§12)', () => {
  const s = client().sim.sim;
  for (const [dt, name] of [
    ['Customer Group', 'All Customer Groups'], ['Customer Group', 'Individual'], ['Territory', 'All Territories'],
    ['Price List', 'Standard Selling'], ['Price List', 'Standard Buying'], ['UOM', 'Nos'], ['Item Group', 'Products'],
    ['Mode of Payment', 'Cash'], ['Mode of Payment', 'Credit Card'], ['Warehouse Type', 'Transit'], ['User', 'Administrator'],
    ['Currency', 'KES'], ['Country', 'Kenya'],
  ] as const) {
    assert.ok(s.get(dt, name), `${dt} ${name}`);
  }
  assert.equal(s.get('Mode of Payment', 'Cash')?.type, 'Cash');
  assert.equal(s.get('Price List', 'Standard Selling')?.selling, 1);
});

let fresh: Client;
fresh = clientFor(await startErpnextSimulator({ setupComplete: false }));
after(() => fresh.sim.close());

test('a site whose wizard never ran lacks the wizard fixtures and reports setup_complete 0 (§12)', async () => {
  const s = fresh.sim.sim;
  for (const dt of ['Customer Group', 'Territory', 'Price List', 'Mode of Payment', 'UOM', 'Item Group']) assert.equal(s.count(dt), 0, dt);
  assert.ok(s.get('Currency', 'KES'));
  assert.ok(s.get('Warehouse Type', 'Transit'));
  const r = await fresh.get('/api/method/frappe.client.get_single_value?doctype=System%20Settings&field=setup_complete');
  assert.deepEqual(r.body, { message: 0 });
});

test('on such a site links to wizard records fail, and a company has no Cash mode row (§12, §2)', async () => {
  const r = await fresh.post(resourcePath('Customer'), { customer_name: 'Walk-in', customer_group: 'All Customer Groups' });
  assert.equal(serverMessages(r.body)[0]?.message, 'Could not find Customer Group: All Customer Groups');
  await createCompany(fresh);
  assert.equal(fresh.sim.sim.count('Mode of Payment'), 0);
  assert.equal(fresh.sim.sim.count('Account'), 81);
});
