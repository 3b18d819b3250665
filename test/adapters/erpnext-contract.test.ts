/**
 * Contract of the ERPNext adapter (src/adapters/erpnext/erpnext-engine.ts, the EnginePort of
 * src/ports/engine.ts), method by method: find/create round trips and the mapping of Frappe's
 * answers to the typed errors of src/domain/errors.ts.
 *
 * Always runs against the built-in simulator. Also runs against a real ERPNext when
 * ERPNEXT_URL, ERPNEXT_API_KEY and ERPNEXT_API_SECRET are set: then only reads, creates of
 * uniquely named records ("Contract <suffix>") and refused writes; site-wide settings are not
 * changed and fault injection (simulator only) is skipped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import { isProvisionerError, type ProvisionerError } from '../../src/domain/errors.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';

interface Target {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** The simulator, for fault injection; undefined against a real ERPNext. */
  sim?: RunningSimulator;
}

/** Resolves with the typed engine error a call rejects with. */
async function engineError(call: Promise<unknown>): Promise<ProvisionerError> {
  try {
    await call;
  } catch (e) {
    if (isProvisionerError(e)) return e;
    throw e;
  }
  assert.fail('expected the call to fail');
}

function contract(label: string, connect: () => Promise<Target>): void {
  describe(`ERPNext adapter contract (${label})`, () => {
    let target: Target;
    let engine: ErpnextEngine;
    const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.toUpperCase();
    const companyName = `Contract ${suffix}`;
    const abbr = `C${suffix.slice(-7)}`;
    const isSimulator = label === 'simulator';
    const simOnly = isSimulator ? false : 'fault injection needs the simulator';

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

    test('settings: updateSettings writes a partial update (site-wide, so simulator only)', { skip: isSimulator ? false : 'site-wide settings are not changed on a real ERPNext' }, async () => {
      await engine.updateSettings('stock', { default_warehouse: `Main Store - ${abbr}` });
      assert.equal((await engine.readSettings('stock')).default_warehouse, `Main Store - ${abbr}`);
      assert.equal((await engine.readSettings('stock')).item_naming_by, 'Item Code', 'other fields kept');
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

    test('404 on a read is null, not an error', async () => {
      assert.equal(await engine.findItem(`NO-SUCH-ITEM-${suffix}`), null);
      assert.equal(await engine.findModeOfPayment(`No Such Mode ${suffix}`), null);
    });

    describe('transport faults (simulator only)', () => {
      test('503 → ENGINE_UNAVAILABLE, transient, with Retry-After', { skip: simOnly }, async () => {
        target.sim!.sim.injectFault({ path: 'get_logged_user', status: 503, retryAfter: 2 });
        const e = await engineError(engine.checkHealth());
        assert.equal(e.code, 'ENGINE_UNAVAILABLE');
        assert.equal(e.transient, true);
        assert.equal(e.retryAfterMs, 2000);
      });

      test('502 → ENGINE_UNAVAILABLE, transient', { skip: simOnly }, async () => {
        target.sim!.sim.injectFault({ doctype: 'Company', method: 'GET', status: 502 });
        const e = await engineError(engine.findCompany(companyName));
        assert.equal(e.code, 'ENGINE_UNAVAILABLE');
        assert.equal(e.transient, true);
      });

      test('maintenance mode (503 SessionStopped) → ENGINE_UPDATING, transient', { skip: simOnly }, async () => {
        target.sim!.sim.scenario({ name: 'engine_updating' });
        try {
          const e = await engineError(engine.findCompany(companyName));
          assert.equal(e.code, 'ENGINE_UPDATING');
          assert.equal(e.transient, true);
        } finally {
          target.sim!.sim.setUpdating(false);
        }
      });

      test('429 → ENGINE_RATE_LIMITED with the Retry-After delay', { skip: simOnly }, async () => {
        target.sim!.sim.injectFault({ doctype: 'Warehouse', status: 429, retryAfter: 3 });
        const e = await engineError(engine.findWarehouse(companyName, 'Main Store'));
        assert.equal(e.code, 'ENGINE_RATE_LIMITED');
        assert.equal(e.retryAfterMs, 3000);
      });

      test('500 → ENGINE_ERROR, not transient', { skip: simOnly }, async () => {
        target.sim!.sim.injectFault({ doctype: 'Item', status: 500 });
        const e = await engineError(engine.findItem(`${abbr}-COFFEE`));
        assert.equal(e.code, 'ENGINE_ERROR');
        assert.equal(e.transient, false);
      });

      test('no answer in time → ENGINE_TIMEOUT, and the write was not applied', { skip: simOnly }, async () => {
        const impatient = new ErpnextEngine({ baseUrl: target.url, apiKey: target.apiKey, apiSecret: target.apiSecret, budgets: { readMs: 250, writeMs: 250 } });
        target.sim!.sim.injectFault({ kind: 'timeout', doctype: 'Warehouse', method: 'POST' });
        const e = await engineError(impatient.createWarehouse({ company: companyName, warehouseName: 'Slow Store', parentWarehouse: `All Warehouses - ${abbr}` }));
        assert.equal(e.code, 'ENGINE_TIMEOUT');
        assert.equal(e.transient, true);
        assert.equal(await engine.findWarehouse(companyName, 'Slow Store'), null);
      });

      test('engine down → ENGINE_UNAVAILABLE', { skip: simOnly }, async () => {
        target.sim!.sim.setDown(true);
        try {
          const e = await engineError(engine.checkHealth());
          assert.equal(e.code, 'ENGINE_UNAVAILABLE');
          assert.equal(e.transient, true);
        } finally {
          target.sim!.sim.setDown(false);
        }
      });

      test('connection reset → ENGINE_UNAVAILABLE, nothing applied; lost response → ENGINE_UNAVAILABLE, applied', { skip: simOnly }, async () => {
        target.sim!.sim.injectFault({ kind: 'reset', doctype: 'Cost Center', method: 'POST' });
        const reset = await engineError(engine.createCostCenter({ company: companyName, costCenterName: 'Reset', parentCostCenter: `${companyName} - ${abbr}` }));
        assert.equal(reset.code, 'ENGINE_UNAVAILABLE');
        assert.equal(await engine.findCostCenter(companyName, 'Reset'), null);
        target.sim!.sim.injectLostResponse({ doctype: 'Cost Center', method: 'POST' });
        const lost = await engineError(engine.createCostCenter({ company: companyName, costCenterName: 'Lost', parentCostCenter: `${companyName} - ${abbr}` }));
        assert.equal(lost.code, 'ENGINE_UNAVAILABLE');
        assert.equal((await engine.findCostCenter(companyName, 'Lost'))?.name, `Lost - ${abbr}`, 'the write committed');
      });
    });
  });
}

contract('simulator', async () => {
  const sim = await startErpnextSimulator();
  return { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret, sim };
});

const real = { url: process.env.ERPNEXT_URL, apiKey: process.env.ERPNEXT_API_KEY, apiSecret: process.env.ERPNEXT_API_SECRET };
if (real.url && real.apiKey && real.apiSecret) {
  contract('real ERPNext', async () => ({ url: real.url!, apiKey: real.apiKey!, apiSecret: real.apiSecret! }));
} else {
  test('ERPNext adapter contract (real ERPNext)', { skip: 'set ERPNEXT_URL, ERPNEXT_API_KEY and ERPNEXT_API_SECRET to run the contract against a real ERPNext' }, () => {});
}
