/** erpnext.md §11 — Item and Item Price. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();

test('an item is named by item_code; item_name defaults to it; is_stock_item defaults to 1 (§11)', async () => {
  const r = await client().post(resourcePath('Item'), { item_code: 'COFFEE-001', item_group: 'Products', stock_uom: 'Nos' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.name, 'COFFEE-001');
  assert.equal(r.body.data.item_name, 'COFFEE-001');
  assert.equal(r.body.data.is_stock_item, 1);
});

test('a duplicate item_code is 409 "Item <strong>X</strong> already exists" (§11)', async () => {
  const r = await client().post(resourcePath('Item'), { item_code: 'COFFEE-001', item_group: 'Products', stock_uom: 'Nos' });
  assert.equal(r.status, 409);
  assert.equal(serverMessages(r.body)[0]?.message, 'Item <strong>COFFEE-001</strong> already exists');
});

test('a missing UOM reads "Could not find Default Unit of Measure: X" (§11)', async () => {
  const r = await client().post(resourcePath('Item'), { item_code: 'TEA', item_group: 'Products', stock_uom: 'Cups' });
  assert.equal(serverMessages(r.body)[0]?.message, 'Could not find Default Unit of Measure: Cups');
});

test('no item_code: "Item Code is mandatory because Item is not automatically numbered" (§11)', async () => {
  const r = await client().post(resourcePath('Item'), { item_group: 'Products', stock_uom: 'Nos' });
  assert.equal(serverMessages(r.body)[0]?.message, 'Item Code is mandatory because Item is not automatically numbered');
});

test('a standard_rate creates an Item Price in the default selling price list (§11)', async () => {
  const c = client();
  await createCompany(c);
  await c.post(resourcePath('Item'), { item_code: 'BUN', item_group: 'Products', stock_uom: 'Nos', standard_rate: 40 });
  const prices = c.sim.sim.list('Item Price').filter((p) => p.item_code === 'BUN');
  assert.equal(prices.length, 1);
  assert.equal(prices[0]!.price_list, 'Standard Selling');
  assert.equal(prices[0]!.price_list_rate, 40);
});

test('a second identical Item Price is refused (§11)', async () => {
  const r = await client().post(resourcePath('Item Price'), { item_code: 'BUN', price_list: 'Standard Selling', price_list_rate: 45 });
  assert.equal(r.status, 417);
  assert.match(serverMessages(r.body)[0]?.message, /^Item Price appears multiple times/);
});
