/** erpnext.md §9 — POS Opening Entry (the POS session). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, posProfilePayload, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
const owner = client();
await createCompany(owner);
await createCompany(owner, { company_name: 'Other Co', abbr: 'OC', default_currency: 'KES', country: 'Kenya' });
await owner.post(resourcePath('POS Profile'), posProfilePayload());

const entry = (overrides: Record<string, unknown> = {}) => ({
  period_start_date: '2025-03-01 08:00:00',
  company: 'Acme Traders',
  pos_profile: 'Acme POS',
  user: 'Administrator',
  balance_details: [{ mode_of_payment: 'Cash', opening_amount: 0 }],
  ...overrides,
});
const message = (body: Record<string, any>) => serverMessages(body)[0]?.message;

test('entries are named from the POS-OPE-.YYYY.-.##### series and start as Draft (§9)', async () => {
  const r = await client().post(resourcePath('POS Opening Entry'), entry());
  assert.equal(r.status, 200);
  assert.equal(r.body.data.name, `POS-OPE-${new Date().getFullYear()}-00001`);
  assert.equal(r.body.data.status, 'Draft');
  assert.equal(r.body.data.docstatus, 0);
  assert.match(r.body.data.posting_date, /^\d{4}-\d{2}-\d{2}$/, 'posting_date defaults to today');
});

test('PUT docstatus 1 submits a draft and the status becomes Open (§9)', async () => {
  const name = `POS-OPE-${new Date().getFullYear()}-00001`;
  const r = await client().put(resourcePath('POS Opening Entry', name), { docstatus: 1 });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.docstatus, 1);
  assert.equal(r.body.data.status, 'Open');
});

test('POST with docstatus 1 submits on insert (§9)', async () => {
  const r = await client().post(resourcePath('POS Opening Entry'), entry({ docstatus: 1 }));
  assert.equal(r.body.data.status, 'Open');
  assert.equal(r.body.data.name, `POS-OPE-${new Date().getFullYear()}-00002`);
});

test('a submitted entry cannot be edited except allow_on_submit fields (§9, base_document.py)', async () => {
  const name = `POS-OPE-${new Date().getFullYear()}-00001`;
  const r = await client().put(resourcePath('POS Opening Entry', name), { period_start_date: '2025-03-02 08:00:00' });
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'UpdateAfterSubmitError');
  assert.equal(message(r.body), ' Not allowed to change <strong>Period Start Date</strong> after submission from <strong>2025-03-01 08:00:00</strong> to <strong>2025-03-02 08:00:00</strong>');
});

test('docstatus transitions: submitted → draft is refused, cancel sets Cancelled, cancelled cannot be edited (§7.4)', async () => {
  const c = client();
  const name = `POS-OPE-${new Date().getFullYear()}-00002`;
  const back = await c.put(resourcePath('POS Opening Entry', name), { docstatus: 0 });
  assert.equal(back.body.exc_type, 'DocstatusTransitionError');
  const cancel = await c.put(resourcePath('POS Opening Entry', name), { docstatus: 2 });
  assert.equal(cancel.body.data.status, 'Cancelled');
  const edit = await c.put(resourcePath('POS Opening Entry', name), { docstatus: 2 });
  assert.equal(edit.status, 417);
  assert.equal(edit.body.exception, 'frappe.exceptions.ValidationError: Cannot edit cancelled document');
});

test('the profile must belong to the company: "POS Profile X does not belongs to company Y" (§9)', async () => {
  const r = await client().post(resourcePath('POS Opening Entry'), entry({ company: 'Other Co' }));
  assert.equal(message(r.body), 'POS Profile Acme POS does not belongs to company Other Co');
});

test('a disabled cashier is refused (§9)', async () => {
  const c = client();
  await c.post(resourcePath('User'), { email: 'cashier@acme.test', first_name: 'Cashier', enabled: 0 });
  const r = await c.post(resourcePath('POS Opening Entry'), entry({ user: 'cashier@acme.test' }));
  assert.equal(message(r.body), 'User cashier@acme.test is disabled. Please select valid user/cashier');
});

test('an unknown cashier is a link error labelled "Cashier" (§9)', async () => {
  const r = await client().post(resourcePath('POS Opening Entry'), entry({ user: 'ghost@acme.test' }));
  assert.equal(message(r.body), 'Could not find Cashier: ghost@acme.test');
});

test('a balance row whose mode has no account for the company is refused (§9)', async () => {
  const c = client();
  const r = await c.post(resourcePath('POS Opening Entry'), entry({ balance_details: [{ mode_of_payment: 'Bank Draft', opening_amount: 0 }] }));
  assert.equal(message(r.body), `Please set default Cash or Bank account in Mode of Payments <a href="${c.sim.url}/app/mode-of-payment/Bank%20Draft">Bank Draft</a>`);
});

test('a second open entry for the same profile is accepted, and reported as a duplicate (§9, simulator)', async () => {
  const c = client();
  await c.post(resourcePath('POS Opening Entry'), entry({ docstatus: 1 }));
  const dups = c.sim.sim.duplicates().filter((d) => d.doctype === 'POS Opening Entry');
  assert.equal(dups.length, 1);
  assert.equal(dups[0]!.key, 'Acme POS');
  assert.equal(dups[0]!.names.length, 2);
});
