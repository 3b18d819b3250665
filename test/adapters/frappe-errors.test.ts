import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frappeError, frappeMessages, parseRetryAfter } from '../../src/adapters/erpnext/frappe-errors.ts';

// erpnext.md §1.3: _server_messages is a JSON list of JSON strings
const serverMessages = (...messages: string[]) => JSON.stringify(messages.map((message) => JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1 })));

test('the double-encoded _server_messages are decoded and stripped of HTML', () => {
  assert.deepEqual(frappeMessages({ _server_messages: serverMessages('Warehouse <strong>Main Store - ACM</strong> already exists') }), ['Warehouse Main Store - ACM already exists']);
});

test('without _server_messages the exception line gives the message', () => {
  assert.deepEqual(frappeMessages({ exception: 'frappe.exceptions.ValidationError: Abbreviation already used for another company' }), ['Abbreviation already used for another company']);
});

test('Frappe statuses become typed errors with stable codes', () => {
  const v = frappeError(417, { exc_type: 'ValidationError', _server_messages: serverMessages('Abbreviation already used for another company') }, 'POST Company', null);
  assert.equal(v.code, 'ENGINE_VALIDATION');
  assert.equal(v.message, 'Abbreviation already used for another company');
  assert.equal(v.transient, false);
  assert.equal(frappeError(409, { exc_type: 'DuplicateEntryError' }, 'POST Warehouse', null).code, 'ENGINE_DUPLICATE');
  assert.equal(frappeError(404, { exc_type: 'DoesNotExistError' }, 'GET Company/X', null).code, 'ENGINE_NOT_FOUND');
  assert.equal(frappeError(401, { exc_type: 'AuthenticationError' }, 'GET x', null).code, 'ENGINE_AUTH_FAILED');
  assert.equal(frappeError(403, { exc_type: 'PermissionError' }, 'GET x', null).code, 'ENGINE_PERMISSION');
  assert.equal(frappeError(500, null, 'GET x', null).code, 'ENGINE_ERROR');
});

test('429, 502, 503 and 504 are transient and keep Retry-After', () => {
  const limited = frappeError(429, null, 'GET x', '3');
  assert.equal(limited.code, 'ENGINE_RATE_LIMITED');
  assert.equal(limited.transient, true);
  assert.equal((limited as unknown as { retryAfterMs: number }).retryAfterMs, 3000);
  for (const status of [502, 503, 504]) assert.equal(frappeError(status, null, 'GET x', null).transient, true);
  const updating = frappeError(503, { exc_type: 'SessionStopped', _server_messages: serverMessages('The system is being updated. Please refresh again after a few moments.') }, 'GET x', null);
  assert.equal(updating.code, 'ENGINE_UPDATING');
  assert.equal(updating.transient, true);
});

test('Retry-After takes seconds or an HTTP date', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.ok((parseRetryAfter(new Date(Date.now() + 5000).toUTCString()) ?? 0) > 3000);
});

test('a deadlock or lock wait timeout (HTTP 500 QueryDeadlockError / QueryTimeoutError) is ENGINE_CONFLICT, transient', () => {
  for (const excType of ['QueryDeadlockError', 'QueryTimeoutError']) {
    const e = frappeError(500, { exc_type: excType, exception: `frappe.exceptions.${excType}: (1213, 'Deadlock found when trying to get lock; try restarting transaction')` }, 'POST Account', null);
    assert.equal(e.code, 'ENGINE_CONFLICT');
    assert.equal(e.transient, true);
    assert.match(e.message, /Deadlock found/);
  }
});
