/**
 * Mode of Payment without `type`, and which mode gets a new company's cash account (erpnext.md §2
 * step 7, §4, §15). A Select without a default takes its first option: type "Cash"
 * [V 8848digital/frappe-v15:frappe/model/create_new.py@e0497f5 get_static_default_value;
 * thimphutpl/erpnext-V15:erpnext/accounts/doctype/mode_of_payment/mode_of_payment.json]. Company
 * on_update's set_mode_of_payment_account gives the row to `frappe.db.get_value("Mode of Payment",
 * {"type": "Cash"})`, which v15 orders by modified descending
 * [V 8848digital/frappe-v15:frappe/database/database.py@e0497f5 get_value].
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { createCompany, posProfilePayload, resourcePath, serverMessages, useSimulator, ACME } from './helpers.ts';

const client = await useSimulator();
beforeEach(() => client().sim.sim.reset());

const rowsOf = (mode: string) => (client().sim.sim.get('Mode of Payment', mode)!.accounts as any[]).map((r) => [r.company, r.default_account]);

test('a Mode of Payment inserted without type is type "Cash", the first option (§15)', async () => {
  const c = client();
  const r = await c.post(resourcePath('Mode of Payment'), { mode_of_payment: 'M-Pesa' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.type, 'Cash');
  assert.equal((await c.get(resourcePath('Mode of Payment', 'M-Pesa'))).body.data.type, 'Cash');
  const phone = await c.post(resourcePath('Mode of Payment'), { mode_of_payment: 'Airtel Money', type: 'Phone' });
  assert.equal(phone.body.data.type, 'Phone');
});

test('such a mode takes the new company\'s cash account row meant for "Cash" (§15)', async () => {
  const c = client();
  await c.post(resourcePath('Mode of Payment'), { mode_of_payment: 'M-Pesa' });
  await createCompany(c);
  assert.deepEqual(rowsOf('M-Pesa'), [[ACME.company_name, 'Cash - ACM']]);
  assert.deepEqual(rowsOf('Cash'), []);
  // the guide's issue 2 then follows: a POS Profile paying by Cash has no account for the company
  const profile = await c.post(resourcePath('POS Profile'), posProfilePayload());
  assert.equal(profile.status, 417);
  assert.match(serverMessages(profile.body)[0]?.message, /^Please set default Cash or Bank account in Mode of Payments <a href="[^"]*\/app\/mode-of-payment\/Cash">Cash<\/a>$/);
});

test('a mode typed Phone leaves the row to "Cash"', async () => {
  const c = client();
  await c.post(resourcePath('Mode of Payment'), { mode_of_payment: 'M-Pesa', type: 'Phone' });
  await createCompany(c);
  assert.deepEqual(rowsOf('Cash'), [[ACME.company_name, 'Cash - ACM']]);
  assert.deepEqual(rowsOf('M-Pesa'), []);
});

test('the most recently modified Cash-type mode gets the row, not the first created (get_value orders by modified desc)', async () => {
  const c = client();
  await c.post(resourcePath('Mode of Payment'), { mode_of_payment: 'M-Pesa' });
  await createCompany(c);
  // M-Pesa was modified last (it got the row); now "Cash" changes, and the next company's row goes to it
  assert.equal((await c.put(resourcePath('Mode of Payment', 'Cash'), { enabled: 1 })).status, 200);
  await createCompany(c, { company_name: 'Second Shop', abbr: 'SS', default_currency: 'KES', country: 'Kenya' });
  assert.deepEqual(rowsOf('Cash'), [['Second Shop', 'Cash - SS']]);
  assert.deepEqual(rowsOf('M-Pesa'), [[ACME.company_name, 'Cash - ACM']]);
});
