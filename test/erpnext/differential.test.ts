/**
 * The simulator and a real ERPNext side by side: the request sequences the ERPNext adapter sends
 * (src/adapters/erpnext/erpnext-engine.ts) and their error paths, each sent to both, comparing
 * the HTTP status, `exc_type`, the messages and every field the adapter reads, field presence
 * included (a real site leaves null fields out of a document). Any difference is a simulator
 * defect: the test lists them all and fails.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { frappeMessages, type FrappeErrorBody } from '../../src/adapters/erpnext/frappe-errors.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';
import type { CompanyRaceOutcome } from '../../src/simulator/erpnext/company-inserts.ts';
import type { EngineAccess } from '../support/harness.ts';
import { realErpnext, runSuffix, SKIP_REASON } from './support.ts';

const site = realErpnext();

/** One answer as the adapter sees it. */
interface Answer {
  status: number;
  exc_type?: string;
  messages?: string[];
  data?: unknown;
}

interface Probe {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  /** false: no Authorization header; 'wrong': a wrong secret. (Default: the key) */
  auth?: false | 'wrong';
  /** Fields of the answered document (or of each row of a list) that the adapter reads. */
  pick?: string[];
}

const ABSENT = '(absent)';

function pickFields(doc: unknown, fields: string[]): unknown {
  if (!doc || typeof doc !== 'object') return doc;
  const d = doc as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, f in d ? (Array.isArray(d[f]) ? (d[f] as unknown[]).map((r) => pickRow(r)) : d[f]) : ABSENT]));
}

/** Child rows: the fields the adapter reads of them. */
const pickRow = (r: unknown) => pickFields(r, ['company', 'default_account', 'mode_of_payment', 'default', 'opening_amount']);

/** Series numbers and dates differ between sites; names made by this run do not. */
const normalize = (s: string) => s.replace(/POS-OPE-\d{4}-\d{5}/g, 'POS-OPE-YYYY-#####').replace(/\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?/g, 'DATE');

function summarize(status: number, body: any, probe: Probe): Answer {
  if (status >= 400) {
    const b = (body ?? {}) as FrappeErrorBody;
    return { status, exc_type: b.exc_type ?? ABSENT, messages: frappeMessages(b).map(normalize) };
  }
  const payload = body && typeof body === 'object' ? ('data' in body ? body.data : 'message' in body ? body.message : ABSENT) : body;
  if (!probe.pick) return { status, data: typeof payload === 'object' && payload !== null ? (Array.isArray(payload) ? 'list' : 'object') : payload };
  const data = Array.isArray(payload) ? payload.map((r) => pickFields(r, probe.pick!)).map((r) => JSON.stringify(r)).sort() : pickFields(payload, probe.pick);
  return { status, data: JSON.parse(normalize(JSON.stringify(data))) };
}

async function send(target: EngineAccess, probe: Probe): Promise<Answer> {
  const url = new URL(target.url + probe.path);
  for (const [k, v] of Object.entries(probe.query ?? {})) url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (probe.auth !== false) headers.authorization = `token ${target.apiKey}:${probe.auth === 'wrong' ? 'wrong-secret' : target.apiSecret}`;
  if (probe.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method: probe.method, headers, body: probe.body === undefined ? undefined : JSON.stringify(probe.body) });
  } catch (e) {
    return { status: 0, messages: [`no answer: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`] };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* HTML */
  }
  return summarize(res.status, body, probe);
}

const r = (doctype: string, name?: string) => `/api/resource/${encodeURIComponent(doctype)}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
const m = (method: string) => `/api/method/${method}`;

const COMPANY_FIELDS = ['name', 'abbr', 'country', 'default_currency', 'default_cash_account', 'write_off_account', 'round_off_account', 'cost_center', 'round_off_cost_center', 'default_bank_account'];
const ACCOUNT_FIELDS = ['name', 'account_name', 'company', 'is_group', 'account_type', 'parent_account'];

/**
 * The sequences, in the order the steps send them. Each gets the run's names and returns its
 * probes lazily so that later probes may use what earlier answers named.
 */
function sequences(sfx: string): Array<[string, Probe]> {
  const company = `Diff ${sfx}`;
  const abbr = `D${sfx}`;
  const twin = `Diff Twin ${sfx}`;
  const mode = `Diff Pay ${sfx}`;
  const untyped = `Diff Untyped ${sfx}`;
  const item = `${abbr}-TEA`;
  const customer = `Walk-in Customer - ${abbr}`;
  const profile = `${company} POS`;
  const posProfile = (extra: Record<string, unknown>) => ({
    __newname: profile, name: profile, company, currency: 'KES', warehouse: `Main Store - ${abbr}`, write_off_account: `Write Off - ${abbr}`, write_off_cost_center: `Main - ${abbr}`, write_off_limit: 1,
    payments: [{ mode_of_payment: 'Cash', default: 1 }], selling_price_list: 'Standard Selling', ...extra,
  });
  return [
    // step_0: health
    ['ping without auth', { method: 'GET', path: m('ping'), auth: false }],
    ['get_logged_user', { method: 'GET', path: m('frappe.auth.get_logged_user') }],
    ['get_logged_user without auth', { method: 'GET', path: m('frappe.auth.get_logged_user'), auth: false }],
    ['get_logged_user with a wrong secret', { method: 'GET', path: m('frappe.auth.get_logged_user'), auth: 'wrong' }],
    ['get_versions', { method: 'GET', path: m('frappe.utils.change_log.get_versions'), pick: [] }],
    ['a function that is not whitelisted', { method: 'GET', path: m('frappe.get_doc') }],
    ['a module path', { method: 'GET', path: m('frappe.model.delete_doc') }],
    ['a path that does not import', { method: 'GET', path: m('frappe.no_such_module.fn') }],
    ['an unknown doctype', { method: 'GET', path: r('No Such Doctype') }],
    // step_1: masters
    ['UOM Nos', { method: 'GET', path: r('UOM', 'Nos'), pick: ['name', 'uom_name'] }],
    ['Price List Standard Selling', { method: 'GET', path: r('Price List', 'Standard Selling'), pick: ['name', 'selling', 'enabled'] }],
    ['Customer Group All Customer Groups', { method: 'GET', path: r('Customer Group', 'All Customer Groups'), pick: ['name', 'is_group'] }],
    ['Territory All Territories', { method: 'GET', path: r('Territory', 'All Territories'), pick: ['name', 'is_group'] }],
    ['a missing master', { method: 'GET', path: r('Price List', `No Such List ${sfx}`) }],
    // step_2: company
    ['abbreviations', { method: 'GET', path: r('Company'), query: { fields: ['name', 'abbr'], filters: { abbr }, limit_page_length: 0 }, pick: ['name', 'abbr'] }],
    ['a missing company', { method: 'GET', path: r('Company', company) }],
    ['Company insert', { method: 'POST', path: r('Company'), body: { company_name: company, abbr, default_currency: 'KES', country: 'Kenya', create_chart_of_accounts_based_on: 'Standard Template', chart_of_accounts: 'Standard' }, pick: COMPANY_FIELDS }],
    ['the company read back', { method: 'GET', path: r('Company', company), pick: COMPANY_FIELDS }],
    ['the same Company again', { method: 'POST', path: r('Company'), body: { company_name: company, abbr, default_currency: 'KES', country: 'Kenya' } }],
    ['another company with the abbreviation', { method: 'POST', path: r('Company'), body: { company_name: twin, abbr: abbr.toLowerCase(), default_currency: 'KES', country: 'Kenya' } }],
    ['a company with a missing currency link', { method: 'POST', path: r('Company'), body: { company_name: twin, abbr: `X${sfx}`, default_currency: 'XXX', country: 'Kenya' } }],
    ['changing the abbreviation', { method: 'PUT', path: r('Company', company), body: { abbr: `Z${sfx}` } }],
    // step_3: chart of accounts
    ['the Cash account', { method: 'GET', path: r('Account'), query: { fields: ACCOUNT_FIELDS, filters: { company, account_name: 'Cash' }, limit_page_length: 0 }, pick: ACCOUNT_FIELDS }],
    ['the Write Off and Round Off accounts', { method: 'GET', path: r('Account'), query: { fields: ACCOUNT_FIELDS, filters: [['company', '=', company], ['account_name', 'in', ['Write Off', 'Round Off']]], limit_page_length: 0 }, pick: ACCOUNT_FIELDS }],
    ['leaf Cash accounts', { method: 'GET', path: r('Account'), query: { fields: ACCOUNT_FIELDS, filters: { company, account_type: 'Cash', is_group: 0 }, limit_page_length: 0 }, pick: ACCOUNT_FIELDS }],
    ['a bank account insert', { method: 'POST', path: r('Account'), body: { account_name: 'M-Pesa', parent_account: `Bank Accounts - ${abbr}`, company, account_type: 'Bank', is_group: 0 }, pick: ACCOUNT_FIELDS }],
    ['the same account again', { method: 'POST', path: r('Account'), body: { account_name: 'M-Pesa', parent_account: `Bank Accounts - ${abbr}`, company, account_type: 'Bank', is_group: 0 } }],
    ['an account under a ledger', { method: 'POST', path: r('Account'), body: { account_name: 'Under Cash', parent_account: `Cash - ${abbr}`, company, account_type: '', is_group: 0 } }],
    ['the Main cost centre', { method: 'GET', path: r('Cost Center'), query: { fields: ['name', 'company', 'is_group'], filters: { company, cost_center_name: 'Main' }, limit_page_length: 0 }, pick: ['name', 'company', 'is_group'] }],
    ['a cost centre insert', { method: 'POST', path: r('Cost Center'), body: { cost_center_name: 'Shop', parent_cost_center: `${company} - ${abbr}`, company, is_group: 0 }, pick: ['name', 'company', 'is_group'] }],
    // step_4: warehouses
    ['the company\'s warehouses', { method: 'GET', path: r('Warehouse'), query: { fields: ['name', 'company', 'is_group', 'parent_warehouse'], filters: { company }, limit_page_length: 0 }, pick: ['name', 'company', 'is_group', 'parent_warehouse'] }],
    ['a warehouse insert', { method: 'POST', path: r('Warehouse'), body: { warehouse_name: 'Main Store', company, parent_warehouse: `All Warehouses - ${abbr}` }, pick: ['name', 'company', 'is_group', 'parent_warehouse'] }],
    ['the same warehouse again', { method: 'POST', path: r('Warehouse'), body: { warehouse_name: 'Main Store', company, parent_warehouse: `All Warehouses - ${abbr}` } }],
    ['a warehouse of a missing company', { method: 'POST', path: r('Warehouse'), body: { warehouse_name: 'X', company: `Nobody ${sfx}` } }],
    ['a temporary warehouse', { method: 'POST', path: r('Warehouse'), body: { warehouse_name: 'Temp', company, parent_warehouse: `All Warehouses - ${abbr}` }, pick: ['name'] }],
    ['deleting a warehouse', { method: 'DELETE', path: r('Warehouse', `Temp - ${abbr}`), pick: [] }],
    ['deleting a group warehouse with children', { method: 'DELETE', path: r('Warehouse', `All Warehouses - ${abbr}`) }],
    // step_5: settings
    ['Selling Settings', { method: 'GET', path: r('Selling Settings', 'Selling Settings'), pick: ['name', 'cust_master_name'] }],
    ['Stock Settings', { method: 'GET', path: r('Stock Settings', 'Stock Settings'), pick: ['name', 'item_naming_by'] }],
    ['company defaults update', { method: 'PUT', path: r('Company', company), body: { write_off_account: `Write Off - ${abbr}`, cost_center: `Main - ${abbr}` }, pick: ['write_off_account', 'cost_center'] }],
    ['a default account of another company', { method: 'PUT', path: r('Company', company), body: { write_off_account: 'Cash - PC' } }],
    // step_6: items
    ['a missing item', { method: 'GET', path: r('Item', item) }],
    ['an item insert', { method: 'POST', path: r('Item'), body: { item_code: item, item_name: 'Tea', item_group: 'Products', stock_uom: 'Nos', is_stock_item: 0 }, pick: ['name', 'item_name', 'item_group'] }],
    ['the same item again', { method: 'POST', path: r('Item'), body: { item_code: item, item_name: 'Tea', item_group: 'Products', stock_uom: 'Nos', is_stock_item: 0 } }],
    ['an item of a missing group', { method: 'POST', path: r('Item'), body: { item_code: `${item}-X`, item_group: 'No Such Group', stock_uom: 'Nos' } }],
    ['an item price insert', { method: 'POST', path: r('Item Price'), body: { item_code: item, price_list: 'Standard Selling', price_list_rate: 120 }, pick: ['item_code', 'price_list', 'price_list_rate', 'currency'] }],
    ['the item\'s prices', { method: 'GET', path: r('Item Price'), query: { fields: ['name'], filters: { item_code: item, price_list: 'Standard Selling' }, limit_page_length: 1 }, pick: [] }],
    // step_7: customer
    ['the walk-in customer, missing', { method: 'GET', path: r('Customer'), query: { fields: ['name', 'customer_name'], filters: { customer_name: customer }, order_by: 'creation asc', limit_page_length: 0 }, pick: ['name', 'customer_name'] }],
    ['a customer insert', { method: 'POST', path: r('Customer'), body: { customer_name: customer, customer_type: 'Individual', customer_group: 'Individual', territory: 'All Territories' }, pick: ['name', 'customer_name'] }],
    ['the same customer again', { method: 'POST', path: r('Customer'), body: { customer_name: customer, customer_type: 'Individual', customer_group: 'Individual', territory: 'All Territories' }, pick: ['name', 'customer_name'] }],
    // step_8: modes of payment and the POS profile
    ['Mode of Payment Cash', { method: 'GET', path: r('Mode of Payment', 'Cash'), pick: ['name', 'type'] }],
    ['a Phone mode of payment insert', { method: 'POST', path: r('Mode of Payment'), body: { mode_of_payment: mode, type: 'Phone', enabled: 1 }, pick: ['name', 'type', 'accounts'] }],
    ['a mode of payment without a type', { method: 'POST', path: r('Mode of Payment'), body: { mode_of_payment: untyped, enabled: 1 }, pick: ['name', 'type', 'accounts'] }],
    // gone at once: a Cash-type mode would take the Cash row of every company created after it (§15)
    ['deleting the untyped mode', { method: 'DELETE', path: r('Mode of Payment', untyped), pick: [] }],
    ['a mode\'s account row', { method: 'PUT', path: r('Mode of Payment', mode), body: { accounts: [{ company, default_account: `M-Pesa - ${abbr}` }] }, pick: ['name', 'accounts'] }],
    ['a row with another company\'s account', { method: 'PUT', path: r('Mode of Payment', mode), body: { accounts: [{ company, default_account: 'Cash - PC' }] } }],
    ['the same company twice', { method: 'PUT', path: r('Mode of Payment', mode), body: { accounts: [{ company, default_account: `M-Pesa - ${abbr}` }, { company, default_account: `M-Pesa - ${abbr}` }] } }],
    ['a stale write (an old modified)', { method: 'PUT', path: r('Mode of Payment', mode), body: { modified: '2020-01-01 00:00:00.000000', accounts: [] } }],
    ['a missing POS Profile', { method: 'GET', path: r('POS Profile', profile) }],
    ['a profile whose mode has no account', { method: 'POST', path: r('POS Profile'), body: posProfile({ payments: [{ mode_of_payment: 'Credit Card', default: 1 }] }) }],
    ['a profile linking the short warehouse name', { method: 'POST', path: r('POS Profile'), body: posProfile({ warehouse: 'Main Store' }) }],
    ['a profile without the write-off fields', { method: 'POST', path: r('POS Profile'), body: posProfile({ write_off_account: undefined, write_off_cost_center: undefined }) }],
    ['a profile without payments', { method: 'POST', path: r('POS Profile'), body: posProfile({ payments: [] }) }],
    ['a profile with no default payment', { method: 'POST', path: r('POS Profile'), body: posProfile({ payments: [{ mode_of_payment: 'Cash', default: 0 }] }) }],
    ['a POS Profile insert', { method: 'POST', path: r('POS Profile'), body: posProfile({ payments: [{ mode_of_payment: 'Cash', default: 1 }, { mode_of_payment: mode, default: 0 }] }), pick: ['name'] }],
    ['the profile read back', { method: 'GET', path: r('POS Profile', profile), pick: ['name', 'company', 'warehouse', 'write_off_account', 'write_off_cost_center', 'payments', 'customer'] }],
    ['the same profile again', { method: 'POST', path: r('POS Profile'), body: posProfile({}) }],
    // step_9: the POS session
    ['the profile\'s sessions, none yet', { method: 'GET', path: r('POS Opening Entry'), query: { fields: ['name', 'pos_profile', 'status', 'docstatus'], filters: { pos_profile: profile, docstatus: ['in', [0, 1]] }, order_by: 'creation desc', limit_page_length: 0 }, pick: ['name', 'status', 'docstatus'] }],
    ['a submitted opening entry', { method: 'POST', path: r('POS Opening Entry'), body: { company, pos_profile: profile, user: 'Administrator', period_start_date: '2026-01-01 08:00:00', posting_date: '2026-01-01', balance_details: [{ mode_of_payment: 'Cash', opening_amount: 0 }], docstatus: 1 }, pick: ['name', 'status', 'docstatus', 'balance_details'] }],
    ['an opening entry of a mode without account', { method: 'POST', path: r('POS Opening Entry'), body: { company, pos_profile: profile, user: 'Administrator', period_start_date: '2026-01-01 08:00:00', posting_date: '2026-01-01', balance_details: [{ mode_of_payment: 'Credit Card', opening_amount: 0 }] } }],
    ['an opening entry for another company', { method: 'POST', path: r('POS Opening Entry'), body: { company: 'Platform Co', pos_profile: profile, user: 'Administrator', period_start_date: '2026-01-01 08:00:00', posting_date: '2026-01-01', balance_details: [{ mode_of_payment: 'Cash', opening_amount: 0 }] } }],
    ['the profile\'s sessions', { method: 'GET', path: r('POS Opening Entry'), query: { fields: ['name', 'pos_profile', 'status', 'docstatus'], filters: { pos_profile: profile, docstatus: ['in', [0, 1]] }, order_by: 'creation desc', limit_page_length: 0 }, pick: ['name', 'status', 'docstatus'] }],
    // frappe.client methods the operators' scripts use
    ['get_value of a missing record by name', { method: 'GET', path: m('frappe.client.get_value'), query: { doctype: 'Company', filters: `Nobody ${sfx}`, fieldname: 'abbr' }, pick: ['abbr'] }],
    ['get_value by name', { method: 'GET', path: m('frappe.client.get_value'), query: { doctype: 'Company', filters: company, fieldname: 'abbr' }, pick: ['abbr'] }],
    ['get_count', { method: 'GET', path: m('frappe.client.get_count'), query: { doctype: 'Warehouse', filters: { company } } }],
  ];
}

if (!site) {
  test('the simulator answers as a real ERPNext does', { skip: SKIP_REASON }, () => {});
} else {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startErpnextSimulator();
  });
  after(() => sim.close());

  test('the simulator answers the adapter\'s requests and their error paths as a real ERPNext does', async (t) => {
    const sfx = runSuffix();
    // the simulator's site is made like the real one: its first company is "Platform Co" (PC)
    const simTarget = { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret };
    const seed = await send(simTarget, { method: 'POST', path: r('Company'), body: { company_name: 'Platform Co', abbr: 'PC', default_currency: 'KES', country: 'Kenya' } });
    assert.equal(seed.status, 200);
    const differences: string[] = [];
    for (const [label, probe] of sequences(sfx)) {
      const [real, simulated]: Answer[] = await Promise.all([send(site!, probe), send(simTarget, probe)]);
      try {
        assert.deepEqual(simulated, real);
      } catch {
        differences.push(`${probe.method} ${probe.path} — ${label}\n  real:      ${JSON.stringify(real)}\n  simulator: ${JSON.stringify(simulated)}`);
      }
    }
    t.diagnostic(`${sequences(sfx).length} requests compared, ${differences.length} differences`);
    assert.deepEqual(differences, [], `the simulator differs from ${site!.url}:\n${differences.join('\n')}`);
  });

  test('two Company inserts with one abbreviation at the same moment: one commits, and the loser answers as a real site\'s loser does', async (t) => {
    const sfx = runSuffix();
    const abbr = `R${sfx}`;
    const insert = (name: string): Probe => ({ method: 'POST', path: r('Company'), body: { company_name: name, abbr, default_currency: 'KES', country: 'Kenya', create_chart_of_accounts_based_on: 'Standard Template', chart_of_accounts: 'Standard' }, pick: ['abbr'] });
    const pair = [insert(`Race One ${sfx}`), insert(`Race Two ${sfx}`)];
    // on a real site both pass validate_abbr while neither has committed (each insert takes seconds);
    // the simulator parks both after that check, then lets them go on one after the other
    const real = await Promise.all(pair.map((p) => send(site!, p)));
    t.diagnostic(`real: ${JSON.stringify(real)}`);
    // how the loser fails is MariaDB's lock timing (company-inserts.ts): the simulator is set to
    // the outcome the site chose this time, then must answer it exactly
    const loser = real.find((a) => a.status !== 200);
    const race: CompanyRaceOutcome | undefined = ({ DuplicateEntryError: 'duplicate', QueryDeadlockError: 'deadlock', QueryTimeoutError: 'lock_wait_timeout' } as const)[loser?.exc_type as string];
    assert.ok(race, `the real loser answered a known race outcome: ${JSON.stringify(real)}`);
    const simTarget = { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret };
    sim.sim.setCompanyRaceOutcome(race);
    sim.sim.holdCompanyInserts();
    const simulatedAnswers = Promise.all(pair.map((p) => send(simTarget, p)));
    await sim.sim.companyInsertsParked(2);
    sim.sim.releaseCompanyInserts();
    const simulated = await simulatedAnswers;
    // which request wins is chance: compare the winner with the winner, the loser with the loser
    const byOutcome = (answers: Answer[]) => [...answers].sort((x, y) => x.status - y.status);
    assert.equal(real.filter((a) => a.status === 200).length, 1, `exactly one real insert commits: ${JSON.stringify(real)}`);
    assert.deepEqual(byOutcome(simulated), byOutcome(real));
  });
}
