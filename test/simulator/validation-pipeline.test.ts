/** erpnext.md §7 — the generic save pipeline: order of checks, messages and rollback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, posProfilePayload, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());

test('link errors use field labels, rows "Row #n:", all joined with ", " (§7.2)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload({ warehouse: 'Main Store', payments: [{ mode_of_payment: 'M-Pesa', default: 1 }] }));
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'LinkValidationError');
  assert.equal(serverMessages(r.body)[0]?.message, 'Could not find Warehouse: Main Store, Row #1: Mode of Payment: M-Pesa');
});

test('link errors come before controller and mandatory errors (§7)', async () => {
  const r = await client().post(resourcePath('POS Profile'), { name: 'X', company: 'Acme Traders', warehouse: 'Main Store' });
  assert.equal(r.body.exc_type, 'LinkValidationError');
});

test('controller errors come before mandatory errors (§7)', async () => {
  const r = await client().post(resourcePath('POS Profile'), { name: 'X', company: 'Acme Traders', warehouse: 'Stores - ACM', payments: [] });
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, 'Payment methods are mandatory. Please add at least one payment method.');
});

test('mandatory: one message per missing field and "[Doctype, name]: fieldnames" (§7.1)', async () => {
  const r = await client().post(resourcePath('POS Profile'), { name: 'Bare', company: 'Acme Traders', warehouse: 'Stores - ACM', payments: [{ mode_of_payment: 'Cash', default: 1 }] });
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'MandatoryError');
  assert.equal(r.body.exception, 'frappe.exceptions.MandatoryError: [POS Profile, Bare]: currency, write_off_account, write_off_cost_center');
  assert.deepEqual(serverMessages(r.body).map((m) => m.message), [
    'Error: Value missing for POS Profile: Currency',
    'Error: Value missing for POS Profile: Write Off Account',
    'Error: Value missing for POS Profile: Write Off Cost Center',
  ]);
});

test('mandatory in child rows and tables (§7.1, base_document.py)', async () => {
  const c = client();
  const row = await c.post(resourcePath('POS Opening Entry'), { period_start_date: '2025-01-01 08:00:00', company: 'Acme Traders', pos_profile: 'P', user: 'Administrator', balance_details: [{ opening_amount: 0 }] });
  // the profile link fails first; build a valid profile then retry
  assert.equal(row.body.exc_type, 'LinkValidationError');
  await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'P' }));
  const r = await c.post(resourcePath('POS Opening Entry'), { period_start_date: '2025-01-01 08:00:00', company: 'Acme Traders', pos_profile: 'P', user: 'Administrator', balance_details: [{ opening_amount: 0 }] });
  assert.equal(r.body.exc_type, 'MandatoryError');
  assert.equal(serverMessages(r.body)[0]?.message, 'Error: <strong>POS Opening Entry Detail</strong> Row #1: Value missing for: Mode of Payment');
});

test('defaults are applied before validation (write_off_limit = 1) (§5, §7)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload({ name: 'Defaults' }));
  assert.equal(r.status, 200);
  assert.equal(r.body.data.write_off_limit, 1);
  assert.equal(r.body.data.update_stock, 1);
});

test('a Select outside its options is rejected with the options listed (§7.4)', async () => {
  const r = await client().post(resourcePath('Customer'), { customer_name: 'Odd', customer_type: 'Alien' });
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, ' Customer Type cannot be "Alien". It should be one of "Company", "Individual", "Proprietorship", "Partnership"');
});

test('set_only_once fields cannot change: "Value cannot be changed for Abbr" (§7.4)', async () => {
  const r = await client().put(resourcePath('Company', 'Acme Traders'), { abbr: 'ACX' });
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'CannotChangeConstantError');
  assert.equal(serverMessages(r.body)[0]?.message, 'Value cannot be changed for Abbr');
});

test('PUT merges a partial update and re-runs every validation (§1.1)', async () => {
  const c = client();
  const ok = await c.put(resourcePath('POS Profile', 'Defaults'), { write_off_limit: 5 });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.data.warehouse, 'Stores - ACM');
  const bad = await c.put(resourcePath('POS Profile', 'Defaults'), { write_off_account: '' });
  assert.equal(bad.body.exc_type, 'MandatoryError');
});

test('a child table in a PUT body replaces the table (§1.1)', async () => {
  const c = client();
  await c.post(resourcePath('Account'), { account_name: 'Card Clearing', parent_account: 'Bank Accounts - ACM', account_type: 'Bank', company: 'Acme Traders' });
  await c.put(resourcePath('Mode of Payment', 'Credit Card'), { accounts: [{ company: 'Acme Traders', default_account: 'Card Clearing - ACM' }] });
  const r = await c.put(resourcePath('POS Profile', 'Defaults'), { payments: [{ mode_of_payment: 'Credit Card', default: 1 }] });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data.payments.map((p: any) => p.mode_of_payment), ['Credit Card']);
});

test('a failing request leaves nothing behind, side effects included (§1.3, §7)', async () => {
  const c = client();
  const before = c.sim.sim.count('Account');
  // a company whose default cash account belongs to another company fails in validate: no chart is created
  const r = await c.post(resourcePath('Company'), { company_name: 'Ghost', abbr: 'GH', default_currency: 'KES', country: 'Kenya', default_cash_account: 'Cash - ACM' });
  assert.equal(r.status, 417);
  assert.equal(c.sim.sim.count('Account'), before);
  assert.equal(c.sim.sim.get('Company', 'Ghost'), undefined);
});

test('a stale "modified" in a PUT is a TimestampMismatchError (§7.4)', async () => {
  const r = await client().put(resourcePath('POS Profile', 'Defaults'), { modified: '2001-01-01 00:00:00.000000', write_off_limit: 2 });
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'TimestampMismatchError');
});

test('mandatory errors come before the duplicate-name 409, which is the last check of insert (§7, §7.3 db_insert)', async () => {
  const c = client();
  assert.equal((await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'Order POS' }))).status, 200);
  // the same name again without a mandatory field: the MandatoryError wins over the clash
  const incomplete = await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'Order POS', write_off_account: null }));
  assert.equal(incomplete.status, 417);
  assert.equal(incomplete.body.exc_type, 'MandatoryError');
  const again = await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'Order POS' }));
  assert.equal(again.status, 409);
  assert.equal(again.body.exc_type, 'DuplicateEntryError');
});
