/**
 * Differential test (issue 15 item 4): the JSON-RPC request sequences the Odoo adapter makes for
 * the steps, sent to the simulator and to a real Odoo 17 (ODOO_URL, ODOO_DB, ODOO_LOGIN,
 * ODOO_API_KEY), must answer the same, once ids and timestamps are normalised. Against a real Odoo
 * it creates one company "Diff <random>" (with its chart, a warehouse, a POS config and an open
 * session) per run; use a scratch database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { OdooRpcClient } from '../../src/adapters/odoo/odoo-rpc.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

interface Target {
  name: string;
  url: string;
  db: string;
  login: string;
  apiKey: string;
}

const REAL: Target | undefined =
  process.env.ODOO_URL && process.env.ODOO_DB && process.env.ODOO_LOGIN && process.env.ODOO_API_KEY
    ? { name: 'real Odoo', url: process.env.ODOO_URL, db: process.env.ODOO_DB, login: process.env.ODOO_LOGIN, apiKey: process.env.ODOO_API_KEY }
    : undefined;
const SKIP_REAL = REAL ? false : 'ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY are not all set: no real Odoo to compare the simulator with';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Answer {
  http: number;
  body: { jsonrpc?: string; id?: unknown; result?: Json; error?: { code: number; message: string; data: { name: string; message: string; debug?: string; arguments?: Json[] } } };
}

/** One raw JSON-RPC call: the wire answer, not the client's reading of it. */
async function rpc(t: Target, service: string, method: string, args: unknown[]): Promise<Answer> {
  const res = await fetch(`${t.url.replace(/\/+$/, '')}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: 7 }),
  });
  return { http: res.status, body: (await res.json()) as Answer['body'] };
}

/**
 * What may differ between two Odoo databases is gone: ids (numbers under `id`, `*_id`, `*_ids`,
 * the `result` of a create), tracebacks (`debug` becomes whether it shows a unique violation), key order.
 */
function normalise(value: unknown, key = ''): Json {
  if (Array.isArray(value)) {
    if (/_id$/.test(key) && value.length === 2 && typeof value[0] === 'number') return ['<id>', value[1] as Json];
    if (/_ids$/.test(key)) return `<${value.length} ids>`;
    return value.map((v) => normalise(v, key));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (k === 'debug') out.debugShowsUniqueViolation = /UniqueViolation/.test(String(v));
      else out[k] = normalise(v, k);
    }
    return out;
  }
  if (typeof value === 'number' && (key === 'id' || /_id$/.test(key))) return '<id>';
  return (value ?? null) as Json;
}

/** An answer as the adapter reads it: result or error envelope, HTTP status, whether `result` is there at all; `resultIsId` for creates. */
function shape(a: Answer, resultIsId = false): Json {
  const { result, error } = a.body;
  return {
    http: a.http,
    jsonrpc: a.body.jsonrpc ?? null,
    hasResult: 'result' in a.body,
    ...(error ? { error: normalise({ code: error.code, message: error.message, name: error.data.name, text: error.data.message, debug: error.data.debug ?? '' }) } : {}),
    ...(result !== undefined ? { result: normalise(result, resultIsId ? 'id' : '') } : {}),
  };
}

const byKey = (k: string) => (a: Record<string, unknown>, b: Record<string, unknown>) => String(a[k]).localeCompare(String(b[k]));

/**
 * The sequence: step_0 (version, login, a wrong key), step_2 (currency lookup, company create,
 * the user's companies, the default warehouse), step_3 (try_loading twice, what it made), step_4
 * (a warehouse with a taken code, a code longer than 5), step_6 (products), step_7 (the walk-in
 * customer), step_8 (a POS config without and with
 * allowed_company_ids), step_9 (a session, a second one), and the error shapes of wrong calls.
 */
async function runSequence(t: Target, suffix: string): Promise<Array<[string, Json]>> {
  const seen: Array<[string, Json]> = [];
  const note = (step: string, value: Json) => seen.push([step, value]);
  const login = await rpc(t, 'common', 'login', [t.db, t.login, t.apiKey]);
  const uid = login.body.result as number;
  const kw = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => rpc(t, 'object', 'execute_kw', [t.db, uid, t.apiKey, model, method, args, kwargs]);
  const result = <T>(a: Answer): T => {
    assert.equal(a.body.error, undefined, `${t.name}: ${JSON.stringify(a.body.error?.data?.message)}`);
    return a.body.result as T;
  };

  const version = await rpc(t, 'common', 'version', []);
  const v = version.body.result as { server_serie: string; protocol_version: number; server_version_info: unknown[]; server_version: string };
  note('common.version', { http: version.http, serie: v.server_serie, protocol: v.protocol_version, major: v.server_version_info[0] as number, startsWithSerie: v.server_version.startsWith('17.0') });
  note('common.login', { ...(shape(login) as object), result: typeof uid });
  note('common.login wrong key', shape(await rpc(t, 'common', 'login', [t.db, t.login, `${t.apiKey}-wrong`])));
  // the message names the PostgreSQL server Odoo connects to: keep only what the adapter reads
  const missingDb = (a: Answer): Json => ({ ...(shape(a) as Record<string, Json>), error: { name: a.body.error?.data.name ?? null, saysMissing: /database "provisioner_no_such_db" does not exist/.test(a.body.error?.data.message ?? '') } });
  note('common.login unknown database', missingDb(await rpc(t, 'common', 'login', ['provisioner_no_such_db', t.login, t.apiKey])));
  note('execute_kw unknown database', missingDb(await rpc(t, 'object', 'execute_kw', ['provisioner_no_such_db', uid, t.apiKey, 'res.company', 'search', [[]], {}])));
  note('execute_kw wrong key', shape(await rpc(t, 'object', 'execute_kw', [t.db, uid, `${t.apiKey}-wrong`, 'res.company', 'search', [[]], {}])));

  // not KES: the sequence makes a KES company, which activates KES in the real database for good
  const currencies = await kw('res.currency', 'search_read', [[['name', 'in', ['USD', 'EUR']]]], { fields: ['name', 'active'] });
  note('res.currency active ones', shape(currencies));
  const usd = result<Array<{ id: number; name: string }>>(currencies).find((c) => c.name === 'USD')!.id;

  const name = `Diff ${suffix}`;
  const created = await kw('res.company', 'create', [{ name, currency_id: usd }]);
  note('res.company.create', shape(created, true));
  const cid = result<number>(created);
  note('res.company.search_read by name', shape(await kw('res.company', 'search_read', [[['name', '=', name]]], { fields: ['name', 'chart_template', 'country_id', 'currency_id'] })));
  const user = result<Array<{ company_ids: number[] }>>(await kw('res.users', 'read', [[uid]], { fields: ['company_ids'] }));
  note('res.users company_ids has the new company', user[0]!.company_ids.includes(cid));
  note('stock.warehouse of the new company', shape(await kw('stock.warehouse', 'search_read', [[['company_id', '=', cid]]], { fields: ['name', 'code', 'company_id'] })));
  note('res.company.create same name', shape(await kw('res.company', 'create', [{ name, currency_id: usd }])));

  const ctx = { context: { allowed_company_ids: [cid] } };
  note('try_loading', shape(await kw('account.chart.template', 'try_loading', [[], 'generic_coa', cid], { install_demo: false })));
  const made = async () => ({
    accounts: result<number>(await kw('account.account', 'search_count', [[['company_id', '=', cid]]], ctx)),
    journals: result<Array<Record<string, unknown>>>(await kw('account.journal', 'search_read', [[['company_id', '=', cid]]], { fields: ['code', 'name', 'type'], ...ctx }))
      .sort(byKey('code'))
      .map((j) => normalise(j)),
    paymentMethods: result<Array<Record<string, unknown>>>(await kw('pos.payment.method', 'search_read', [[['company_id', '=', cid]]], { fields: ['name', 'journal_id', 'is_cash_count', 'split_transactions'], ...ctx }))
      .sort(byKey('name'))
      .map((m) => normalise(m)),
    configs: result<Array<Record<string, unknown>>>(await kw('pos.config', 'search_read', [[['company_id', '=', cid]]], { fields: ['name', 'payment_method_ids', 'cash_control', 'journal_id', 'current_session_id'], ...ctx })).map((c) => normalise(c)),
    company: normalise(result<Json[]>(await kw('res.company', 'read', [[cid]], { fields: ['chart_template', 'country_id', 'currency_id'] }))),
  });
  const first = await made();
  note('after try_loading', first as unknown as Json);
  note('try_loading again', shape(await kw('account.chart.template', 'try_loading', [[], 'generic_coa', cid], { install_demo: false })));
  note('after try_loading again: nothing new', JSON.stringify(await made()) === JSON.stringify(first));

  note('stock.warehouse.create taken code', shape(await kw('stock.warehouse', 'create', [{ name: 'Second Store', code: name.slice(0, 5), company_id: cid }], ctx)));
  const wh = result<number>(await kw('stock.warehouse', 'create', [{ name: 'Second Store', code: 'SECONDS', company_id: cid }], ctx));
  note('stock.warehouse code longer than 5', shape(await kw('stock.warehouse', 'read', [[wh]], { fields: ['code', 'name'], ...ctx })));
  note('stock.warehouse.search by code', shape(await kw('stock.warehouse', 'search_count', [[['code', '=', 'SECON'], ['company_id', '=', cid]]], ctx)));

  const journals = Object.fromEntries(result<Array<{ id: number; code: string }>>(await kw('account.journal', 'search_read', [[['company_id', '=', cid]]], { fields: ['code'], ...ctx })).map((j) => [j.code, j.id]));
  const onGeneral = await kw('pos.payment.method', 'create', [{ name: 'On Misc', journal_id: journals.MISC, company_id: cid }], ctx);
  note('pos.payment.method on a general journal', shape(onGeneral, true));
  const secondCash = await kw('pos.payment.method', 'create', [{ name: 'Cash 2', journal_id: journals.CSH1, company_id: cid }], ctx);
  note('pos.payment.method second on the cash journal', shape(secondCash, true));
  note('pos.payment.method is_cash_count', shape(await kw('pos.payment.method', 'read', [[result<number>(onGeneral), result<number>(secondCash)]], { fields: ['name', 'is_cash_count'], ...ctx })));
  await kw('pos.payment.method', 'unlink', [[result<number>(onGeneral), result<number>(secondCash)]], ctx);

  note('pos.config.create without allowed_company_ids', shape(await kw('pos.config', 'create', [{ name: 'Till 2', company_id: cid }])));
  const till = result<number>(await kw('pos.config', 'create', [{ name: 'Till 2', company_id: cid }], ctx));
  const tillRead = result<Array<{ payment_method_ids: number[] }>>(await kw('pos.config', 'read', [[till]], { fields: ['payment_method_ids'], ...ctx }));
  const tillMethods = result<Array<{ name: string }>>(await kw('pos.payment.method', 'read', [tillRead[0]!.payment_method_ids], { fields: ['name'], ...ctx }));
  note('pos.config default payment methods', tillMethods.map((m) => m.name).sort());
  note('pos.config.create with allowed_company_ids', shape(await kw('pos.config', 'read', [[till]], { fields: ['name', 'cash_control', 'journal_id', 'company_id'], ...ctx })));

  const shop = result<number[]>(await kw('pos.config', 'search', [[['company_id', '=', cid], ['name', '=', 'Shop']]], ctx))[0]!;
  note('pos.session open before', shape(await kw('pos.session', 'search_count', [[['config_id', '=', shop], ['state', '!=', 'closed']]], ctx)));
  const session = result<number>(await kw('pos.session', 'create', [{ config_id: shop }], ctx));
  const read = result<Array<Record<string, unknown>>>(await kw('pos.session', 'read', [[session]], { fields: ['name', 'state', 'config_id', 'user_id', 'company_id'], ...ctx }));
  note('pos.session.create', normalise({ ...read[0], name: /^POS\/\d{5}$/.test(String(read[0]!.name)) }));
  note('pos.session.create second', shape(await kw('pos.session', 'create', [{ config_id: shop }], ctx)));
  note('pos.config current session', shape(await kw('pos.config', 'read', [[shop]], { fields: ['current_session_state'], ...ctx })));

  const product = await kw('product.template', 'create', [{ name: 'Demo Soda', list_price: 1.5, available_in_pos: true, detailed_type: 'product', default_code: `SODA-${suffix}`, company_id: cid }], ctx);
  note('product.template.create', shape(product, true));
  note('product.template.read', shape(await kw('product.template', 'read', [[result<number>(product)]], { fields: ['name', 'list_price', 'available_in_pos', 'detailed_type', 'type', 'default_code', 'company_id', 'product_variant_ids'], ...ctx })));
  note('product.product by default_code', shape(await kw('product.product', 'search_read', [[['default_code', '=', `SODA-${suffix}`], ['company_id', 'in', [cid, false]]]], { fields: ['name', 'default_code', 'product_tmpl_id', 'available_in_pos', 'list_price', 'company_id'], ...ctx })));
  // what the adapter sends (type, which Odoo 18 also takes) and what 17 derives from it
  const typed = result<number>(await kw('product.template', 'create', [{ name: `Typed ${suffix}`, type: 'consu', default_code: `TYPED-${suffix}`, company_id: cid }], ctx));
  note('product.template type only', shape(await kw('product.template', 'read', [[typed]], { fields: ['detailed_type', 'type'], ...ctx })));
  note('product.template type and detailed_type disagree', shape(await kw('product.template', 'create', [{ name: `Odd ${suffix}`, type: 'service', detailed_type: 'consu', company_id: cid }], ctx)));
  const plain = result<number>(await kw('product.template', 'create', [{ name: `Plain ${suffix}` }], ctx));
  note('product.template defaults', shape(await kw('product.template', 'read', [[plain]], { fields: ['list_price', 'available_in_pos', 'detailed_type', 'type', 'company_id'], ...ctx })));
  note('res.partner.create', shape(await kw('res.partner', 'create', [{ name: 'Walk-in Customer', ref: `walk-in-${suffix}`, customer_rank: 1, company_id: cid }], ctx), true));
  note('res.partner by ref', shape(await kw('res.partner', 'search_read', [[['ref', '=', `walk-in-${suffix}`]]], { fields: ['name', 'ref', 'customer_rank', 'company_id', 'is_company'], ...ctx })));
  note('res.partner by ref from another company', shape(await kw('res.partner', 'search_read', [[['ref', '=', `walk-in-${suffix}`]]], { fields: ['name'], context: { allowed_company_ids: [1] } })));

  note('unknown model', shape(await kw('no.such.model', 'search', [[]])));
  note('private method', shape(await kw('res.company', '_compute_x', [[cid]])));
  note('unknown method', shape(await kw('res.company', 'frobnicate', [[cid]])));
  note('invalid field', shape(await kw('res.company', 'read', [[cid]], { fields: ['nope'] })));
  note('read of a deleted id', shape(await kw('res.company', 'read', [[987_654]], { fields: ['name'] })));
  note('unauthorized company in context', shape(await kw('stock.warehouse', 'search', [[]], { context: { allowed_company_ids: [987_654] } })));

  // what the Odoo steps of issue 15 rely on besides the above
  note('ir.module.module of the steps', normalise(result<Array<Record<string, unknown>>>(await kw('ir.module.module', 'search_read', [[['name', 'in', ['base', 'account', 'stock', 'point_of_sale', 'l10n_ke']]]], { fields: ['name', 'state', 'latest_version'] })).sort(byKey('name'))));
  note('pos.config.write payment methods while a session is open', shape(await kw('pos.config', 'write', [[shop], { payment_method_ids: [[6, 0, tillRead[0]!.payment_method_ids]] }], ctx)));
  note('pos.config.write name while a session is open', shape(await kw('pos.config', 'write', [[shop], { name: `Diff POS ${suffix}` }], ctx)));
  const openingConfig = result<Array<{ cash_control: boolean; payment_method_ids: number[] }>>(await kw('pos.config', 'read', [[till]], { fields: ['cash_control', 'payment_method_ids'], ...ctx }));
  const cashMethod = result<number[]>(await kw('pos.payment.method', 'search', [[['company_id', '=', cid], ['name', '=', 'Cash']]], ctx));
  // refused: the chart's Cash method already belongs to the "Shop" config (pos_config.py _check_payment_method_ids_journal)
  note('pos.config.write another config\'s cash method', shape(await kw('pos.config', 'write', [[till], { payment_method_ids: [[6, 0, [...openingConfig[0]!.payment_method_ids, ...cashMethod]]] }], ctx)));
  note('pos.config cash_control unchanged by the refused write', { before: openingConfig[0]!.cash_control, after: result<Array<{ cash_control: boolean }>>(await kw('pos.config', 'read', [[till]], { fields: ['cash_control'], ...ctx }))[0]!.cash_control });
  const tillSession = await kw('pos.session', 'create', [{ config_id: till }], ctx);
  note('pos.session.create without cash control', shape(await kw('pos.session', 'read', [[result<number>(tillSession)]], { fields: ['state'], ...ctx })));
  note('pos.session.set_cashbox_pos (answers None)', shape(await kw('pos.session', 'set_cashbox_pos', [[result<number>(tillSession)], 0, ''], ctx)));
  note('pos.session after set_cashbox_pos', shape(await kw('pos.session', 'read', [[result<number>(tillSession)]], { fields: ['state', 'cash_register_balance_start'], ...ctx })));

  const kes = result<number[]>(await kw('res.currency', 'search', [[['name', '=', 'KES']]], { context: { active_test: false } }))[0]!;
  const kesName = `Diff KES ${suffix}`;
  const kesCompany = result<number>(await kw('res.company', 'create', [{ name: kesName, currency_id: kes }]));
  const kesCtx = { context: { allowed_company_ids: [kesCompany] } };
  const kesRead = async () => normalise(result<Json[]>(await kw('res.company', 'read', [[kesCompany]], { fields: ['currency_id', 'chart_template'], ...kesCtx })));
  note('res.company.create in KES', { company: await kesRead(), currencyActive: result<Array<{ active: boolean }>>(await kw('res.currency', 'read', [[kes]], { fields: ['active'] }))[0]!.active });
  await kw('account.chart.template', 'try_loading', [[], 'generic_coa', kesCompany], { install_demo: false, ...kesCtx });
  note('generic_coa on a KES company', await kesRead());
  note('res.company.write currency back', shape(await kw('res.company', 'write', [[kesCompany], { currency_id: kes }], kesCtx)));
  note('after the currency is written back', await kesRead());
  await kw('account.chart.template', 'try_loading', [[], 'generic_coa', kesCompany], { install_demo: false, ...kesCtx });
  note('try_loading again on the KES company', await kesRead());

  // the client's reading of the same answers
  const client = new OdooRpcClient({ baseUrl: t.url, db: t.db, login: t.login, apiKey: t.apiKey });
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'untyped');
  note('client codes', {
    duplicate: await code(client.create('stock.warehouse', { name: 'Third Store', code: 'SECON', company_id: cid }, ctx)),
    validation: await code(client.create('pos.session', { config_id: shop }, ctx)),
    unknownModel: await code(client.searchCount('no.such.model', [])),
    wrongKey: await code(new OdooRpcClient({ baseUrl: t.url, db: t.db, login: t.login, apiKey: `${t.apiKey}-wrong` }).executeKw('res.company', 'search', [[]])),
  });
  return seen;
}

let sim: RunningOdooSimulator;
const simTarget = (): Target => ({ name: 'simulator', url: sim.url, db: sim.db, login: sim.login, apiKey: sim.apiKey });

before(async () => {
  sim = await startOdooSimulator();
});
after(() => sim.close());

test('the simulator answers the whole sequence (each observation is recorded)', async () => {
  const seen = await runSequence(simTarget(), randomBytes(3).toString('hex'));
  assert.ok(seen.length >= 30);
  assert.deepEqual(sim.sim.duplicates(), []);
});

test('a real Odoo and the simulator answer the sequence the same', { skip: SKIP_REAL }, async (t) => {
  const suffix = randomBytes(3).toString('hex');
  const real = await runSequence(REAL!, suffix);
  await fetch(`${sim.url}/__simulator/reset`, { method: 'POST' });
  const simulated = await runSequence(simTarget(), suffix);
  assert.deepEqual(real.map(([step]) => step), simulated.map(([step]) => step));
  const differences = real.flatMap(([step, value], i) => {
    const other = simulated[i]![1];
    return JSON.stringify(value) === JSON.stringify(other) ? [] : [`${step}\n  real:      ${JSON.stringify(value)}\n  simulator: ${JSON.stringify(other)}`];
  });
  t.diagnostic(`${real.length} observations compared against ${REAL!.url} (database ${REAL!.db}); ${differences.length} differ`);
  assert.equal(differences.length, 0, `the simulator differs from the real Odoo:\n${differences.join('\n')}`);
});
