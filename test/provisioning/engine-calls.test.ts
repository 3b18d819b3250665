import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

// Issue 13 item 1: the engine calls a tenant costs, counted in the simulator's call log (counts,
// not timings). Targets: ≤ 32 for a fresh tenant on a set-up site, ≤ 20 for a retry of a
// COMPLETED tenant, and no write that was not needed.
let h: Harness;
before(async () => {
  h = await startHarness();
  // the site as another tenant leaves it: its M-Pesa mode exists, and this process has seen the site
  const { tenant } = await h.createTenant({ name: 'Warm Up Shop', country_code: 'KE' });
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
});
after(() => h.close());

const calls = () => h.simulator.sim.calls().map((c) => `${c.method} ${c.path}`);
const writes = () => calls().filter((c) => !c.startsWith('GET '));

test('a fresh tenant costs at most 32 engine calls (pre-flight check included), and writes only what it makes', async () => {
  h.simulator.sim.clearCalls();
  const { tenant } = await h.createTenant({ name: 'Counted Shop', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.ok(calls().length <= 32, `${calls().length} calls:\n${calls().join('\n')}`);
  const abbr = status.engine.abbr;
  assert.deepEqual(writes().sort(), [
    'POST /api/resource/Account', // M-Pesa - ABBR, the bank account of the M-Pesa mode
    'POST /api/resource/Company',
    'POST /api/resource/Customer',
    'POST /api/resource/POS Opening Entry',
    'POST /api/resource/POS Profile',
    'POST /api/resource/Warehouse', // Main Store
    'POST /api/resource/Warehouse', // POS Store
    'PUT /api/resource/Mode of Payment/M-Pesa', // this company's row
  ]);
  assert.ok(h.simulator.sim.get('Account', `M-Pesa - ${abbr}`));
});

test('a retry of a COMPLETED tenant costs at most 20 engine calls and writes nothing', async () => {
  const { tenant } = await h.createTenant({ name: 'Retried Shop', country_code: 'KE' });
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  h.simulator.sim.clearCalls();
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.run.plan.length, 11);
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.ok(calls().length <= 20, `${calls().length} calls:\n${calls().join('\n')}`);
  assert.deepEqual(writes(), []);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});
