/** erpnext.md §8 — Customer naming and validation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
const walkIn = { customer_name: 'Walk-in Customer', customer_type: 'Individual', customer_group: 'Individual', territory: 'All Territories' };

test('a customer is named by customer_name; customer_type defaults to Company (§8)', async () => {
  const c = client();
  const r = await c.post(resourcePath('Customer'), walkIn);
  assert.equal(r.status, 200);
  assert.equal(r.body.data.name, 'Walk-in Customer');
  const d = await c.post(resourcePath('Customer'), { customer_name: 'Default Type' });
  assert.equal(d.body.data.customer_type, 'Company');
});

test('re-posting the walk-in customer renames it instead of failing (§8)', async () => {
  const c = client();
  const r1 = await c.post(resourcePath('Customer'), walkIn);
  assert.equal(r1.status, 200);
  assert.equal(r1.body.data.name, 'Walk-in Customer - 1');
  assert.equal(serverMessages(r1.body)[0]?.message, "Changed customer name to 'Walk-in Customer - 1' as 'Walk-in Customer' already exists.");
  const r2 = await c.post(resourcePath('Customer'), walkIn);
  assert.equal(r2.body.data.name, 'Walk-in Customer - 2');
});

test('the renamed copies show up as duplicates of one business key (§8, simulator)', () => {
  const dup = client().sim.sim.duplicates().find((d) => d.doctype === 'Customer');
  assert.deepEqual(dup, { doctype: 'Customer', key: 'Walk-in Customer', names: ['Walk-in Customer', 'Walk-in Customer - 1', 'Walk-in Customer - 2'] });
});

test('customer_group and territory are optional links, validated when given (§8)', async () => {
  const c = client();
  const r = await c.post(resourcePath('Customer'), { customer_name: 'Groupless' });
  assert.equal(r.status, 200);
  const bad = await c.post(resourcePath('Customer'), { customer_name: 'Lost', customer_group: 'Martians' });
  assert.equal(serverMessages(bad.body)[0]?.message, 'Could not find Customer Group: Martians');
});

test('a customer named like a Customer Group is refused (§8 on_update)', async () => {
  const r = await client().post(resourcePath('Customer'), { customer_name: 'Commercial' });
  assert.equal(r.body.exc_type, 'NameError');
  assert.equal(client().sim.sim.get('Customer', 'Commercial'), undefined, 'rolled back');
});

test('a customer without a name is a MandatoryError (§8)', async () => {
  const r = await client().post(resourcePath('Customer'), { customer_type: 'Individual' });
  assert.equal(r.body.exc_type, 'MandatoryError');
  assert.equal(serverMessages(r.body)[0]?.message, 'Error: Value missing for Customer: Customer Name');
});
