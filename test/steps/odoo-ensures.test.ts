import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STEP_IDS } from '../../src/domain/steps/catalogue.ts';
import { STEP_LOGIC } from '../../src/domain/steps/index.ts';
import { DEFAULT_RUN_CONFIG, type EngineFacts, type StepContext } from '../../src/domain/steps/step.ts';
import type { OdooPort } from '../../src/ports/odoo.ts';
import { OdooEngine } from '../../src/adapters/odoo/odoo-engine.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

/** Odoo steps' ensures beyond the step contract (test/steps/step-contract.test.ts). */
let sim: RunningOdooSimulator;
before(async () => {
  sim = await startOdooSimulator();
});
after(() => sim.close());

function context(facts: EngineFacts, notes: string[]): StepContext<OdooPort> {
  return {
    tenant: { id: '00000000-0000-4000-8000-000000000001', name: 'Twice Traders', countryCode: 'KE', country: 'Kenya', currency: 'KES' },
    config: { ...DEFAULT_RUN_CONFIG, includeDemoData: true },
    facts,
    engine: new OdooEngine({ baseUrl: sim.url, db: sim.db, login: sim.login, apiKey: sim.apiKey }),
    note: (m) => notes.push(m),
  };
}

const READS = new Set(['search_read', 'read', 'search', 'search_count']);
const writes = () => sim.sim.calls({ service: 'object' }).filter((c) => !READS.has(c.method)).length;
const census = () => Object.fromEntries(Object.entries(sim.sim.snapshot()).map(([model, rows]) => [model, rows.length]));

test('without the POS store, step_4 adopts the default warehouse and makes none', async () => {
  const ctx = context({}, []);
  const company = await STEP_LOGIC.odoo.step_2_company.run({ ...ctx, tenant: { ...ctx.tenant, id: '00000000-0000-4000-8000-000000000002', name: 'One Store' } });
  const before = sim.sim.list('stock.warehouse').length;
  const result = await STEP_LOGIC.odoo.step_4_warehouses.run({ ...context(company.facts!, []), config: { ...DEFAULT_RUN_CONFIG, posStoreEnabled: false } });
  assert.equal(sim.sim.list('stock.warehouse').length, before);
  assert.equal(result.facts?.mainWarehouse, 'One Store');
  assert.equal(result.facts?.posWarehouse, null);
});
