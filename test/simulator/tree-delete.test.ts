/**
 * Deleting a node of a tree (erpnext.md §3, §15): a group with children cannot be deleted.
 * Warehouse has its own on_trash and message [V thimphutpl/erpnext-V15:erpnext/stock/doctype/warehouse/warehouse.py@12dea10];
 * Account, Cost Center, the tree masters and Company use NestedSet's: "Cannot delete {0} as it has
 * child nodes", NestedSetChildExistsError, a ValidationError → 417
 * [V 8848digital/frappe-v15:frappe/utils/nestedset.py@e0497f5].
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());

const message = (body: Record<string, any>) => serverMessages(body)[0]?.message;

test('a group warehouse with children cannot be deleted: 417 with the Warehouse\'s own message (§15)', async () => {
  const c = client();
  const r = await c.del(resourcePath('Warehouse', 'All Warehouses - ACM'));
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'ValidationError');
  assert.equal(message(r.body), 'Child warehouse exists for this warehouse. You can not delete this warehouse.');
  assert.ok(c.sim.sim.get('Warehouse', 'All Warehouses - ACM'));
  assert.ok(c.sim.sim.get('Warehouse', 'Stores - ACM'));
});

test('once its children are gone, the group warehouse can be deleted (202)', async () => {
  const c = client();
  assert.equal((await c.post(resourcePath('Warehouse'), { warehouse_name: 'Overflow', is_group: 1, company: 'Acme Traders', parent_warehouse: 'All Warehouses - ACM' })).status, 200);
  assert.equal((await c.post(resourcePath('Warehouse'), { warehouse_name: 'Overflow Shelf', company: 'Acme Traders', parent_warehouse: 'Overflow - ACM' })).status, 200);
  assert.equal((await c.del(resourcePath('Warehouse', 'Overflow - ACM'))).status, 417);
  assert.equal((await c.del(resourcePath('Warehouse', 'Overflow Shelf - ACM'))).status, 202);
  assert.equal((await c.del(resourcePath('Warehouse', 'Overflow - ACM'))).status, 202);
});

test('an item\'s default warehouse does not block the delete: the Item Default row is unlinked (warehouse.py unlink_from_items)', async () => {
  const c = client();
  await c.post(resourcePath('Warehouse'), { warehouse_name: 'Kiosk', company: 'Acme Traders', parent_warehouse: 'All Warehouses - ACM' });
  const item = await c.post(resourcePath('Item'), { item_code: 'TREE-1', item_group: 'Products', stock_uom: 'Nos', item_defaults: [{ company: 'Acme Traders', default_warehouse: 'Kiosk - ACM' }] });
  assert.equal(item.status, 200);
  assert.equal((await c.del(resourcePath('Warehouse', 'Kiosk - ACM'))).status, 202);
  const row = (c.sim.sim.get('Item', 'TREE-1')!.item_defaults as any[])[0];
  assert.equal(row.default_warehouse, null);
  assert.equal(row.company, 'Acme Traders');
});

test('a warehouse named in a Single (Stock Settings) is linked: the Single is named once in the message (delete_doc.py)', async () => {
  const c = client();
  await c.post(resourcePath('Warehouse'), { warehouse_name: 'Central', company: 'Acme Traders', parent_warehouse: 'All Warehouses - ACM' });
  assert.equal((await c.put(resourcePath('Stock Settings', 'Stock Settings'), { default_warehouse: 'Central - ACM' })).status, 200);
  const r = await c.del(resourcePath('Warehouse', 'Central - ACM'));
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'LinkExistsError');
  assert.equal(
    message(r.body),
    'Cannot delete or cancel because Warehouse <a href="/app/Form/Warehouse/Central - ACM">Central - ACM</a> is linked with  <a href="/app/Form/Stock Settings/Stock Settings">Stock Settings</a> ',
  );
  await c.put(resourcePath('Stock Settings', 'Stock Settings'), { default_warehouse: null });
});

test('a group account with children: NestedSetChildExistsError "Cannot delete X as it has child nodes" (417)', async () => {
  const c = client();
  const r = await c.del(resourcePath('Account', 'Cash In Hand - ACM'));
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'NestedSetChildExistsError');
  assert.equal(r.body.exception, 'frappe.utils.nestedset.NestedSetChildExistsError: Cannot delete Cash In Hand - ACM as it has child nodes');
  assert.equal(message(r.body), 'Cannot delete Cash In Hand - ACM as it has child nodes');
});

test('a group cost centre and a tree master with children are refused the same way (NestedSet.on_trash)', async () => {
  const c = client();
  const cc = await c.del(resourcePath('Cost Center', 'Acme Traders - ACM'));
  assert.equal(cc.status, 417);
  assert.equal(message(cc.body), 'Cannot delete Acme Traders - ACM as it has child nodes');
  const group = await c.del(resourcePath('Item Group', 'All Item Groups'));
  assert.equal(group.status, 417);
  assert.equal(group.body.exc_type, 'NestedSetChildExistsError');
  assert.equal(message(group.body), 'Cannot delete All Item Groups as it has child nodes');
});
