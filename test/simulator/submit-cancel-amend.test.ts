/**
 * Submitting, cancelling and amending a submittable document (erpnext.md §7.4, §9, §15), with
 * POS Opening Entry: frappe.client.submit(doc) / cancel(doctype, name)
 * [V 8848digital/frappe-v15:frappe/client.py@e0497f5], and the amended name
 * (_set_amended_name, "Amend Counter") [V frappe/model/naming.py@e0497f5].
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, posProfilePayload, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());
await client().post(resourcePath('POS Profile'), posProfilePayload());

const year = new Date().getFullYear();
const entry = (overrides: Record<string, unknown> = {}) => ({
  doctype: 'POS Opening Entry',
  period_start_date: `${year}-03-01 08:00:00`,
  company: 'Acme Traders',
  pos_profile: 'Acme POS',
  user: 'Administrator',
  balance_details: [{ mode_of_payment: 'Cash', opening_amount: 0 }],
  ...overrides,
});
const submit = (doc: Record<string, unknown>) => client().post('/api/method/frappe.client.submit', { doc });
const cancel = (name: string) => client().post('/api/method/frappe.client.cancel', { doctype: 'POS Opening Entry', name });
const draft = async () => {
  const r = await client().post(resourcePath('POS Opening Entry'), entry());
  assert.equal(r.status, 200);
  return r.body.data as Record<string, any>;
};

test('frappe.client.submit of a new document inserts it submitted; the answer is as_dict() with its nulls (§15)', async () => {
  const r = await submit(entry());
  assert.equal(r.status, 200);
  assert.equal(r.body.message.docstatus, 1);
  assert.equal(r.body.message.status, 'Open');
  assert.match(r.body.message.name, new RegExp(`^POS-OPE-${year}-\\d{5}$`));
  assert.equal(r.body.message.pos_closing_entry, null, 'doc.as_dict() keeps null fields');
});

test('frappe.client.submit of an existing draft, sent back as read, submits it (§7.4)', async () => {
  const d = await draft();
  const read = (await client().get(resourcePath('POS Opening Entry', d.name))).body.data;
  const r = await submit(read);
  assert.equal(r.status, 200);
  assert.equal(r.body.message.docstatus, 1);
  assert.equal(client().sim.sim.get('POS Opening Entry', d.name)!.status, 'Open');
});

test('a submit whose "modified" is stale or missing is TimestampMismatchError 417, with its message (check_if_latest)', async () => {
  const d = await draft();
  const stale = await submit({ ...d, modified: '2001-01-01 00:00:00.000000' });
  assert.equal(stale.status, 417);
  assert.equal(stale.body.exc_type, 'TimestampMismatchError');
  assert.match(serverMessages(stale.body)[0]?.message, new RegExp(`^Error: Document has been modified after you have opened it \\(${d.modified.replace(/[.]/g, '\\.')}, \\d{4}-\\d{2}-\\d{2} [\\d:.]+\\)\\. Please refresh to get the latest document\\.$`));
  const { modified: _m, ...withoutModified } = d;
  assert.equal((await submit(withoutModified)).body.exc_type, 'TimestampMismatchError');
  assert.equal(client().sim.sim.get('POS Opening Entry', d.name)!.docstatus, 0);
});

test('submit and cancel answer POST/PUT only: a GET is 403 "Not permitted"', async () => {
  const r = await client().get(`/api/method/frappe.client.cancel?doctype=POS%20Opening%20Entry&name=x`);
  assert.equal(r.status, 403);
  assert.equal(serverMessages(r.body)[0]?.message, 'Not permitted');
});

test('frappe.client.cancel cancels a submitted document: docstatus 2, status Cancelled', async () => {
  const submitted = (await submit(entry())).body.message;
  const r = await cancel(submitted.name);
  assert.equal(r.status, 200);
  assert.equal(r.body.message.docstatus, 2);
  assert.equal(r.body.message.status, 'Cancelled');
});

test('cancelling a draft is DocstatusTransitionError 417 (document.py check_docstatus_transition)', async () => {
  const d = await draft();
  const r = await cancel(d.name);
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'DocstatusTransitionError');
  assert.equal(r.body.exception, 'frappe.exceptions.DocstatusTransitionError: Cannot change docstatus from 0 (Draft) to 2 (Cancelled)');
});

test('an amendment of a cancelled X is named X-1 and links it by amended_from; the next one X-2 (§15)', async () => {
  const c = client();
  const first = (await submit(entry())).body.message;
  await cancel(first.name);
  const amended = await c.post(resourcePath('POS Opening Entry'), entry({ amended_from: first.name }));
  assert.equal(amended.status, 200, JSON.stringify(amended.body));
  assert.equal(amended.body.data.name, `${first.name}-1`);
  assert.equal(amended.body.data.amended_from, first.name);
  assert.equal(amended.body.data.docstatus, 0);

  await submit((await c.get(resourcePath('POS Opening Entry', `${first.name}-1`))).body.data);
  await cancel(`${first.name}-1`);
  const again = await c.post(resourcePath('POS Opening Entry'), entry({ amended_from: `${first.name}-1` }));
  assert.equal(again.body.data.name, `${first.name}-2`);
  assert.equal(again.body.data.amended_from, `${first.name}-1`);
});

test('amending the same document twice: the second X-1 is a 409 DuplicateEntryError', async () => {
  const first = (await submit(entry())).body.message;
  await cancel(first.name);
  assert.equal((await client().post(resourcePath('POS Opening Entry'), entry({ amended_from: first.name }))).status, 200);
  const twice = await client().post(resourcePath('POS Opening Entry'), entry({ amended_from: first.name }));
  assert.equal(twice.status, 409);
  assert.equal(serverMessages(twice.body)[0]?.message, `POS Opening Entry <strong>${first.name}-1</strong> already exists`);
});

test('a submitted document cannot be deleted; a cancelled one can (delete_doc.py check_permission_and_not_submitted)', async () => {
  const submitted = (await submit(entry())).body.message;
  const refused = await client().del(resourcePath('POS Opening Entry', submitted.name));
  assert.equal(refused.status, 417);
  assert.equal(
    serverMessages(refused.body)[0]?.message,
    `POS Opening Entry ${submitted.name}: Submitted Record cannot be deleted. You must <a href='https://docs.erpnext.com//docs/user/manual/en/setting-up/articles/delete-submitted-document' target='_blank'> Cancel </a> it first.`,
  );
  await cancel(submitted.name);
  assert.equal((await client().del(resourcePath('POS Opening Entry', submitted.name))).status, 202);
});
