/**
 * An Odoo tenant through the public API (issue 15): registered as an engine of kind `odoo`, it goes
 * NOT_STARTED → COMPLETED; a retry of the COMPLETED tenant writes nothing; continue after a
 * failure completes it; a create whose answer was lost is found by reading, not repeated. Against
 * the Odoo simulator always, and against a real Odoo 17 when ODOO_URL, ODOO_DB, ODOO_LOGIN and
 * ODOO_API_KEY are set (it creates companies "Odoo Prov <random>"; use a scratch database).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

const REAL =
  process.env.ODOO_URL && process.env.ODOO_DB && process.env.ODOO_LOGIN && process.env.ODOO_API_KEY
    ? { url: process.env.ODOO_URL, db: process.env.ODOO_DB, login: process.env.ODOO_LOGIN, apiKey: process.env.ODOO_API_KEY }
    : undefined;
const SKIP_REAL = REAL ? false : 'ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY are not all set: no real Odoo to provision into';

/** Model methods that only read; every other execute_kw is a write. */
const READS = /^\/jsonrpc (common\.\w+|[\w.]+\.(search_read|read|search|search_count))$/;

interface EngineCallLog {
  run_id: string;
  engine: { method: string; path: string; status: number | null; ms: number } | null;
}

/** The engine calls of one run of a tenant, from its logs (the same for the simulator and a real Odoo). */
async function engineCalls(h: Harness, tenantId: string, runId: string): Promise<string[]> {
  const res = await h.call('GET', `/api/provisioning/tenants/${tenantId}/logs?include_engine_calls=true&limit=1000`);
  assert.equal(res.status, 200);
  return (res.body.logs as EngineCallLog[]).filter((l) => l.run_id === runId && l.engine).map((l) => l.engine!.path);
}

function contract(target: 'simulator' | 'real Odoo') {
  let h: Harness;
  let sim: RunningOdooSimulator | null = null;
  const suffix = randomBytes(3).toString('hex');
  const name = (n: string) => `Odoo Prov ${n} ${suffix}`;

  before(async () => {
    // a real Odoo takes seconds for a company or a chart (odoo.md Part C): the budgets of production
    h = await startHarness(target === 'real Odoo' ? { config: { engineBudgets: { readMs: 15_000, writeMs: 60_000, companyInsertMs: 300_000 } } } : {});
    if (target === 'simulator') sim = await startOdooSimulator();
    const engine = sim ? { url: sim.url, db: sim.db, login: sim.login, apiKey: sim.apiKey } : REAL!;
    const res = await h.call('POST', '/api/engines', { id: 'odoo-1', kind: 'odoo', base_url: engine.url, database: engine.db, login: engine.login, api_key: engine.apiKey });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.engine.database, engine.db);
    assert.equal(JSON.stringify(res.body).includes(engine.apiKey), false, 'the API key is never shown');
  });
  after(async () => {
    await h?.close();
    await sim?.close();
  });

  test('the engine health check and readiness work for an odoo engine', async () => {
    const health = await h.call('POST', '/api/engines/odoo-1/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.health.authenticated, true, JSON.stringify(health.body));
    assert.match(health.body.health.versions.odoo, /^17\.0/);
    assert.ok(health.body.health.versions.point_of_sale);
    const ready = await h.call('GET', '/api/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const odoo = ready.body.engines.find((e: { id: string }) => e.id === 'odoo-1');
    assert.deepEqual({ supported: odoo.supported, authenticated: odoo.authenticated }, { supported: true, authenticated: true });
  });

  test('an Odoo tenant goes NOT_STARTED → COMPLETED through the API, then a retry writes nothing', async (t) => {
    const started = performance.now();
    const { tenant, provisioning } = await h.createTenant({ name: name('Shop'), country_code: 'KE', engine_id: 'odoo-1', provisioning: { include_demo_data: true } });
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'], 300_000);
    const wallMs = Math.round(performance.now() - started);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(status.steps_completed, 11);
    assert.equal(status.engine.company, name('Shop'));
    assert.equal(status.engine.pos_profile, `${name('Shop')} POS`);
    const calls = await engineCalls(h, tenant.id, provisioning.run_id);
    t.diagnostic(`${target}: COMPLETED in ${wallMs} ms with ${calls.length} engine calls (${calls.filter((c) => !READS.test(c)).length} writes)`);

    if (sim) {
      const company = sim.sim.list('res.company').find((c) => c.name === name('Shop'))!;
      assert.equal(sim.sim.get('res.currency', company.currency_id as number)?.name, 'KES', 'the chart switched the currency to USD; step_3 writes the tenant\'s back');
      const configs = sim.sim.list('pos.config').filter((c) => c.company_id === company.id);
      assert.deepEqual(configs.map((c) => c.name), [`${name('Shop')} POS`], 'the "Shop" config of the chart is adopted, not left beside a second one');
      const sessions = sim.sim.list('pos.session').filter((s) => s.config_id === configs[0]!.id);
      assert.deepEqual(sessions.map((s) => s.state), ['opened']);
      assert.equal(sim.sim.list('product.template').filter((p) => p.company_id === company.id).length, 5);
      assert.deepEqual(sim.sim.duplicates(), []);
    }

    const retried = performance.now();
    const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/retry`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const again = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'], 300_000);
    assert.equal(again.status, 'COMPLETED', JSON.stringify(again.errors));
    const retryCalls = await engineCalls(h, tenant.id, res.body.run.id);
    t.diagnostic(`${target}: retry COMPLETED in ${Math.round(performance.now() - retried)} ms with ${retryCalls.length} engine calls`);
    const writes = retryCalls.filter((c) => !READS.test(c));
    assert.deepEqual(writes, [], `the retry wrote: ${writes.join(', ')}`);
    if (sim) assert.deepEqual(sim.sim.duplicates(), []);

    // verify and plan of Odoo tenants: test/odoo/drift.test.ts
    const verified = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/verify`);
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.drifted, false, JSON.stringify(verified.body.findings));
  });
}

describe('Odoo simulator', () => {
  contract('simulator');
});

describe('real Odoo', { skip: SKIP_REAL }, () => {
  contract('real Odoo');
});

describe('Odoo simulator faults', () => {
  let h: Harness;
  let sim: RunningOdooSimulator;
  before(async () => {
    h = await startHarness();
    sim = await startOdooSimulator();
    const res = await h.call('POST', '/api/engines', { id: 'odoo-f', kind: 'odoo', base_url: sim.url, database: sim.db, login: sim.login, api_key: sim.apiKey });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
  after(async () => {
    await h.close();
    await sim.close();
  });

  test('a create whose answer was lost is found by reading, not repeated', async () => {
    for (const model of ['res.company', 'stock.warehouse', 'res.partner', 'pos.payment.method', 'pos.session', 'product.template']) {
      sim.sim.injectLostResponse({ model, method: 'create', count: 1 });
    }
    const { tenant } = await h.createTenant({ name: 'Odoo Lost Answers', country_code: 'KE', engine_id: 'odoo-f', provisioning: { include_demo_data: true } });
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(sim.sim.faultState().faults.length, 0, 'every lost answer was injected and used');
    assert.deepEqual(sim.sim.duplicates(), []);
    const company = sim.sim.list('res.company').find((c) => c.name === 'Odoo Lost Answers')!;
    assert.equal(sim.sim.list('res.partner').filter((p) => p.company_id === company.id && Number(p.customer_rank) > 0).length, 1);
    assert.equal(sim.sim.list('pos.session').filter((s) => s.company_id === company.id).length, 1);
  });

  test('continue after a failed critical step completes the tenant without duplicates', async () => {
    sim.sim.injectFault({ model: 'pos.config', method: 'write', exception: { name: 'odoo.exceptions.UserError', message: 'Injected refusal' }, count: 1 });
    const { tenant } = await h.createTenant({ name: 'Odoo Continue Shop', country_code: 'KE', engine_id: 'odoo-f' });
    const failed = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.errors[0].step, 'step_8_pos_profile');
    assert.equal(failed.errors[0].code, 'ENGINE_VALIDATION');
    const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.run.plan[0], 'step_8_pos_profile');
    const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
    assert.deepEqual(sim.sim.duplicates(), []);
  });

  test('a call refused for a stale company cache is healed by linking the company again (seen with tenants made at once)', async () => {
    // what a real Odoo 17 answered for 1 of 8 tenants made at once: its cache of the user's companies predated the new one
    sim.sim.injectFault({ model: 'stock.warehouse', method: 'search_read', exception: { name: 'odoo.exceptions.AccessError', message: 'Access to unauthorized or invalid companies.' }, count: 1 });
    const { tenant } = await h.createTenant({ name: 'Odoo Stale Cache Shop', country_code: 'KE', engine_id: 'odoo-f' });
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(sim.sim.callCount({ model: 'res.users', method: 'write' }), 1);
    assert.deepEqual(sim.sim.duplicates(), []);
  });

  test('a company create that meets another process\'s new company (MissingError of a res.company) is retried, not failed', async () => {
    // what a real Odoo 17 answered to one of two workers making companies at the same moment; the transaction was rolled back
    sim.sim.injectFault({ model: 'res.company', method: 'create', exception: { name: 'odoo.exceptions.MissingError', message: 'Record does not exist or has been deleted.\n(Record: res.company(30,), User: 2)' }, count: 1 });
    const { tenant } = await h.createTenant({ name: 'Odoo Racing Company', country_code: 'KE', engine_id: 'odoo-f' });
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(status.steps.find((s: any) => s.id === 'step_2_company').attempts, 2, 'tried once more, as a conflict');
    assert.equal(sim.sim.list('res.company').filter((c) => c.name === 'Odoo Racing Company').length, 1);
  });

  test('an Odoo engine with a wrong API key refuses the start with ENGINE_AUTH_FAILED and a hint', async () => {
    const reg = await h.call('POST', '/api/engines', { id: 'odoo-bad', kind: 'odoo', base_url: sim.url, database: sim.db, login: sim.login, api_key: 'not-the-key' });
    assert.equal(reg.status, 201);
    const health = await h.call('POST', '/api/engines/odoo-bad/health');
    assert.deepEqual({ authenticated: health.body.health.authenticated, code: health.body.health.code }, { authenticated: false, code: 'ENGINE_AUTH_FAILED' });
    assert.equal((await h.call('DELETE', '/api/engines/odoo-bad')).status, 200);
  });

  test('an odoo engine takes a database and a login, an erpnext engine an API secret', async () => {
    const missing = await h.call('POST', '/api/engines', { id: 'odoo-x', kind: 'odoo', base_url: sim.url, api_key: 'k', api_secret: 's' });
    assert.equal(missing.status, 400);
    assert.match(JSON.stringify(missing.body), /database/);
    const foreign = await h.call('POST', '/api/engines', { id: 'erp-x', kind: 'erpnext', base_url: sim.url, api_key: 'k', api_secret: 's', database: 'odoo' });
    assert.equal(foreign.status, 400);
  });
});
