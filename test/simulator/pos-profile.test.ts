/** erpnext.md §5 — POS Profile validation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, posProfilePayload, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());
await createCompany(client(), { company_name: 'Other Co', abbr: 'OC', default_currency: 'KES', country: 'Kenya' });

const message = (body: Record<string, any>) => serverMessages(body)[0]?.message;

test('a complete profile with the Cash mode is created (§5)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload());
  assert.equal(r.status, 200);
  assert.equal(r.body.data.payments[0].mode_of_payment, 'Cash');
  assert.equal(r.body.data.country, 'Kenya', 'fetched from the company');
});

test('a mode without an account for the company: "Please set default Cash or Bank account in Mode of Payments <links>" (§5)', async () => {
  const c = client();
  const r = await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'Cards', payments: [{ mode_of_payment: 'Cash', default: 1 }, { mode_of_payment: 'Credit Card' }, { mode_of_payment: 'Cheque' }] }));
  assert.equal(r.status, 417);
  const url = c.sim.url;
  assert.equal(
    message(r.body),
    `Please set default Cash or Bank account in Mode of Payments <a href="${url}/app/mode-of-payment/Credit%20Card">Credit Card</a>, <a href="${url}/app/mode-of-payment/Cheque">Cheque</a>`,
  );
  assert.equal(serverMessages(r.body)[0]?.title, 'Missing Account');
});

test('no default payment method / more than one default (§5)', async () => {
  const c = client();
  const none = await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'N', payments: [{ mode_of_payment: 'Cash' }] }));
  assert.equal(message(none.body), 'Please select a default mode of payment');
  await c.post(resourcePath('Account'), { account_name: 'Card', parent_account: 'Bank Accounts - ACM', account_type: 'Bank', company: 'Acme Traders' });
  await c.put(resourcePath('Mode of Payment', 'Credit Card'), { accounts: [{ company: 'Acme Traders', default_account: 'Card - ACM' }] });
  const two = await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'N', payments: [{ mode_of_payment: 'Cash', default: 1 }, { mode_of_payment: 'Credit Card', default: 1 }] }));
  assert.equal(message(two.body), 'You can only select one mode of payment as default');
});

test('no payment rows: "Payment methods are mandatory..." (§5)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload({ name: 'E', payments: [] }));
  assert.equal(message(r.body), 'Payment methods are mandatory. Please add at least one payment method.');
});

test('a warehouse of another company: "{0} does not belong to Company {1}" (§5)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload({ name: 'W', warehouse: 'Stores - OC' }));
  assert.equal(message(r.body), 'Stores - OC does not belong to Company Acme Traders');
});

test('a warehouse name without the abbr suffix is a link error (§3)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload({ name: 'W', warehouse: 'Stores' }));
  assert.equal(r.body.exc_type, 'LinkValidationError');
  assert.equal(message(r.body), 'Could not find Warehouse: Stores');
});

test('missing write-off account and cost centre: MandatoryError naming both (§5, guide issue 4)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload({ name: 'Test POS', write_off_account: null, write_off_cost_center: null }));
  assert.equal(r.body.exception, 'frappe.exceptions.MandatoryError: [POS Profile, Test POS]: write_off_account, write_off_cost_center');
});

test('a second user default profile in the same company is rejected (§5 validate_default_profile)', async () => {
  const c = client();
  const users = [{ user: 'Administrator', default: 1 }];
  assert.equal((await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'U1', applicable_for_users: users }))).status, 200);
  const r = await c.post(resourcePath('POS Profile'), posProfilePayload({ name: 'U2', applicable_for_users: users }));
  assert.equal(message(r.body), 'Already set default in pos profile U1 for user Administrator, kindly disabled default');
});

test('re-posting a profile is 409 (§7.3)', async () => {
  const r = await client().post(resourcePath('POS Profile'), posProfilePayload());
  assert.equal(r.status, 409);
});
