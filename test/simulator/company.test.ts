/** erpnext.md §2, §13 — Company validation and its on_update side effects. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCompany, resourcePath, serverMessages, useSimulator, ACME } from './helpers.ts';

const client = await useSimulator();

test('a new company gets the Standard chart with " - ABBR" names (§2, §13)', async () => {
  const c = client();
  await createCompany(c);
  const accounts = c.sim.sim.list('Account').filter((a) => a.company === 'Acme Traders');
  assert.equal(accounts.length, 81);
  const cash = c.sim.sim.get('Account', 'Cash - ACM')!;
  assert.equal(cash.parent_account, 'Cash In Hand - ACM');
  assert.equal(cash.account_type, 'Cash');
  assert.equal(cash.root_type, 'Asset');
  assert.equal(cash.is_group, 0);
  assert.equal(cash.account_currency, 'KES');
  assert.equal(c.sim.sim.get('Account', 'Bank Accounts - ACM')?.is_group, 1);
});

test('a new company gets 5 warehouses and 2 cost centres (§2)', async () => {
  const s = client().sim.sim;
  const wh = s.list('Warehouse').filter((w) => w.company === 'Acme Traders');
  assert.deepEqual(wh.map((w) => w.name).sort(), ['All Warehouses - ACM', 'Finished Goods - ACM', 'Goods In Transit - ACM', 'Stores - ACM', 'Work In Progress - ACM']);
  assert.equal(s.get('Warehouse', 'Stores - ACM')?.parent_warehouse, 'All Warehouses - ACM');
  assert.equal(s.get('Warehouse', 'Goods In Transit - ACM')?.warehouse_type, 'Transit');
  assert.deepEqual(s.list('Cost Center').filter((cc) => cc.company === 'Acme Traders').map((cc) => cc.name), ['Acme Traders - ACM', 'Main - ACM']);
});

test('a new company has its default accounts and cost centres set (§2)', async () => {
  const r = await client().get(resourcePath('Company', 'Acme Traders'));
  const d = r.body.data;
  assert.equal(d.default_receivable_account, 'Debtors - ACM');
  assert.equal(d.default_payable_account, 'Creditors - ACM');
  assert.equal(d.default_cash_account, 'Cash - ACM');
  assert.equal(d.write_off_account, 'Write Off - ACM');
  assert.equal(d.round_off_account, 'Round Off - ACM');
  assert.equal(d.default_income_account, 'Sales - ACM');
  assert.equal(d.default_expense_account, 'Cost of Goods Sold - ACM');
  assert.equal(d.cost_center, 'Main - ACM');
  assert.equal(d.round_off_cost_center, 'Main - ACM');
  assert.equal(d.depreciation_cost_center, 'Main - ACM');
  assert.equal('default_bank_account' in d, false, 'the Standard chart has no leaf bank account: null, left out of a GET (§15)');
  assert.equal(d.chart_of_accounts, 'Standard');
});

test('the Cash mode of payment gets an account row for the new company, other modes do not (§2 step 7)', async () => {
  const s = client().sim.sim;
  assert.deepEqual(s.get('Mode of Payment', 'Cash')?.accounts, [
    { ...(s.get('Mode of Payment', 'Cash')!.accounts as any[])[0], company: 'Acme Traders', default_account: 'Cash - ACM' },
  ]);
  assert.deepEqual(s.get('Mode of Payment', 'Credit Card')?.accounts, []);
});

test('an empty abbr becomes the upper-cased initials (§2 validate_abbr)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'nairobi coffee house', default_currency: 'KES', country: 'Kenya' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.abbr, 'NCH');
  assert.equal(r.body.data.name, 'nairobi coffee house');
});

test('a blank abbr is "Abbreviation is mandatory" (§2)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'Blank Abbr', abbr: '   ', default_currency: 'KES', country: 'Kenya' });
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, 'Abbreviation is mandatory');
});

test('another company with the same abbr, in any case, is 417 (§2)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'Acme Motors', abbr: 'acm', default_currency: 'KES', country: 'Kenya' });
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, 'Abbreviation already used for another company');
});

test('re-posting the same company is 409, not an abbreviation error (§7)', async () => {
  const r = await client().post(resourcePath('Company'), ACME);
  assert.equal(r.status, 409);
  assert.equal(serverMessages(r.body)[0]?.message, 'Company <strong>Acme Traders</strong> already exists');
});

test('without a Company insert window (companyInsertMs 0, no hold) two inserts for one abbr do not overlap: the second is 417 (§2; the race: company-insert-race.test.ts)', async () => {
  const c = client();
  const payload = (n: string) => ({ company_name: n, abbr: 'RACE', default_currency: 'KES', country: 'Kenya' });
  const results = await Promise.all([c.post(resourcePath('Company'), payload('Race One')), c.post(resourcePath('Company'), payload('Race Two'))]);
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 417]);
});

test('link fields are validated by label: "Could not find Default Currency: XYZ" (§7.2)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'Bad Currency', abbr: 'BC', default_currency: 'XYZ', country: 'Kenya' });
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, 'Could not find Default Currency: XYZ');
});

test('mandatory company fields (§2)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'No Currency', abbr: 'NC' });
  assert.equal(r.body.exc_type, 'MandatoryError');
  assert.equal(r.body.exception, 'frappe.exceptions.MandatoryError: [Company, No Currency]: default_currency, country');
});

test('another chart template is accepted and built from the Standard chart (unverified simplification)', async () => {
  const r = await client().post(resourcePath('Company'), { company_name: 'Kenya Chart Co', abbr: 'KCC', default_currency: 'KES', country: 'Kenya', chart_of_accounts: 'Kenya - Chart of Accounts' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.chart_of_accounts, 'Kenya - Chart of Accounts');
  assert.ok(client().sim.sim.get('Account', 'Cash - KCC'));
});

test('an account under another company\'s parent or under a ledger is rejected (§13)', async () => {
  const c = client();
  await createCompany(c, { company_name: 'Other Co', abbr: 'OC', default_currency: 'KES', country: 'Kenya' });
  const foreign = await c.post(resourcePath('Account'), { account_name: 'X', parent_account: 'Bank Accounts - OC', company: 'Acme Traders' });
  assert.equal(serverMessages(foreign.body)[0]?.message, 'Account X - ACM: Parent account Bank Accounts - OC does not belong to company: Acme Traders');
  const ledger = await c.post(resourcePath('Account'), { account_name: 'Y', parent_account: 'Cash - ACM', company: 'Acme Traders' });
  assert.equal(serverMessages(ledger.body)[0]?.message, 'Account Y - ACM: Parent account Cash - ACM can not be a ledger');
});
