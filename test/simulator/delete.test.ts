/**
 * DELETE /api/resource/:doctype/:name (erpnext.md §1.1, §15): frappe.delete_doc, then HTTP 202
 * with the endpoint's "ok" under "data" (8848digital/frappe-v15:frappe/api/v1.py@e0497f5 delete_doc).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());

test('a delete answers 202 {"data": "ok"} and the document is gone (§15)', async () => {
  const c = client();
  await c.post(resourcePath('Warehouse'), { warehouse_name: 'Spare', company: 'Acme Traders' });
  const r = await c.del(resourcePath('Warehouse', 'Spare - ACM'));
  assert.equal(r.status, 202);
  assert.deepEqual(r.body, { data: 'ok' });
  assert.equal((await c.get(resourcePath('Warehouse', 'Spare - ACM'))).status, 404);
});

test('a document another one links to cannot be deleted: LinkExistsError 417 (§1.1, delete_doc.py raise_link_exists_exception)', async () => {
  const c = client();
  const r = await c.del(resourcePath('Warehouse Type', 'Transit'));
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'LinkExistsError');
  assert.deepEqual(serverMessages(r.body).map((m) => m.message), [
    'Cannot delete or cancel because Warehouse Type <a href="/app/Form/Warehouse Type/Transit">Transit</a> is linked with Warehouse <a href="/app/Form/Warehouse/Goods In Transit - ACM">Goods In Transit - ACM</a> ',
  ]);
  assert.ok(c.sim.sim.get('Warehouse Type', 'Transit'));
});

test('a linked document of a doctype that can be disabled: a second message "You can disable this X instead of deleting it." (delete_doc.py)', async () => {
  const c = client();
  const r = await c.del(resourcePath('Account', 'Write Off - ACM'));
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'LinkExistsError');
  assert.equal(r.body.exception, 'frappe.exceptions.LinkExistsError: You can disable this Account instead of deleting it.');
  const messages = serverMessages(r.body).map((m) => m.message);
  assert.equal(messages.length, 2);
  assert.match(messages[0]!, /^Cannot delete or cancel because Account <a href="\/app\/Form\/Account\/Write Off - ACM">Write Off - ACM<\/a> is linked with /);
  assert.equal(messages[1], 'You can disable this Account instead of deleting it.');
  assert.ok(c.sim.sim.get('Account', 'Write Off - ACM'));
});

test('deleting a missing document is a bare 404 DoesNotExistError, without a message (delete_doc.py ignore_missing=False)', async () => {
  const r = await client().del(resourcePath('Warehouse', 'Nowhere - ACM'));
  assert.equal(r.status, 404);
  assert.equal(r.body.exc_type, 'DoesNotExistError');
  assert.deepEqual(r.body, { exc_type: 'DoesNotExistError' }, 'no message, and a 404 carries no traceback');
});
