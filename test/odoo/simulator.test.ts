/**
 * The Odoo simulator over HTTP: the Odoo 17 behaviours the steps rely on (odoo.md Part C, each
 * also in the differential test against a real Odoo), its faults, call log, duplicate report,
 * control API and command line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

let odoo: RunningOdooSimulator;
before(async () => {
  odoo = await startOdooSimulator({ seed: 42 });
});
after(() => odoo.close());
beforeEach(() => odoo.sim.reset());

interface Answer {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data: { name: string; message: string; debug: string } };
}

async function rpc(service: string, method: string, args: unknown[]): Promise<Answer> {
  const res = await fetch(`${odoo.url}/jsonrpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: 5 }) });
  assert.equal(res.status, 200);
  return (await res.json()) as Answer;
}
const kw = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => rpc('object', 'execute_kw', [odoo.db, 2, odoo.apiKey, model, method, args, kwargs]);
async function ok<T>(p: Promise<Answer>): Promise<T> {
  const a = await p;
  assert.equal(a.error, undefined, JSON.stringify(a.error?.data.message));
  return a.result as T;
}
const control = async (method: string, route: string, body?: unknown) => {
  const res = await fetch(`${odoo.url}/__simulator/${route}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('a fresh database: My Company with generic_coa, warehouse WH, the Shop config with 3 payment methods, only USD active', async () => {
  assert.deepEqual(await ok(kw('res.company', 'search_read', [[]], { fields: ['name', 'chart_template'] })), [{ id: 1, name: 'My Company', chart_template: 'generic_coa' }]);
  assert.deepEqual(await ok(kw('stock.warehouse', 'search_read', [[]], { fields: ['code'] })), [{ id: 1, code: 'WH' }]);
  assert.deepEqual(await ok(kw('pos.config', 'search_read', [[]], { fields: ['name', 'payment_method_ids', 'cash_control'] })), [{ id: 1, name: 'Shop', payment_method_ids: [1, 2, 3], cash_control: true }]);
  assert.deepEqual(await ok(kw('res.currency', 'search_read', [[]], { fields: ['name'] })), [{ id: 1, name: 'USD' }]);
  assert.equal(await ok(kw('res.currency', 'search_count', [[['name', '=', 'KES']]], { context: { active_test: false } })), 1);
});

test('a method returning None answers without a result key; errors come with HTTP 200 and the Odoo envelope', async () => {
  const loaded = await rpc('object', 'execute_kw', [odoo.db, 2, odoo.apiKey, 'account.chart.template', 'try_loading', [[], 'generic_coa', 1], { install_demo: false }]);
  assert.deepEqual(loaded, { jsonrpc: '2.0', id: 5 });
  const failed = await kw('no.such.model', 'search', [[]]);
  assert.equal(failed.error?.code, 200);
  assert.equal(failed.error?.message, 'Odoo Server Error');
  assert.equal(failed.error?.data.name, 'odoo.exceptions.UserError');
  assert.equal(failed.error?.data.message, "Object no.such.model doesn't exist");
});

test('common.login answers false for a wrong key, and false even for the right one after 5 failures within 60 s', async () => {
  assert.equal((await rpc('common', 'login', [odoo.db, odoo.login, odoo.apiKey])).result, 2);
  for (let i = 0; i < 5; i++) assert.equal((await rpc('common', 'login', [odoo.db, odoo.login, 'wrong'])).result, false);
  assert.equal((await rpc('common', 'login', [odoo.db, odoo.login, odoo.apiKey])).result, false);
});

test('res.company.create gives the user the company and a default warehouse coded with the first 5 characters of its name', async () => {
  const cid = await ok<number>(kw('res.company', 'create', [{ name: 'Kilimani Grocers' }]));
  assert.deepEqual(await ok(kw('res.users', 'read', [[2]], { fields: ['company_ids'] })), [{ id: 2, company_ids: [cid, 1] }]);
  assert.deepEqual(await ok(kw('stock.warehouse', 'search_read', [[['company_id', '=', cid]]], { fields: ['name', 'code'] })), [{ id: 2, name: 'Kilimani Grocers', code: 'Kilim' }]);
  const again = await kw('res.company', 'create', [{ name: 'Kilimani Grocers' }]);
  assert.equal(again.error?.data.name, 'odoo.exceptions.ValidationError');
  assert.match(again.error!.data.debug, /psycopg2\.errors\.UniqueViolation/);
});

test('try_loading gives a company 47 accounts, 9 journals, 3 payment methods and a Shop config; again, nothing more', async () => {
  const cid = await ok<number>(kw('res.company', 'create', [{ name: 'Chart Co' }]));
  const counts = async () => {
    const ctx = { context: { allowed_company_ids: [cid] } };
    const n = async (model: string) => ok<number>(kw(model, 'search_count', [[['company_id', '=', cid]]], ctx));
    return [await n('account.account'), await n('account.journal'), await n('pos.payment.method'), await n('pos.config')];
  };
  assert.deepEqual(await counts(), [0, 0, 0, 0]);
  await ok(kw('account.chart.template', 'try_loading', [[], 'generic_coa', cid], { install_demo: false }));
  assert.deepEqual(await counts(), [47, 9, 3, 1]);
  assert.deepEqual(await ok(kw('res.company', 'read', [[cid]], { fields: ['chart_template', 'country_id'] })), [{ id: cid, chart_template: 'generic_coa', country_id: [233, 'United States'] }]);
  await ok(kw('account.chart.template', 'try_loading', [[], 'generic_coa', cid], { install_demo: false }));
  assert.deepEqual(await counts(), [47, 9, 3, 1]);
});

test('warehouse codes: unique per company, cut to 5 characters, and a warehouse keeps its company', async () => {
  const cid = await ok<number>(kw('res.company', 'create', [{ name: 'Second Co' }]));
  const taken = await kw('stock.warehouse', 'create', [{ name: 'Other', code: 'WH', company_id: 1 }]);
  assert.equal(taken.error?.data.message, 'The operation cannot be completed: The short name of the warehouse must be unique per company!');
  const sameCodeElsewhere = await ok<number>(kw('stock.warehouse', 'create', [{ name: 'Other', code: 'WH', company_id: cid }]));
  const long = await ok<number>(kw('stock.warehouse', 'create', [{ name: 'Long', code: 'LONGCODE', company_id: cid }]));
  assert.deepEqual(await ok(kw('stock.warehouse', 'read', [[long]], { fields: ['code'] })), [{ id: long, code: 'LONGC' }]);
  const moved = await kw('stock.warehouse', 'write', [[sameCodeElsewhere], { company_id: 1 }]);
  assert.equal(moved.error?.data.name, 'odoo.exceptions.UserError');
});

test('a POS config takes its defaults from the current company: another company needs allowed_company_ids', async () => {
  const cid = await ok<number>(kw('res.company', 'create', [{ name: 'Till Co' }]));
  await ok(kw('account.chart.template', 'try_loading', [[], 'generic_coa', cid]));
  const refused = await kw('pos.config', 'create', [{ name: 'Till 2', company_id: cid }]);
  assert.equal(refused.error?.data.message, 'The payment methods for the point of sale Till 2 must belong to its company.');
  const ctx = { context: { allowed_company_ids: [cid] } };
  const till = await ok<number>(kw('pos.config', 'create', [{ name: 'Till 2', company_id: cid }], ctx));
  const [read] = await ok<Array<{ payment_method_ids: number[]; cash_control: boolean }>>(kw('pos.config', 'read', [[till]], { fields: ['payment_method_ids', 'cash_control'], ...ctx }));
  assert.deepEqual(await ok(kw('pos.payment.method', 'read', [read!.payment_method_ids], { fields: ['name'], ...ctx })), [{ id: read!.payment_method_ids[0], name: 'Bank' }]);
  assert.equal(read!.cash_control, false);
  const outside = await kw('stock.warehouse', 'search', [[]], { context: { allowed_company_ids: [999] } });
  assert.equal(outside.error?.data.message, 'Access to unauthorized or invalid companies.');
});

test('pos.session: create opens it (opening_control with cash control), one non-closed session per config', async () => {
  const sid = await ok<number>(kw('pos.session', 'create', [{ config_id: 1 }]));
  assert.deepEqual(await ok(kw('pos.session', 'read', [[sid]], { fields: ['name', 'state', 'config_id'] })), [{ id: sid, name: 'POS/00001', state: 'opening_control', config_id: [1, 'Shop (Administrator)'] }]);
  const second = await kw('pos.session', 'create', [{ config_id: 1 }]);
  assert.equal(second.error?.data.message, 'Another session is already opened for this point of sale.');
  assert.equal(await ok(kw('pos.session', 'search_count', [[['config_id', '=', 1], ['state', '!=', 'closed']]])), 1);
  assert.equal((await kw('pos.session', 'set_cashbox_pos', [[sid], 100, ''])).result, undefined);
  assert.deepEqual(await ok(kw('pos.config', 'read', [[1]], { fields: ['current_session_state'] })), [{ id: 1, current_session_state: 'opened' }]);
});

test('domains: implicit and, |, !, in, ilike, dotted paths', async () => {
  const n = (domain: unknown[]) => ok<number>(kw('pos.payment.method', 'search_count', [domain]));
  assert.equal(await n([['journal_id.type', '=', 'cash']]), 1);
  assert.equal(await n(['|', ['name', '=', 'Cash'], ['name', '=', 'Bank']]), 2);
  assert.equal(await n(['!', ['name', 'in', ['Cash', 'Bank']]]), 1);
  assert.equal(await n([['name', 'ilike', 'customer'], ['split_transactions', '=', true]]), 1);
  assert.equal(await n([['journal_id', '=', false]]), 1);
});

test('a failed call changes nothing, but uses up its id as a PostgreSQL sequence does', async () => {
  const bad = await kw('stock.warehouse', 'create', [{ name: 'Dup', code: 'WH', company_id: 1 }]);
  assert.ok(bad.error);
  assert.equal(odoo.sim.list('stock.warehouse').length, 1);
  assert.equal(await ok<number>(kw('stock.warehouse', 'create', [{ name: 'Next', code: 'NX', company_id: 1 }])), 3);
});

test('faults: an injected Odoo exception, an HTTP error, a lost answer; the call log says which', async () => {
  assert.equal((await control('POST', 'faults', { model: 'res.partner', method: 'create', exception: { name: 'psycopg2.errors.SerializationFailure' } })).status, 200);
  const injected = await kw('res.partner', 'create', [{ name: 'P' }]);
  assert.equal(injected.error?.data.name, 'psycopg2.errors.SerializationFailure');
  await control('POST', 'faults', { service: 'common', method: 'version', status: 503 });
  const res = await fetch(`${odoo.url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'version', args: [] } }) });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '1');
  await control('POST', 'lost-responses', { model: 'res.partner', method: 'create' });
  await assert.rejects(kw('res.partner', 'create', [{ name: 'Lost' }]));
  assert.equal(odoo.sim.list('res.partner').filter((p) => p.name === 'Lost').length, 1);
  const calls = (await control('GET', 'calls?model=res.partner')).body.data as Array<{ outcome?: string; error?: string }>;
  assert.deepEqual(calls.map((c) => c.outcome ?? c.error ?? 'ok'), ['injected', 'lost']);
  assert.deepEqual((await control('GET', 'calls/stats?service=common')).body.data, { 'common.version': 1 });
});

test('a rate of faults is reproducible for a seed', async () => {
  const outcomes = async () => {
    await control('POST', 'reset');
    await control('POST', 'faults', { method: 'search_count', status: 502, rate: 0.5 });
    const seen: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${odoo.url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [odoo.db, 2, odoo.apiKey, 'res.company', 'search_count', [[]]] } }) });
      await res.text();
      seen.push(res.status === 502);
    }
    return seen;
  };
  const first = await outcomes();
  assert.ok(first.includes(true) && first.includes(false));
  assert.deepEqual(await outcomes(), first);
});

test('down: connections dropped while the control API answers; bad control input is 400', async () => {
  await control('POST', 'down', { down: true });
  await assert.rejects(rpc('common', 'version', []));
  assert.equal((await control('GET', 'state')).body.down, true);
  await control('DELETE', 'faults');
  assert.equal((await rpc('common', 'version', [])).result !== undefined, true);
  assert.equal((await control('POST', 'faults', { status: 503, rate: 2 })).status, 400);
  assert.equal((await control('POST', 'faults', { kind: 'timeout', status: 503 })).status, 400);
});

test('the duplicate report lists records sharing a business key', async () => {
  assert.deepEqual((await control('GET', 'duplicates')).body.data, []);
  await ok(kw('pos.config', 'create', [{ name: 'Shop', company_id: 1 }]));
  await ok(kw('res.partner', 'create', [{ name: 'Walk-in', ref: 'walk-in' }]));
  await ok(kw('res.partner', 'create', [{ name: 'Walk-in', ref: 'walk-in' }]));
  assert.deepEqual((await control('GET', 'duplicates')).body.data, [
    { model: 'pos.config', key: 'company_id=1 name=Shop', ids: [1, 2] },
    { model: 'res.partner', key: 'ref=walk-in', ids: [4, 5] },
  ]);
});

test('concurrency: the JSON-RPC requests held now and the most at once, the control API not counted; reset starts the peak again', async () => {
  await control('POST', 'concurrency/reset');
  // held until their client gives up: three requests in flight for as long as the test needs
  await control('POST', 'faults', { kind: 'timeout', model: 'res.company', method: 'search_read', count: 3 });
  const aborts = Array.from({ length: 3 }, () => new AbortController());
  const held = aborts.map((a) =>
    fetch(`${odoo.url}/jsonrpc`, { method: 'POST', signal: a.signal, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [odoo.db, 2, odoo.apiKey, 'res.company', 'search_read', [[]], {}] }, id: 1 }) }).catch(() => null),
  );
  const concurrency = async () => (await control('GET', 'concurrency')).body as { inFlight: number; peak: number };
  while ((await concurrency()).inFlight < 3) await new Promise((r) => setImmediate(r));
  assert.deepEqual(await concurrency(), { inFlight: 3, peak: 3 });
  for (const a of aborts) a.abort();
  await Promise.all(held);
  // the server sees each connection's end after the client dropped it: wait for that state
  while ((await concurrency()).inFlight > 0) await new Promise((r) => setImmediate(r));
  assert.deepEqual(await concurrency(), { inFlight: 0, peak: 3 });
  assert.deepEqual((await control('POST', 'concurrency/reset')).body, { inFlight: 0, peak: 0 });
  assert.deepEqual(odoo.sim.concurrency(), { inFlight: 0, peak: 0 });
});

test('control API: records, operator delete, snapshot', async () => {
  assert.equal(((await control('GET', 'records/stock.warehouse')).body.data as unknown[]).length, 1);
  assert.deepEqual((await control('DELETE', 'records/stock.warehouse/1')).body, { deleted: true });
  assert.equal((await control('GET', 'records/stock.warehouse/1')).status, 404);
  assert.ok(((await control('GET', 'snapshot')).body.data as Record<string, unknown>)['account.account']);
});

const root = path.resolve(import.meta.dirname, '../..');

/** `provisioner simulator --engine odoo …` as a process; resolves with its URL once it prints it. */
async function simulatorProcess(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/provisioner.js'), 'simulator', '--engine', 'odoo', '--port', '0', ...args], { cwd: root, env: { ...process.env, PROVISIONER_ENV_FILE: '/dev/null' } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    return { url, child };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}
const stopped = async (child: ChildProcess) => {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
};
const rpcAt = async (url: string, service: string, method: string, args: unknown[]) => {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: 1 }) });
  return (await res.json()) as Answer;
};

test('provisioner simulator --engine odoo serves JSON-RPC on the port it prints', async () => {
  const { url, child } = await simulatorProcess(['--seed', '3']);
  try {
    assert.deepEqual(await rpcAt(url, 'common', 'login', ['odoo', 'admin', 'sim-odoo-key']), { jsonrpc: '2.0', id: 1, result: 2 });
  } finally {
    await stopped(child);
  }
});

test('provisioner simulator --engine odoo --data-file keeps the records across a restart, in a file only its owner reads', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'odoo-sim-data-'));
  const file = path.join(dir, 'odoo.json');
  try {
    const first = await simulatorProcess(['--data-file', file]);
    const created = await rpcAt(first.url, 'object', 'execute_kw', ['odoo', 2, 'sim-odoo-key', 'res.partner', 'create', [{ name: 'Kept Across Restarts' }], {}]);
    assert.equal(typeof created.result, 'number', JSON.stringify(created.error));
    await stopped(first.child);
    assert.equal((await stat(file)).mode & 0o777, 0o600);

    const second = await simulatorProcess(['--data-file', file]);
    try {
      const found = await rpcAt(second.url, 'object', 'execute_kw', ['odoo', 2, 'sim-odoo-key', 'res.partner', 'search_read', [[['name', '=', 'Kept Across Restarts']]], { fields: ['id'] }]);
      assert.deepEqual(found.result, [{ id: created.result }]);
    } finally {
      await stopped(second.child);
    }

    await writeFile(file, '{"not": "a data file"}');
    await assert.rejects(simulatorProcess(['--data-file', file]), /--data-file: .* is not/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
