import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STEP_IDS } from '../../src/domain/steps/catalogue.ts';
import { STEP_LOGIC } from '../../src/domain/steps/index.ts';
import { DEFAULT_RUN_CONFIG, type EngineFacts, type StepContext } from '../../src/domain/steps/step.ts';
import type { ErpnextPort } from '../../src/ports/erpnext.ts';
import { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';

let sim: RunningSimulator;
before(async () => {
  sim = await startErpnextSimulator({ port: 0 });
});
after(() => sim.close());

function context(facts: EngineFacts, notes: string[]): StepContext<ErpnextPort> {
  return {
    tenant: { id: 't-1', name: 'Twice Traders', countryCode: 'KE', country: 'Kenya', currency: 'KES' },
    config: { ...DEFAULT_RUN_CONFIG, includeDemoData: true },
    facts,
    engine: new ErpnextEngine({ baseUrl: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret }),
    note: (m) => notes.push(m),
  };
}

const census = () => Object.fromEntries(Object.entries(sim.sim.snapshot()).map(([doctype, docs]) => [doctype, docs.length]));
const writes = () => sim.sim.calls().filter((c) => c.method !== 'GET').length;

test('every step run twice in a row writes nothing the second time and leaves no duplicate', async () => {
  let facts: EngineFacts = {};
  for (const id of STEP_IDS) {
    const first = await STEP_LOGIC.erpnext[id].run(context(facts, []));
    facts = { ...facts, ...first.facts };
    const countsAfterFirst = census();
    const writesAfterFirst = writes();
    const notes: string[] = [];
    const second = await STEP_LOGIC.erpnext[id].run(context(facts, notes));
    assert.equal(second.outcome, first.outcome, id);
    assert.deepEqual(census(), countsAfterFirst, `${id} created documents on its second run`);
    if (id !== 'step_10_post_sale_updates') assert.equal(writes(), writesAfterFirst, `${id} wrote to the engine on its second run: ${notes.join('; ')}`);
    facts = { ...facts, ...second.facts };
  }
  assert.deepEqual(sim.sim.duplicates(), []);
  assert.equal(facts.company, 'Twice Traders');
  assert.equal(facts.abbr, 'TT');
});
