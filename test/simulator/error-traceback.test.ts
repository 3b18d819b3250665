/**
 * Which fields an error body carries (erpnext.md §1.3): `exc_type` always; `exception` (the
 * traceback's last line) and `exc` only when System Settings.allow_error_traceback is on, and
 * never for a 404 [V 8848digital/frappe-v15:frappe/utils/response.py@e0497f5 report_error,
 * _make_logs_v1]. A fresh v15 site has it off (the field has no default,
 * frappe/core/doctype/system_settings/system_settings.json); the simulator starts with it on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();

const settings = resourcePath('System Settings', 'System Settings');

test('with allow_error_traceback on (the simulator\'s start), a 417 carries exception and exc', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'Blank', abbr: ' ', default_currency: 'KES', country: 'Kenya' });
  assert.equal(r.status, 417);
  assert.equal(r.body.exception, 'frappe.exceptions.ValidationError: Abbreviation is mandatory');
  assert.equal(typeof r.body.exc, 'string');
});

test('a 404 never carries exception or exc', async () => {
  const r = await client().get(resourcePath('Company', 'Nobody'));
  assert.equal(r.status, 404);
  assert.equal(r.body.exc_type, 'DoesNotExistError');
  assert.equal(r.body.exception, undefined);
  assert.equal(r.body.exc, undefined);
  assert.equal(serverMessages(r.body)[0]?.message, 'Company Nobody not found');
});

test('with allow_error_traceback off (a fresh v15 site), errors carry exc_type and _server_messages only', async () => {
  const c = client();
  assert.equal((await c.put(settings, { allow_error_traceback: 0 })).status, 200);
  try {
    const r = await c.post(resourcePath('Company'), { company_name: 'Blank', abbr: ' ', default_currency: 'KES', country: 'Kenya' });
    assert.equal(r.status, 417);
    assert.deepEqual(Object.keys(r.body).sort(), ['_server_messages', 'exc_type']);
    assert.equal(serverMessages(r.body)[0]?.message, 'Abbreviation is mandatory');
  } finally {
    await c.put(settings, { allow_error_traceback: 1 });
  }
});
