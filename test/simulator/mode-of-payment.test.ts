/** erpnext.md §4 — Mode of Payment validations (mode_of_payment.py [V v15 fork]). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACME, createCompany, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
await createCompany(client());
await createCompany(client(), { company_name: 'Other Co', abbr: 'OC', default_currency: 'KES', country: 'Kenya' });

const message = (body: Record<string, any>) => serverMessages(body)[0]?.message;

test('a Mode of Payment is named by mode_of_payment (§4)', async () => {
  const r = await client().post(resourcePath('Mode of Payment'), { mode_of_payment: 'M-Pesa', type: 'Phone' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.name, 'M-Pesa');
});

test('an account row whose account belongs to another company is refused (§4 validate_accounts)', async () => {
  const r = await client().put(resourcePath('Mode of Payment', 'Credit Card'), { accounts: [{ company: ACME.company_name, default_account: 'Cash - OC' }] });
  assert.equal(r.status, 417);
  assert.equal(message(r.body), `Account Cash - OC does not match with Company ${ACME.company_name} in Mode of Account: Credit Card`);
});

test('two rows for one company are refused: "Same Company is entered more than once" (§4 validate_repeating_companies)', async () => {
  const row = { company: ACME.company_name, default_account: 'Cash - ACM' };
  const r = await client().put(resourcePath('Mode of Payment', 'Cheque'), { accounts: [row, row] });
  assert.equal(r.status, 417);
  assert.equal(message(r.body), 'Same Company is entered more than once');
});

test('rows of several companies coexist, and a PUT replaces the table (§4, §1.1)', async () => {
  const c = client();
  const r = await c.put(resourcePath('Mode of Payment', 'Wire Transfer'), {
    accounts: [{ company: ACME.company_name, default_account: 'Cash - ACM' }, { company: 'Other Co', default_account: 'Cash - OC' }],
  });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data.accounts.map((a: any) => a.company), [ACME.company_name, 'Other Co']);
});
