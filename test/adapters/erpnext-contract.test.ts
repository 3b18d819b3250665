/**
 * The ERPNext adapter's contract (test/support/erpnext-contract.ts) against the built-in
 * simulator, plus what only the simulator can do: change site-wide settings freely and inject
 * transport faults. The same contract runs against a real ERPNext in test/erpnext/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import { startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { adapterContract, engineError } from '../support/erpnext-contract.ts';

adapterContract(
  'simulator',
  async () => {
    const sim = await startErpnextSimulator();
    return { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret, sim };
  },
  (state) => {
      test('settings: updateSettings writes a partial update (site-wide, so simulator only)', async () => {
        const { engine, abbr } = state();
        await engine.updateSettings('stock', { default_warehouse: `Main Store - ${abbr}` });
        assert.equal((await engine.readSettings('stock')).default_warehouse, `Main Store - ${abbr}`);
        assert.equal((await engine.readSettings('stock')).item_naming_by, 'Item Code', 'other fields kept');
      });

      describe('transport faults (simulator only)', () => {
        test('503 → ENGINE_UNAVAILABLE, transient, with Retry-After', async () => {
          const { engine, target } = state();
          target.sim!.sim.injectFault({ path: 'get_logged_user', status: 503, retryAfter: 2 });
          const e = await engineError(engine.checkHealth());
          assert.equal(e.code, 'ENGINE_UNAVAILABLE');
          assert.equal(e.transient, true);
          assert.equal(e.retryAfterMs, 2000);
        });

        test('502 → ENGINE_UNAVAILABLE, transient', async () => {
          const { engine, companyName, target } = state();
          target.sim!.sim.injectFault({ doctype: 'Company', method: 'GET', status: 502 });
          const e = await engineError(engine.findCompany(companyName));
          assert.equal(e.code, 'ENGINE_UNAVAILABLE');
          assert.equal(e.transient, true);
        });

        test('maintenance mode (503 SessionStopped) → ENGINE_UPDATING, transient', async () => {
          const { engine, companyName, target } = state();
          target.sim!.sim.scenario({ name: 'engine_updating' });
          try {
            const e = await engineError(engine.findCompany(companyName));
            assert.equal(e.code, 'ENGINE_UPDATING');
            assert.equal(e.transient, true);
          } finally {
            target.sim!.sim.setUpdating(false);
          }
        });

        test('429 → ENGINE_RATE_LIMITED with the Retry-After delay', async () => {
          const { engine, companyName, target } = state();
          target.sim!.sim.injectFault({ doctype: 'Warehouse', status: 429, retryAfter: 3 });
          const e = await engineError(engine.findWarehouse(companyName, 'Main Store'));
          assert.equal(e.code, 'ENGINE_RATE_LIMITED');
          assert.equal(e.retryAfterMs, 3000);
        });

        test('500 → ENGINE_ERROR, not transient', async () => {
          const { engine, abbr, target } = state();
          target.sim!.sim.injectFault({ doctype: 'Item', status: 500 });
          const e = await engineError(engine.findItem(`${abbr}-COFFEE`));
          assert.equal(e.code, 'ENGINE_ERROR');
          assert.equal(e.transient, false);
        });

        test('no answer in time → ENGINE_TIMEOUT, and the write was not applied', async () => {
          const { engine, companyName, abbr, target } = state();
          const impatient = new ErpnextEngine({ baseUrl: target.url, apiKey: target.apiKey, apiSecret: target.apiSecret, budgets: { readMs: 250, writeMs: 250 } });
          target.sim!.sim.injectFault({ kind: 'timeout', doctype: 'Warehouse', method: 'POST' });
          const e = await engineError(impatient.createWarehouse({ company: companyName, warehouseName: 'Slow Store', parentWarehouse: `All Warehouses - ${abbr}` }));
          assert.equal(e.code, 'ENGINE_TIMEOUT');
          assert.equal(e.transient, true);
          assert.equal(await engine.findWarehouse(companyName, 'Slow Store'), null);
        });

        test('engine down → ENGINE_UNAVAILABLE', async () => {
          const { engine, target } = state();
          target.sim!.sim.setDown(true);
          try {
            const e = await engineError(engine.checkHealth());
            assert.equal(e.code, 'ENGINE_UNAVAILABLE');
            assert.equal(e.transient, true);
          } finally {
            target.sim!.sim.setDown(false);
          }
        });

        test('connection reset → ENGINE_UNAVAILABLE, nothing applied; lost response → ENGINE_UNAVAILABLE, applied', async () => {
          const { engine, companyName, abbr, target } = state();
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
  },
);
