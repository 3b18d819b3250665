/**
 * /api/method/<cmd> resolution (erpnext.md §1.1, §15), as frappe/handler.py execute_cmd does it
 * [V 8848digital/frappe-v15:frappe/handler.py@e0497f5, frappe/__init__.py get_attr, is_whitelisted]:
 * get_attr failures are 417 "Failed to get method for command ...", a function that exists but is
 * not whitelisted is 403 PermissionError, a method whitelisted for other HTTP verbs is 403 "Not permitted".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();

const messages = (body: Record<string, any>) => serverMessages(body).map((m) => m.message);

test('a function that exists but is not whitelisted is 403 PermissionError "Function X is not whitelisted." (§15)', async () => {
  for (const cmd of ['frappe.model.delete_doc.delete_doc', 'frappe.get_doc', 'frappe.client.insert_doc', 'frappe.utils.password.get_decrypted_password']) {
    const r = await client().post(`/api/method/${cmd}`, { doctype: 'Company', name: 'X' });
    assert.equal(r.status, 403, cmd);
    assert.equal(r.body.exc_type, 'PermissionError', cmd);
    const [m] = serverMessages(r.body);
    assert.equal(m?.message, `<details><summary>You are not permitted to access this resource. Login to access</summary>Function <strong>${cmd}</strong> is not whitelisted.</details>`);
    assert.equal(m?.title, 'Method Not Allowed');
    assert.equal(m?.indicator, 'red');
  }
});

test('a path whose module does not exist is 417 "... with No module named \'<first missing package>\'" (get_attr → import_module)', async () => {
  const r = await client().get('/api/method/frappe.db.sql');
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'ValidationError');
  assert.deepEqual(messages(r.body), ["Failed to get method for command frappe.db.sql with No module named 'frappe.db'"]);
});

test('a function missing from a module that exists is 417 "... with module \'M\' has no attribute \'f\'"', async () => {
  const r = await client().get('/api/method/frappe.client.no_such_thing');
  assert.equal(r.status, 417);
  assert.deepEqual(messages(r.body), ["Failed to get method for command frappe.client.no_such_thing with module 'frappe.client' has no attribute 'no_such_thing'"]);
});

test('an app that is not installed: both messages, get_attr\'s and execute_cmd\'s (417)', async () => {
  const r = await client().get('/api/method/hrms.api.get_employees');
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'ValidationError');
  assert.deepEqual(messages(r.body), ['App hrms is not installed', 'Failed to get method for command hrms.api.get_employees with App hrms is not installed']);
});

test('a bare name that is not one of handler.py\'s is 417 "... with \'name\'" (a KeyError)', async () => {
  const r = await client().get('/api/method/version');
  assert.equal(r.status, 417);
  assert.deepEqual(messages(r.body), ["Failed to get method for command version with 'version'"]);
  assert.equal((await client().get('/api/method/ping')).body.message, 'pong');
});

test('a method whitelisted for POST/PUT called with GET is 403 "Not permitted" (is_valid_http_method)', async () => {
  const r = await client().get(`/api/method/frappe.client.insert?doc=${encodeURIComponent(JSON.stringify({ doctype: 'UOM', uom_name: 'Crate' }))}`);
  assert.equal(r.status, 403);
  assert.equal(r.body.exc_type, 'PermissionError');
  assert.deepEqual(messages(r.body), ['Not permitted']);
  assert.equal(client().sim.sim.get('UOM', 'Crate'), undefined);
});

test('frappe.client.insert and frappe.client.delete work with POST; delete returns None, so no "message"', async () => {
  const c = client();
  const inserted = await c.post('/api/method/frappe.client.insert', { doc: { doctype: 'UOM', uom_name: 'Crate' } });
  assert.equal(inserted.status, 200);
  assert.equal(inserted.body.message.name, 'Crate');
  const deleted = await c.post('/api/method/frappe.client.delete', { doctype: 'UOM', name: 'Crate' });
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.body, {});
  assert.equal(c.sim.sim.get('UOM', 'Crate'), undefined);
});

test('a frappe.client method a real site whitelists but the simulator does not answer fails loudly (500), not as missing', async () => {
  const r = await client().get('/api/method/frappe.client.get_password?doctype=User&name=Administrator&fieldname=api_secret');
  assert.equal(r.status, 500);
  assert.equal(r.body.exc_type, 'NotImplementedError');
});
