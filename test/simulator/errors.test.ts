/** erpnext.md §1.3 — the shape of Frappe error responses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();

test('a thrown validation error carries exc_type, exception, exc and double-encoded _server_messages (§1.3)', async () => {
  const c = client();
  await createCompany(c);
  const r = await c.post(resourcePath('Company'), { company_name: 'Acme Two', abbr: 'ACM', default_currency: 'KES', country: 'Kenya' });
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'ValidationError');
  assert.equal(r.body.exception, 'frappe.exceptions.ValidationError: Abbreviation already used for another company');
  const exc = JSON.parse(r.body.exc) as string[];
  assert.match(exc[0]!, /^Traceback \(most recent call last\)/);
  assert.equal(typeof r.body._server_messages, 'string');
  const outer = JSON.parse(r.body._server_messages) as unknown[];
  assert.equal(typeof outer[0], 'string', 'each message is itself a JSON string');
  assert.deepEqual(serverMessages(r.body), [
    { message: 'Abbreviation already used for another company', title: 'Message', indicator: 'red', raise_exception: 1 },
  ]);
});

test('_server_messages use Python json.dumps spacing (§1.3)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'Acme Three', abbr: 'ACM', default_currency: 'KES', country: 'Kenya' });
  assert.ok(r.body._server_messages.startsWith('["{\\"message\\": \\"Abbreviation'));
});

test('a missing document is 404 DoesNotExistError "{Doctype} {name} not found" (§1.1)', async () => {
  const r = await client().get(resourcePath('Warehouse', 'Nowhere - ACM'));
  assert.equal(r.status, 404);
  assert.equal(r.body.exc_type, 'DoesNotExistError');
  assert.equal(serverMessages(r.body)[0]?.message, 'Warehouse Nowhere - ACM not found');
});

test('an unknown doctype is 404 "DocType X not found" (§1.1)', async () => {
  const r = await client().get(resourcePath('Spaceship'));
  assert.equal(r.status, 404);
  assert.equal(r.body.exc_type, 'DoesNotExistError');
  assert.equal(serverMessages(r.body)[0]?.message, 'DocType Spaceship not found');
});

test('an unknown method fails like execute_cmd: 417 "Failed to get method for command" (§1.1, handler.py)', async () => {
  const r = await client().get('/api/method/frappe.nothing.here');
  assert.equal(r.status, 417);
  assert.match(serverMessages(r.body)[0]?.message, /^Failed to get method for command frappe\.nothing\.here with /);
});

test('errors are HTML when the Accept header starts with "text" (§1.3, app.py handle_exception)', async () => {
  const r = await client().get(resourcePath('Warehouse', 'Nowhere'), { Accept: 'text/html' });
  assert.equal(r.status, 404);
  assert.match(r.body._text, /Not Found/);
});

test('a successful response carries no error fields (§1.1)', async () => {
  const r = await client().get(resourcePath('Company', 'Acme Traders'));
  assert.equal(r.status, 200);
  assert.equal(r.body.exc_type, undefined);
  assert.equal(r.body.data.name, 'Acme Traders');
});
