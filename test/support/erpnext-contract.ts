/**
 * Contract of the ERPNext adapter (src/adapters/erpnext/erpnext-engine.ts, the ErpnextPort of
 * src/ports/erpnext.ts), method by method: find/create round trips and the mapping of Frappe's
 * answers to the typed errors of src/domain/errors.ts.
 *
 * The same contract runs against the built-in simulator (test/adapters/erpnext-contract.test.ts,
 * with fault injection) and against a real ERPNext (test/erpnext/adapter-contract.test.ts): there
 * only reads, creates of uniquely named records ("Contract <suffix>") and refused writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import { isProvisionerError, type ProvisionerError } from '../../src/domain/errors.ts';
import type { RunningSimulator } from '../../src/simulator/erpnext/index.ts';

export interface ContractTarget {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** The simulator, for fault injection; undefined against a real ERPNext. */
  sim?: RunningSimulator;
}

/** What the contract made, for tests added to it. */
export interface ContractState {
  target: ContractTarget;
  engine: ErpnextEngine;
  companyName: string;
  abbr: string;
}

/** Resolves with the typed engine error a call rejects with. */
export async function engineError(call: Promise<unknown>): Promise<ProvisionerError> {
  try {
    await call;
  } catch (e) {
    if (isProvisionerError(e)) return e;
    throw e;
  }
  assert.fail('expected the call to fail');
}

/** The contract; `more` adds tests that run after it on the same company (fault injection). */
export function adapterContract(label: string, connect: () => Promise<ContractTarget>, more?: (state: () => ContractState) => void): void {
  describe(`ERPNext adapter contract (${label})`, () => {
    let target: ContractTarget;
    let engine: ErpnextEngine;
    const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.toUpperCase();
    const companyName = `Contract ${suffix}`;
    const abbr = `C${suffix.slice(-7)}`;

    before(async () => {
      target = await connect();
      engine = new ErpnextEngine({ baseUrl: target.url, apiKey: target.apiKey, apiSecret: target.apiSecret });
    });
    after(async () => {
      await target?.sim?.close();
    });

    test('checkHealth: ping, the authenticated user and the ERPNext version', async () => {
      const health = await engine.checkHealth();
      assert.equal(health.reachable, true);
      assert.notEqual(health.authenticatedAs, 'Guest');
      assert.match(health.versions.erpnext ?? '', /^\d+\./);
    });

    test('401 (a wrong secret) → ENGINE_AUTH_FAILED, not transient, the secret never in the message', async () => {
      const wrong = new ErpnextEngine({ baseUrl: target.url, apiKey: target.apiKey, apiSecret: 'not-the-secret-xyz' });
      const e = await engineError(wrong.checkHealth());
      assert.equal(e.code, 'ENGINE_AUTH_FAILED');
      assert.equal(e.transient, false);
      assert.ok(!e.message.includes('not-the-secret-xyz') && !e.message.includes(target.apiSecret));
    });

    test('findMaster reads the setup wizard\'s masters; an unknown name is false', async () => {
      assert.equal(await engine.findMaster('uom', 'Nos'), true);
      assert.equal(await engine.findMaster('mode_of_payment', 'Cash'), true);
      assert.equal(await engine.findMaster('price_list', `No Such List ${suffix}`), false);
    });

    test('createCompany → findCompany round trip, with the defaults ERPNext sets (§2)', async () => {
      assert.equal(await engine.findCompany(companyName), null);
      const created = await engine.createCompany({ name: companyName, abbr, country: 'Kenya', currency: 'KES', chartOfAccounts: 'Standard' });
      assert.equal(created.name, companyName);
      assert.equal(created.abbr, abbr);
      const found = await engine.findCompany(companyName);
      assert.equal(found?.abbr, abbr);
      assert.equal(found?.defaults.default_cash_account, `Cash - ${abbr}`);
      assert.equal(found?.defaults.write_off_account, `Write Off - ${abbr}`);
      assert.equal(found?.defaults.cost_center, `Main - ${abbr}`);
      assert.ok((await engine.listCompanyAbbreviations()).includes(abbr));
    });

    test('417 → ENGINE_VALIDATION with ERPNext\'s own message (a taken abbreviation)', async () => {
      const e = await engineError(engine.createCompany({ name: `${companyName} Twin`, abbr, country: 'Kenya', currency: 'KES', chartOfAccounts: 'Standard' }));
      assert.equal(e.code, 'ENGINE_VALIDATION');
      assert.equal(e.message, 'Abbreviation already used for another company');
      assert.equal(e.transient, false);
    });

    test('417 link errors keep the field label: "Could not find Company: ..."', async () => {
      const e = await engineError(engine.createWarehouse({ company: `Nobody ${suffix}`, warehouseName: 'X', parentWarehouse: null }));
      assert.equal(e.code, 'ENGINE_VALIDATION');
      assert.equal(e.message, `Could not find Company: Nobody ${suffix}`);
    });

    test('accounts: findAccount, listLeafAccounts, createAccount round trip (§13)', async () => {
      const cash = await engine.findAccount(companyName, 'Cash');
      assert.deepEqual(cash && { name: cash.name, isGroup: cash.isGroup, accountType: cash.accountType }, { name: `Cash - ${abbr}`, isGroup: false, accountType: 'Cash' });
      assert.ok((await engine.listLeafAccounts(companyName, 'Cash')).some((a) => a.name === `Cash - ${abbr}`));
      const mpesa = await engine.createAccount({ company: companyName, accountName: 'M-Pesa', parentAccount: `Bank Accounts - ${abbr}`, accountType: 'Bank' });
      assert.equal(mpesa.name, `M-Pesa - ${abbr}`);
      assert.equal((await engine.findAccount(companyName, 'M-Pesa'))?.parentAccount, `Bank Accounts - ${abbr}`);
      assert.equal(await engine.findAccount(companyName, 'No Such Account'), null);
    });

    test('cost centres: findCostCenter, createCostCenter round trip', async () => {
      assert.equal((await engine.findCostCenter(companyName, 'Main'))?.name, `Main - ${abbr}`);
      const shop = await engine.createCostCenter({ company: companyName, costCenterName: 'Shop', parentCostCenter: `${companyName} - ${abbr}` });
      assert.equal(shop.name, `Shop - ${abbr}`);
      assert.equal((await engine.findCostCenter(companyName, 'Shop'))?.isGroup, false);
    });

    test('warehouses: createWarehouse → findWarehouse; again → 409 ENGINE_DUPLICATE (§3, §7.3)', async () => {
      assert.equal(await engine.findWarehouse(companyName, 'Main Store'), null);
      const made = await engine.createWarehouse({ company: companyName, warehouseName: 'Main Store', parentWarehouse: `All Warehouses - ${abbr}` });
      assert.equal(made.name, `Main Store - ${abbr}`);
      assert.equal((await engine.findWarehouse(companyName, 'Main Store'))?.name, `Main Store - ${abbr}`);
      const e = await engineError(engine.createWarehouse({ company: companyName, warehouseName: 'Main Store', parentWarehouse: `All Warehouses - ${abbr}` }));
      assert.equal(e.code, 'ENGINE_DUPLICATE');
      assert.match(e.message, new RegExp(`Warehouse Main Store - ${abbr} already exists`));
    });

    test('settings: readSettings returns the single', async () => {
      assert.equal((await engine.readSettings('selling')).name, 'Selling Settings');
      assert.equal((await engine.readSettings('stock')).name, 'Stock Settings');
    });


    test('items and prices: createItem → findItem, createItemPrice → findItemPrice', async () => {
      const code = `${abbr}-COFFEE`;
      assert.equal(await engine.findItem(code), null);
      const item = await engine.createItem({ code, itemName: 'Coffee', itemGroup: 'Products', uom: 'Nos' });
      assert.equal(item.code, code);
      assert.equal((await engine.findItem(code))?.itemGroup, 'Products');
      assert.equal(await engine.findItemPrice(code, 'Standard Selling'), false);
      await engine.createItemPrice({ code, priceList: 'Standard Selling', rate: 150 });
      assert.equal(await engine.findItemPrice(code, 'Standard Selling'), true);
    });

    test('customers: createCustomer → findCustomer by customer_name (§8)', async () => {
      const customerName = `Walk-in Customer - ${abbr}`;
      assert.equal(await engine.findCustomer(customerName), null);
      const made = await engine.createCustomer({ customerName, customerGroup: 'Individual', territory: 'All Territories' });
      assert.equal(made.name, customerName);
      assert.equal((await engine.findCustomer(customerName))?.name, customerName);
    });

    test('modes of payment: the Cash row of a new company; createModeOfPayment; setModeOfPaymentAccount keeps other rows (§2, §4)', async () => {
      const cash = await engine.findModeOfPayment('Cash');
      assert.deepEqual(cash?.accounts.find((r) => r.company === companyName), { company: companyName, defaultAccount: `Cash - ${abbr}` });
      const mode = `M-Pesa ${suffix}`;
      const created = await engine.createModeOfPayment({ name: mode, type: 'Phone' });
      assert.deepEqual(created.accounts, []);
      await engine.setModeOfPaymentAccount(mode, companyName, `M-Pesa - ${abbr}`);
      assert.deepEqual((await engine.findModeOfPayment(mode))?.accounts, [{ company: companyName, defaultAccount: `M-Pesa - ${abbr}` }]);
      const before = (await engine.findModeOfPayment('Cash'))!.accounts.length;
      await engine.setModeOfPaymentAccount('Cash', companyName, `Cash - ${abbr}`);
      assert.equal((await engine.findModeOfPayment('Cash'))!.accounts.length, before, 'corrected in place, nothing added or lost');
    });

    test('POS Profile: createPosProfile → findPosProfile; again → ENGINE_DUPLICATE (§5)', async () => {
      const name = `${companyName} POS`;
      assert.equal(await engine.findPosProfile(name), null);
      const profile = await engine.createPosProfile({
        name,
        company: companyName,
        currency: 'KES',
        warehouse: `Main Store - ${abbr}`,
        writeOffAccount: `Write Off - ${abbr}`,
        writeOffCostCenter: `Main - ${abbr}`,
        paymentMethods: ['Cash', `M-Pesa ${suffix}`],
        sellingPriceList: 'Standard Selling',
        customer: null,
      });
      assert.deepEqual(profile, { name, company: companyName, warehouse: `Main Store - ${abbr}`, paymentMethods: ['Cash', `M-Pesa ${suffix}`], writeOffAccount: `Write Off - ${abbr}`, writeOffCostCenter: `Main - ${abbr}` });
      const e = await engineError(engine.createPosProfile({ ...profile, currency: 'KES', sellingPriceList: null, customer: null }));
      assert.equal(e.code, 'ENGINE_DUPLICATE');
    });

    test('417 with ERPNext\'s message: a POS Profile whose mode has no account for the company (§5, guide issue 2)', async () => {
      const e = await engineError(
        engine.createPosProfile({ name: `${companyName} Cards`, company: companyName, currency: 'KES', warehouse: `Main Store - ${abbr}`, writeOffAccount: `Write Off - ${abbr}`, writeOffCostCenter: `Main - ${abbr}`, paymentMethods: ['Cash', 'Credit Card'], sellingPriceList: null, customer: null }),
      );
      assert.equal(e.code, 'ENGINE_VALIDATION');
      assert.match(e.message, /^Please set default Cash or Bank account in Mode of Payments Credit Card$/);
    });

    test('POS sessions: createPosSession submits on insert; a draft is submitted by submitPosSession (§9)', async () => {
      const profile = `${companyName} POS`;
      const user = (await engine.checkHealth()).authenticatedAs;
      const open = await engine.createPosSession({ company: companyName, posProfile: profile, user, modesOfPayment: ['Cash'] });
      assert.match(open.name, /^POS-OPE-\d{4}-\d{5}$/);
      assert.deepEqual({ status: open.status, docstatus: open.docstatus }, { status: 'Open', docstatus: 1 });
      const draft = await engine.client.insert<{ name: string }>('POS Opening Entry', {
        company: companyName, pos_profile: profile, user, period_start_date: '2025-01-01 08:00:00', posting_date: '2025-01-01', balance_details: [{ mode_of_payment: 'Cash', opening_amount: 0 }],
      });
      const sessions = await engine.findPosSessions(profile);
      assert.deepEqual(new Set(sessions.map((s) => s.name)), new Set([open.name, draft.name]));
      const submitted = await engine.submitPosSession(draft.name);
      assert.deepEqual({ status: submitted.status, docstatus: submitted.docstatus }, { status: 'Open', docstatus: 1 });
    });

    test('batched reads: one call each for several accounts, warehouses, masters, company and abbreviations, modes with a row', async () => {
      const calls: string[] = [];
      const counted = new ErpnextEngine({ baseUrl: target.url, apiKey: target.apiKey, apiSecret: target.apiSecret, onCall: (c) => calls.push(`${c.method} ${c.path}`) });
      const accounts = await counted.findAccounts(companyName, ['Cash', 'write off', 'M-Pesa', 'No Such Account']);
      assert.deepEqual(accounts.map((a) => a.name).sort(), [`Cash - ${abbr}`, `M-Pesa - ${abbr}`, `Write Off - ${abbr}`]);
      const warehouses = await counted.findWarehouses(companyName, ['Main Store', 'All Warehouses', 'No Such Store']);
      assert.deepEqual(warehouses.map((w) => [w.warehouseName, w.isGroup]).sort(), [['All Warehouses', true], ['Main Store', false]]);
      const missing = await counted.missingMasters([{ kind: 'uom', name: 'nos' }, { kind: 'price_list', name: 'Standard Selling' }, { kind: 'price_list', name: `No Such List ${suffix}` }]);
      assert.deepEqual(missing.map((m) => m.name), [`No Such List ${suffix}`]);
      const looked = await counted.lookUpCompany(companyName, [abbr.toLowerCase(), `ZZ${suffix}`]);
      assert.deepEqual(looked, { company: { name: companyName, abbr }, takenAbbreviations: [abbr] });
      assert.deepEqual(await counted.lookUpCompany(`Nobody ${suffix}`, [abbr]), { company: null, takenAbbreviations: [abbr] });
      // Cash has this company's row, the mode made above too; Credit Card has none for it
      assert.deepEqual(await counted.modesOfPaymentWithAccount(companyName, ['Cash', `M-Pesa ${suffix}`, 'Credit Card']), ['Cash', `M-Pesa ${suffix}`]);
      assert.equal(calls.length, 7, calls.join('\n'));
      // the masters seen are remembered by this adapter's site cache: no second read
      assert.deepEqual(await counted.missingMasters([{ kind: 'uom', name: 'Nos' }]), []);
      assert.equal(calls.length, 7);
    });

    test('404 on a read is null, not an error', async () => {
      assert.equal(await engine.findItem(`NO-SUCH-ITEM-${suffix}`), null);
      assert.equal(await engine.findModeOfPayment(`No Such Mode ${suffix}`), null);
    });
    more?.(() => ({ target, engine, companyName, abbr }));
  });
}
