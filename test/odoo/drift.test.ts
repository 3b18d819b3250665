/**
 * Verify, heal and plan of Odoo tenants (issue 15, issue 16 items 2 and 4 on Odoo): the Odoo steps
 * run against the Odoo dry run read the database and write nothing; what they would write is the
 * drift, or a run's operations. Against the Odoo simulator always, and against a real Odoo 17 when
 * ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY are set (it creates companies "Odoo Drift
 * <random>"; use a scratch database).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { OdooRpcClient } from '../../src/adapters/odoo/odoo-rpc.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';
import type { OdooSimulator } from '../../src/simulator/odoo/simulator.ts';

const REAL =
  process.env.ODOO_URL && process.env.ODOO_DB && process.env.ODOO_LOGIN && process.env.ODOO_API_KEY
    ? { url: process.env.ODOO_URL, db: process.env.ODOO_DB, login: process.env.ODOO_LOGIN, apiKey: process.env.ODOO_API_KEY }
    : undefined;
const SKIP_REAL = REAL ? false : 'ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY are not all set: no real Odoo to verify tenants on';

/** Model methods that only read. */
const READ_METHODS = new Set(['search_read', 'read', 'search', 'search_count']);
const writes = (sim: OdooSimulator) => sim.calls().filter((c) => c.service === 'object' && !READ_METHODS.has(c.method)).map((c) => `${c.model}.${c.method}`);

interface Access {
  url: string;
  db: string;
  login: string;
  apiKey: string;
}

/** Registers the Odoo engine, and answers a client of Odoo's own API: an operator's hand, behind Provisioner's back. */
async function registerOdoo(h: Harness, id: string, engine: Access): Promise<OdooRpcClient> {
  const res = await h.call('POST', '/api/engines', { id, kind: 'odoo', base_url: engine.url, database: engine.db, login: engine.login, api_key: engine.apiKey });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return new OdooRpcClient({ baseUrl: engine.url, db: engine.db, login: engine.login, apiKey: engine.apiKey, budgets: { readMs: 60_000, writeMs: 60_000 } });
}

async function completedTenant(h: Harness, engineId: string, name: string): Promise<{ id: string; companyId: number; facts: any }> {
  const { tenant } = await h.createTenant({ name, country_code: 'KE', engine_id: engineId });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'], 300_000);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  const facts = (await h.provisioner.db.store.getTenant(tenant.id))!.engineFacts;
  return { id: tenant.id, companyId: facts.odoo!.companyId!, facts };
}

/** The POS Store warehouse of the tenant's company, archived in Odoo (an operator's Archive). */
async function archivePosStore(odoo: OdooRpcClient, companyId: number): Promise<void> {
  const scoped = { context: { allowed_company_ids: [companyId], active_test: false } };
  const [warehouse] = await odoo.searchRead<{ id: number }>('stock.warehouse', [['company_id', '=', companyId], ['name', '=', 'POS Store']], ['id'], scoped);
  assert.ok(warehouse, 'the tenant has a POS Store');
  await odoo.write('stock.warehouse', [warehouse.id], { active: false }, scoped);
}

function driftOn(target: 'simulator' | 'real Odoo') {
  let h: Harness;
  let sim: RunningOdooSimulator | null = null;
  let odoo: OdooRpcClient;
  const suffix = randomBytes(3).toString('hex');
  const name = (n: string) => `Odoo Drift ${n} ${suffix}`;

  before(async () => {
    h = await startHarness(target === 'real Odoo' ? { config: { engineBudgets: { readMs: 15_000, writeMs: 60_000, companyInsertMs: 300_000 } } } : {});
    if (target === 'simulator') sim = await startOdooSimulator();
    odoo = await registerOdoo(h, 'odoo-d', sim ? { url: sim.url, db: sim.db, login: sim.login, apiKey: sim.apiKey } : REAL!);
  });
  after(async () => {
    await h?.close();
    await sim?.close();
  });

  test('verify of an untouched COMPLETED Odoo tenant finds no drift and writes nothing in Odoo', async () => {
    const { id } = await completedTenant(h, 'odoo-d', name('Untouched'));
    sim?.sim.clearCalls();
    const res = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual({ drifted: res.body.drifted, first_step: res.body.first_step, findings: res.body.findings }, { drifted: false, first_step: null, findings: [] });
    if (sim) {
      assert.ok(sim.sim.calls().length > 0, 'it read Odoo');
      assert.deepEqual(writes(sim.sim), []);
    }
  });

  test('a POS Store warehouse archived in Odoo is found by verify at step_4, and heal makes it again', async () => {
    const { id, companyId } = await completedTenant(h, 'odoo-d', name('Archived'));
    await archivePosStore(odoo, companyId);
    sim?.sim.clearCalls();
    const found = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    if (sim) assert.deepEqual(writes(sim.sim), [], 'verify reads only');
    assert.equal(found.body.drifted, true);
    assert.equal(found.body.first_step, 'step_4_warehouses');
    assert.deepEqual(found.body.findings.map((f: any) => [f.step, f.doctype, f.record]), [['step_4_warehouses', 'stock.warehouse', 'POS Store']]);
    assert.equal((await h.call('GET', `/api/provisioning/tenants/${id}/status`)).body.drift.drifted, true);

    const heal = await h.call('POST', `/api/provisioning/tenants/${id}/heal`);
    assert.equal(heal.status, 202, JSON.stringify(heal.body));
    assert.deepEqual([heal.body.run.kind, heal.body.run.plan[0]], ['retry', 'step_4_warehouses']);
    assert.equal((await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'], 300_000)).status, 'COMPLETED');
    const again = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
    assert.deepEqual({ drifted: again.body.drifted, findings: again.body.findings }, { drifted: false, findings: [] });
    const active = await odoo.searchRead<{ id: number }>('stock.warehouse', [['company_id', '=', companyId], ['name', '=', 'POS Store']], ['id'], { context: { allowed_company_ids: [companyId] } });
    assert.equal(active.length, 1, 'one active POS Store again');
    if (sim) assert.deepEqual(sim.sim.duplicates(), []);
  });

  test('plan lists the creates for a new Odoo tenant and, for a COMPLETED one, only records in place; it writes nothing', async () => {
    const { tenant } = await h.createTenant({ name: name('Planned'), country_code: 'KE', engine_id: 'odoo-d', provisioning: { auto_start: false } });
    sim?.sim.clearCalls();
    const fresh = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/plan?kind=start`);
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(fresh.body.steps.length, 11);
    assert.deepEqual(fresh.body.problems, []);
    const ops = (action: string) => fresh.body.operations.filter((o: any) => o.action === action).map((o: any) => `${o.step} ${o.doctype}|${o.name}`);
    assert.deepEqual(ops('create'), [
      `step_2_company res.company|${name('Planned')}`,
      'step_4_warehouses stock.warehouse|POS Store',
      'step_7_customer res.partner|Walk-in Customer',
      'step_8_pos_profile pos.payment.method|M-Pesa',
      `step_9_pos_session pos.session|new session of ${name('Planned')} POS`,
    ]);
    // the chart Odoo loads (which makes the KES company USD: the tenant's currency is written
    // back), and its "Shop" config adopted under the tenant's name
    assert.deepEqual(
      fresh.body.operations.filter((o: any) => o.action === 'update').map((o: any) => `${o.step} ${o.doctype}|${o.name}|${o.detail}`),
      [`step_3_chart_of_accounts res.company|${name('Planned')}|chart of accounts generic_coa, currency`, `step_8_pos_profile pos.config|Shop|name ${name('Planned')} POS, payment methods`],
    );
    if (sim) assert.deepEqual(writes(sim.sim), []);

    const { id } = await completedTenant(h, 'odoo-d', name('Planned Again'));
    sim?.sim.clearCalls();
    const done = await h.call('GET', `/api/provisioning/tenants/${id}/plan?kind=retry`);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual([...new Set(done.body.operations.map((o: any) => o.action))].sort(), ['exists', 'skip'], JSON.stringify(done.body.operations));
    assert.deepEqual(done.body.operations.filter((o: any) => o.action === 'skip').map((o: any) => o.step), ['step_6_items']);
    for (const [model, record] of [['res.company', name('Planned Again')], ['stock.warehouse', 'POS Store'], ['pos.config', `${name('Planned Again')} POS`], ['res.partner', 'Walk-in Customer']]) {
      assert.ok(done.body.operations.some((o: any) => o.doctype === model && o.name === record), `${model} ${record} exists`);
    }
    if (sim) assert.deepEqual(writes(sim.sim), []);
  });
}

describe('Odoo simulator', () => {
  driftOn('simulator');
});

describe('real Odoo', { skip: SKIP_REAL }, () => {
  driftOn('real Odoo');
});

describe('Odoo simulator, records deleted', () => {
  test('a POS config deleted in Odoo is found at step_8 and healed; the drift sweep finds Odoo tenants on its own', async () => {
    const sim = await startOdooSimulator();
    const h = await startHarness({ config: { driftSweep: { enabled: true, intervalMs: 200, ratePerMinute: 6_000 } } });
    try {
      await registerOdoo(h, 'odoo-s', { url: sim.url, db: sim.db, login: sim.login, apiKey: sim.apiKey });
      const { id, facts } = await completedTenant(h, 'odoo-s', 'Odoo Swept Shop');
      assert.ok(sim.sim.deleteRecord('pos.config', facts.odoo.posConfigId));
      let status: any;
      // the sweep verifies by itself: a state polled, not a timer waited out
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
        status = (await h.call('GET', `/api/provisioning/tenants/${id}/status`)).body;
        if (status.drift.drifted) break;
      }
      assert.equal(status.drift.drifted, true, 'the sweep found it');
      assert.equal(status.drift.first_step, 'step_8_pos_profile');
      assert.deepEqual(status.drift.findings.map((f: any) => [f.step, f.doctype, f.record]), [['step_8_pos_profile', 'pos.config', 'Odoo Swept Shop POS']]);
      const events = (await h.call('GET', `/api/provisioning/tenants/${id}/logs`)).body.logs.filter((e: any) => e.type === 'tenant_drifted');
      assert.equal(events.length, 1);
      assert.match(events[0].message, /drift-sweep/);

      const heal = await h.call('POST', `/api/provisioning/tenants/${id}/heal`);
      assert.equal(heal.status, 202, JSON.stringify(heal.body));
      assert.equal(heal.body.run.plan[0], 'step_8_pos_profile');
      assert.equal((await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
      const company = sim.sim.list('res.company').find((c) => c.name === 'Odoo Swept Shop')!;
      const configs = sim.sim.list('pos.config').filter((c) => c.company_id === company.id);
      assert.deepEqual(configs.map((c) => c.name), ['Odoo Swept Shop POS'], 'the config is there again');
      assert.deepEqual(sim.sim.list('pos.session').filter((s) => s.config_id === configs[0]!.id).map((s) => s.state), ['opened']);
      const verified = await h.call('POST', `/api/provisioning/tenants/${id}/verify`);
      assert.equal(verified.body.drifted, false, JSON.stringify(verified.body.findings));
      assert.deepEqual(sim.sim.duplicates(), []);
    } finally {
      await h.close();
      await sim.close();
    }
  });
});
