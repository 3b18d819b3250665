/** The Odoo JSON-RPC client (src/adapters/odoo/odoo-rpc.ts) against the Odoo simulator over HTTP. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { OdooRpcClient, type OdooRpcOptions } from '../../src/adapters/odoo/odoo-rpc.ts';
import type { EngineCall } from '../../src/adapters/erpnext/frappe-client.ts';
import { isProvisionerError, type ProvisionerError } from '../../src/domain/errors.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

let odoo: RunningOdooSimulator;
before(async () => {
  odoo = await startOdooSimulator({ seed: 1 });
});
after(() => odoo.close());
beforeEach(() => odoo.sim.reset());

const clientFor = (extra: Partial<OdooRpcOptions> = {}) => new OdooRpcClient({ baseUrl: odoo.url, db: odoo.db, login: odoo.login, apiKey: odoo.apiKey, ...extra });

async function failure(p: Promise<unknown>): Promise<ProvisionerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isProvisionerError(e), `not a typed error: ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

test('common.version needs no credentials and answers the Odoo 17 version', async () => {
  const v = await clientFor({ apiKey: 'not-the-key' }).version();
  assert.equal(v.server_serie, '17.0');
  assert.equal(v.protocol_version, 1);
});

test('authenticate returns the uid', async () => {
  assert.equal(await clientFor().authenticate(), 2);
});

test('a login answering false is ENGINE_AUTH_FAILED with an Odoo hint, and never shows the key', async () => {
  const e = await failure(clientFor({ apiKey: 'secret-wrong-key-123' }).authenticate());
  assert.equal(e.code, 'ENGINE_AUTH_FAILED');
  assert.match(e.message, /common\.login answered false/);
  assert.match(e.hint, /API key/);
  assert.doesNotMatch(`${e.message} ${e.hint}`, /secret-wrong-key-123/);
});

test('execute_kw with a wrong key (AccessDenied) is ENGINE_AUTH_FAILED', async () => {
  const e = await failure(clientFor({ apiKey: 'wrong' }).call('object', 'execute_kw', [odoo.db, 2, 'wrong', 'res.company', 'search', [[]], {}], 'res.company.search'));
  assert.equal(e.code, 'ENGINE_AUTH_FAILED');
});

test('a database that does not exist is ENGINE_AUTH_FAILED, not a transient outage', async () => {
  const e = await failure(clientFor({ db: 'no_such_db' }).authenticate());
  assert.equal(e.code, 'ENGINE_AUTH_FAILED');
  assert.equal(e.transient, false);
  assert.match(e.message, /database "no_such_db" does not exist/);
});

test('other psycopg2 OperationalErrors are ENGINE_UNAVAILABLE, transient', async () => {
  odoo.sim.injectFault({ method: 'search_count', exception: { name: 'psycopg2.OperationalError', message: 'server closed the connection unexpectedly' } });
  const e = await failure(clientFor().searchCount('res.company', []));
  assert.equal(e.code, 'ENGINE_UNAVAILABLE');
  assert.equal(e.transient, true);
});

test('searchRead, create and read round-trip through execute_kw', async () => {
  const c = clientFor();
  const id = await c.create('res.partner', { name: 'Walk-in Customer', ref: 'walk-in', customer_rank: 1 });
  const found = await c.searchRead<{ id: number; name: string }>('res.partner', [['ref', '=', 'walk-in']], ['name']);
  assert.deepEqual(found, [{ id, name: 'Walk-in Customer' }]);
  assert.equal(await c.searchCount('res.partner', ['|', ['ref', '=', 'walk-in'], ['name', '=', 'nobody']]), 1);
});

test('a method returning None (no `result` key) resolves with undefined, not an error', async () => {
  const c = clientFor();
  const cid = await c.create('res.company', { name: 'None Result Co' });
  assert.equal(await c.executeKw('account.chart.template', 'try_loading', [[], 'generic_coa', cid], { install_demo: false }), undefined);
  assert.equal(await c.searchCount('account.account', [['company_id', '=', cid]]), 47);
});

test('a unique violation on create is ENGINE_DUPLICATE (exists: find and adopt)', async () => {
  const c = clientFor();
  const e = await failure(c.create('stock.warehouse', { name: 'Another', code: 'WH', company_id: 1 }));
  assert.equal(e.code, 'ENGINE_DUPLICATE');
  assert.match(e.message, /short name of the warehouse must be unique per company/);
});

test('UserError and ValidationError are ENGINE_VALIDATION, not transient', async () => {
  const c = clientFor();
  const unknown = await failure(c.searchCount('no.such.model', []));
  assert.equal(unknown.code, 'ENGINE_VALIDATION');
  assert.equal(unknown.transient, false);
  const session = await c.create('pos.session', { config_id: 1 });
  assert.ok(session > 0);
  const second = await failure(c.create('pos.session', { config_id: 1 }));
  assert.equal(second.code, 'ENGINE_VALIDATION');
  assert.match(second.message, /Another session is already opened/);
});

test('AccessError is ENGINE_PERMISSION', async () => {
  const e = await failure(clientFor().search('stock.warehouse', [], { context: { allowed_company_ids: [999] } }));
  assert.equal(e.code, 'ENGINE_PERMISSION');
});

test('a bug-shaped error (builtins.ValueError) is ENGINE_ERROR', async () => {
  const e = await failure(clientFor().read('res.company', [1], ['nope']));
  assert.equal(e.code, 'ENGINE_ERROR');
});

test('psycopg2 concurrency errors Odoo gave up retrying are ENGINE_CONFLICT, transient', async () => {
  odoo.sim.injectFault({ model: 'res.company', method: 'create', exception: { name: 'psycopg2.errors.SerializationFailure', message: 'could not serialize access due to concurrent update' } });
  const e = await failure(clientFor().create('res.company', { name: 'Racing Co' }));
  assert.equal(e.code, 'ENGINE_CONFLICT');
  assert.equal(e.transient, true);
  assert.equal(odoo.sim.list('res.company').filter((r) => r.name === 'Racing Co').length, 0);
});

test('502/503/504 from the proxy are ENGINE_UNAVAILABLE with Retry-After; 429 is ENGINE_RATE_LIMITED', async () => {
  const c = clientFor();
  for (const status of [502, 503, 504]) {
    odoo.sim.injectFault({ service: 'common', method: 'version', status, retryAfter: 2 });
    const e = await failure(c.version());
    assert.equal(e.code, 'ENGINE_UNAVAILABLE', `HTTP ${status}`);
    assert.equal(e.transient, true);
    assert.equal(e.retryAfterMs, 2000);
  }
  odoo.sim.injectFault({ service: 'common', method: 'version', status: 429 });
  assert.equal((await failure(c.version())).code, 'ENGINE_RATE_LIMITED');
});

test('a reset or a lost answer is ENGINE_UNAVAILABLE; a lost create was applied', async () => {
  const c = clientFor();
  odoo.sim.injectFault({ model: 'res.partner', method: 'create', kind: 'reset' });
  assert.equal((await failure(c.create('res.partner', { name: 'Reset Partner' }))).code, 'ENGINE_UNAVAILABLE');
  assert.equal(odoo.sim.list('res.partner').filter((r) => r.name === 'Reset Partner').length, 0);
  odoo.sim.injectLostResponse({ model: 'res.partner', method: 'create' });
  assert.equal((await failure(c.create('res.partner', { name: 'Lost Partner' }))).code, 'ENGINE_UNAVAILABLE');
  assert.equal(odoo.sim.list('res.partner').filter((r) => r.name === 'Lost Partner').length, 1);
});

test('a held call is ENGINE_TIMEOUT after the read budget', async () => {
  odoo.sim.injectFault({ model: 'res.company', method: 'search_read', kind: 'timeout' });
  const e = await failure(clientFor({ budgets: { readMs: 300 } }).searchRead('res.company', [], ['name']));
  assert.equal(e.code, 'ENGINE_TIMEOUT');
  assert.equal(e.transient, true);
});

test('an engine that is down is ENGINE_UNAVAILABLE', async () => {
  odoo.sim.setDown(true);
  const e = await failure(clientFor().version());
  assert.equal(e.code, 'ENGINE_UNAVAILABLE');
  odoo.sim.setDown(false);
});

test('onCall sees each call by model and method, never its arguments or the key', async () => {
  const calls: EngineCall[] = [];
  const c = clientFor({ onCall: (call) => calls.push(call) });
  await c.searchRead('res.company', [['name', '=', 'My Company']], ['name']);
  await failure(c.create('stock.warehouse', { name: 'X', code: 'WH', company_id: 1 }));
  assert.deepEqual(
    calls.map((call) => [call.path, call.status, call.error ?? null]),
    [
      ['/jsonrpc common.login', 200, null],
      ['/jsonrpc res.company.search_read', 200, null],
      ['/jsonrpc stock.warehouse.create', 200, 'odoo.exceptions.ValidationError'],
    ],
  );
  assert.doesNotMatch(JSON.stringify(calls), new RegExp(odoo.apiKey));
});

test('concurrent first calls share one login', async () => {
  const c = clientFor();
  await Promise.all([c.searchCount('res.company', []), c.searchCount('res.partner', []), c.searchCount('stock.warehouse', [])]);
  assert.equal(odoo.sim.callCount({ service: 'common', method: 'login' }), 1);
});

test('a failed login is not kept: the next call logs in again', async () => {
  odoo.sim.injectFault({ service: 'common', method: 'login', status: 502 });
  const c = clientFor();
  assert.equal((await failure(c.searchCount('res.company', []))).code, 'ENGINE_UNAVAILABLE');
  assert.equal(await c.searchCount('res.company', []), 1);
});

test('the gate wraps every call with its kind', async () => {
  const kinds: string[] = [];
  const c = clientFor({ gate: (fn, kind) => (kinds.push(kind), fn()) });
  await c.searchCount('res.company', []);
  assert.deepEqual(kinds, ['common.login', 'res.company.search_count']);
});
