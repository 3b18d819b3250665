/**
 * The step contract (issue 15 item 5), one suite for every engine kind: each of the 11 steps run
 * twice in a row writes nothing the second time and leaves no duplicate. Against both simulators
 * always (there the census of every record kind is compared too); against a real ERPNext
 * (ERPNEXT_URL, ERPNEXT_API_KEY, ERPNEXT_API_SECRET) and a real Odoo 17 (ODOO_URL, ODOO_DB,
 * ODOO_LOGIN, ODOO_API_KEY) when they are set, where a second run that makes no write call is the
 * proof that it made no record. Each run makes a company of its own name on a real engine.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { STEP_IDS } from '../../src/domain/steps/catalogue.ts';
import { STEP_LOGIC } from '../../src/domain/steps/index.ts';
import { DEFAULT_RUN_CONFIG, type EngineFacts, type StepContext } from '../../src/domain/steps/step.ts';
import type { EngineCall } from '../../src/adapters/erpnext/frappe-client.ts';
import type { ErpnextPort } from '../../src/ports/erpnext.ts';
import type { OdooPort } from '../../src/ports/odoo.ts';
import { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import { OdooEngine } from '../../src/adapters/odoo/odoo-engine.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';
import { realErpnext, SKIP_REASON as SKIP_REAL_ERPNEXT } from '../erpnext/support.ts';

/** A real engine takes seconds for a company or a chart: the budgets of production. */
const REAL_BUDGETS = { readMs: 15_000, writeMs: 60_000, companyInsertMs: 300_000 };
/** Odoo methods that only read. */
const ODOO_READS = new Set(['search_read', 'read', 'search', 'search_count', 'fields_get', 'version', 'login', 'authenticate']);

const isWrite = (call: EngineCall): boolean => {
  // Odoo: "/jsonrpc res.company.create"; Frappe: a method other than GET
  const odoo = /^\/jsonrpc (\S+)$/.exec(call.path);
  if (odoo) return !ODOO_READS.has(odoo[1]!.split('.').pop()!);
  return call.method !== 'GET';
};

interface Target {
  /** The engine as a step sees it; every call it makes is reported to `onCall`. */
  engine(onCall: (call: EngineCall) => void): ErpnextPort | OdooPort;
  kind: 'erpnext' | 'odoo';
  /** Records of each kind in the whole engine, and records sharing a business key (simulators only). */
  census?(): Record<string, number>;
  duplicates?(): unknown[];
  /** Steps allowed to write again on a second run, and why. */
  rewrites: Partial<Record<(typeof STEP_IDS)[number], string>>;
}

function stepsTwice(target: () => Target, tenantName: string) {
  test('every step run twice in a row writes nothing the second time and leaves no duplicate', async () => {
    const t = target();
    const calls: EngineCall[] = [];
    const engine = t.engine((call) => calls.push(call));
    const tenant = { id: randomUUID(), name: tenantName, countryCode: 'KE', country: 'Kenya', currency: 'KES' };
    const context = (facts: EngineFacts, notes: string[]): StepContext<ErpnextPort & OdooPort> => ({
      tenant,
      config: { ...DEFAULT_RUN_CONFIG, includeDemoData: true },
      facts,
      engine: engine as ErpnextPort & OdooPort,
      note: (m) => notes.push(m),
    });
    let facts: EngineFacts = {};
    const firstWrites: string[] = [];
    for (const id of STEP_IDS) {
      const step = STEP_LOGIC[t.kind][id];
      const callsBefore = calls.length;
      const first = await step.run(context(facts, []));
      firstWrites.push(...calls.slice(callsBefore).filter(isWrite).map((c) => c.path));
      facts = { ...facts, ...first.facts };
      const countsAfterFirst = t.census?.();
      const callsAfterFirst = calls.length;
      const notes: string[] = [];
      const second = await step.run(context(facts, notes));
      assert.equal(second.outcome, first.outcome, id);
      if (countsAfterFirst) assert.deepEqual(t.census!(), countsAfterFirst, `${id} created records on its second run`);
      const rewrites = calls.slice(callsAfterFirst).filter(isWrite).map((c) => c.path);
      if (!t.rewrites[id]) assert.deepEqual(rewrites, [], `${id} wrote to the engine on its second run: ${notes.join('; ')}`);
      facts = { ...facts, ...second.facts };
    }
    // the writes of the first runs are seen as writes: the second runs' none means something
    assert.ok(firstWrites.some((p) => /\/api\/resource\/Company$|res\.company\.create$/.test(p)), `the company's creation is counted as a write: ${firstWrites.join(', ')}`);
    if (t.duplicates) assert.deepEqual(t.duplicates(), []);
    assert.equal(facts.company, tenantName);
    assert.equal(facts.posProfile, `${tenantName} POS`);
  });
}

const ERPNEXT_REWRITES = { step_10_post_sale_updates: 'its post-sale updates are stamped anew on every run' };

describe('ERPNext simulator', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startErpnextSimulator({ port: 0 });
  });
  after(() => sim.close());
  stepsTwice(
    () => ({
      kind: 'erpnext',
      engine: (onCall) => new ErpnextEngine({ baseUrl: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret, onCall }),
      census: () => Object.fromEntries(Object.entries(sim.sim.snapshot()).map(([doctype, docs]) => [doctype, docs.length])),
      duplicates: () => sim.sim.duplicates(),
      rewrites: ERPNEXT_REWRITES,
    }),
    'Twice Traders',
  );
});

const erpnext = realErpnext();
describe('real ERPNext', { skip: erpnext ? false : SKIP_REAL_ERPNEXT }, () => {
  stepsTwice(
    () => ({
      kind: 'erpnext',
      engine: (onCall) => new ErpnextEngine({ baseUrl: erpnext!.url, apiKey: erpnext!.apiKey, apiSecret: erpnext!.apiSecret, budgets: REAL_BUDGETS, onCall }),
      rewrites: ERPNEXT_REWRITES,
    }),
    `Twice Traders ${randomBytes(3).toString('hex')}`,
  );
});

describe('Odoo simulator', () => {
  let sim: RunningOdooSimulator;
  before(async () => {
    sim = await startOdooSimulator();
  });
  after(() => sim.close());
  stepsTwice(
    () => ({
      kind: 'odoo',
      engine: (onCall) => new OdooEngine({ baseUrl: sim.url, db: sim.db, login: sim.login, apiKey: sim.apiKey, onCall }),
      census: () => Object.fromEntries(Object.entries(sim.sim.snapshot()).map(([model, rows]) => [model, rows.length])),
      duplicates: () => sim.sim.duplicates(),
      rewrites: {},
    }),
    'Twice Traders',
  );
});

const { ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY } = process.env;
const odoo = ODOO_URL && ODOO_DB && ODOO_LOGIN && ODOO_API_KEY ? { baseUrl: ODOO_URL, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_API_KEY } : null;
describe('real Odoo', { skip: odoo ? false : 'ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY are not all set: no real Odoo to run the step contract on' }, () => {
  stepsTwice(
    () => ({
      kind: 'odoo',
      engine: (onCall) => new OdooEngine({ ...odoo!, budgets: REAL_BUDGETS, onCall }),
      rewrites: {},
    }),
    `Twice Traders ${randomBytes(3).toString('hex')}`,
  );
});
