/** The simulator's control API and fault injection (product.md §8; erpnext.md §14.7). */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { ACME, createCompany, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
const control = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${client().sim.url}/__simulator${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
beforeEach(() => client().sim.sim.reset());

test('an injected fault answers its status with a Frappe-shaped body and does not apply the request', async () => {
  const c = client();
  await control('POST', '/faults', { doctype: 'Company', method: 'POST', status: 417, body: undefined });
  const r = await c.post(resourcePath('Company'), ACME);
  assert.equal(r.status, 417);
  assert.equal(typeof r.body.exc_type, 'string');
  assert.equal(c.sim.sim.get('Company', 'Acme Traders'), undefined);
  assert.equal((await c.post(resourcePath('Company'), ACME)).status, 200, 'count defaults to 1');
});

test('an injected 503 is the proxy\'s page with Retry-After; count makes several requests fail', async () => {
  const c = client();
  c.sim.sim.injectFault({ path: 'frappe.auth.get_logged_user', status: 503, count: 2, retryAfter: 7 });
  for (let i = 0; i < 2; i++) {
    const r = await c.get('/api/method/frappe.auth.get_logged_user');
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '7');
    assert.match(r.body._text, /503 Service Temporarily Unavailable/, 'Frappe answers 503 itself only in maintenance mode (engine_updating)');
  }
  assert.equal((await c.get('/api/method/frappe.auth.get_logged_user')).status, 200);
});

test('a fault body replaces the default body', async () => {
  const c = client();
  c.sim.sim.injectFault({ method: 'GET', status: 502, body: { proxy: 'bad gateway' } });
  const r = await c.get('/api/method/ping');
  assert.equal(r.status, 502);
  assert.deepEqual(r.body, { proxy: 'bad gateway' });
});

test('a lost response applies the request, then drops the connection', async () => {
  const c = client();
  await control('POST', '/lost-responses', { doctype: 'Company', method: 'POST' });
  await assert.rejects(c.post(resourcePath('Company'), ACME));
  assert.ok(c.sim.sim.get('Company', 'Acme Traders'), 'the company was committed');
  const retry = await c.post(resourcePath('Company'), ACME);
  assert.equal(retry.status, 409, 'a blind retry now collides');
  assert.equal(c.sim.sim.calls({ doctype: 'Company', method: 'POST' })[0]?.outcome, 'lost');
});

test('while down, Frappe routes drop connections but the control API answers', async () => {
  const c = client();
  assert.equal((await control('POST', '/down', { down: true })).status, 200);
  await assert.rejects(fetch(`${c.sim.url}/api/method/ping`));
  assert.equal((await control('GET', '/calls')).status, 200);
  await control('POST', '/down', { down: false });
  assert.equal((await c.get('/api/method/ping')).status, 200);
});

test('latency delays Frappe responses', async () => {
  const c = client();
  c.sim.sim.injectLatency(150);
  const t0 = Date.now();
  await c.get('/api/method/ping');
  assert.ok(Date.now() - t0 >= 140);
  await control('DELETE', '/faults');
  await c.get('/api/method/ping');
  // cleared: the simulator applied no delay (as it recorded it; a stopwatch would race a busy machine)
  assert.deepEqual(c.sim.sim.calls({ path: 'ping' }).map((call) => call.latencyMs), [150, 0]);
});

test('calls are logged with method, path, doctype and status, and can be counted', async () => {
  const c = client();
  await createCompany(c);
  await c.get(resourcePath('Company', 'Acme Traders'));
  await c.get(resourcePath('Company', 'Nope'));
  assert.equal(c.sim.sim.callCount({ doctype: 'Company' }), 3);
  assert.equal(c.sim.sim.callCount({ status: 404 }), 1);
  const r = await control('GET', '/calls?method=POST');
  assert.equal(r.body.count, 1);
  assert.deepEqual(Object.keys(r.body.data[0]).sort(), ['at', 'doctype', 'handledMs', 'latencyMs', 'method', 'path', 'status']);
  assert.equal(r.body.data[0].path, '/api/resource/Company');
});

test('documents, snapshot and duplicates are readable over HTTP', async () => {
  const c = client();
  await createCompany(c);
  const docs = await control('GET', '/documents/Warehouse');
  assert.equal(docs.body.data.length, 5);
  const one = await control('GET', `/documents/Company/${encodeURIComponent('Acme Traders')}`);
  assert.equal(one.body.data.abbr, 'ACM');
  assert.deepEqual((await control('GET', '/duplicates')).body.data, []);
  const snap = await control('GET', '/snapshot');
  assert.equal(snap.body.data.Company.length, 1);
});

test('duplicates() finds documents sharing a business key, including Mode of Payment Account rows', () => {
  const { sim } = client().sim;
  sim.transact('http://x', (ctx) => {
    ctx.insert('Customer', { customer_name: 'Twin' });
    ctx.insert('Customer', { customer_name: 'Twin' });
  });
  // a duplicate account row for one company, as an operator editing the table by hand could leave it
  sim.transact('http://x', (ctx) => {
    const cash = structuredClone(ctx.tx.get('Mode of Payment', 'Cash')!);
    const row = { name: 'r1', doctype: 'Mode of Payment Account', company: 'Acme Traders', default_account: 'Cash - ACM', idx: 1 };
    ctx.tx.put({ ...cash, accounts: [row, { ...row, name: 'r2', idx: 2 }] });
  });
  assert.deepEqual(sim.duplicates().map((d) => [d.doctype, d.key, d.names]), [
    ['Customer', 'Twin', ['Twin', 'Twin - 1']],
    ['Mode of Payment Account', 'Cash|Acme Traders', ['r1', 'r2']],
  ]);
});

test('deleting a document through the control API simulates an operator delete', async () => {
  const c = client();
  await createCompany(c);
  const r = await control('DELETE', `/documents/Warehouse/${encodeURIComponent('Stores - ACM')}`);
  assert.equal(r.status, 200);
  assert.equal((await c.get(resourcePath('Warehouse', 'Stores - ACM'))).status, 404);
  assert.equal((await control('DELETE', `/documents/Warehouse/${encodeURIComponent('Stores - ACM')}`)).status, 404);
});

test('reset returns to the fixtures', async () => {
  const c = client();
  await createCompany(c);
  await control('POST', '/reset');
  assert.equal(c.sim.sim.count('Company'), 0);
  assert.equal(c.sim.sim.count('Account'), 0);
  assert.deepEqual(c.sim.sim.get('Mode of Payment', 'Cash')?.accounts, []);
  assert.equal(c.sim.sim.callCount(), 0);
});

test('control input is validated', async () => {
  const r = await control('POST', '/faults', { status: 'soon' });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /status/);
});

test('injected errors are not mistaken for real ones: the message says so', async () => {
  const c = client();
  c.sim.sim.injectFault({ status: 500 });
  const r = await c.get('/api/method/ping');
  assert.equal(r.status, 500);
  assert.match(serverMessages(r.body)[0]?.message, /injected/);
});

test('concurrency: the Frappe requests held now and the most at once, the control API not counted; reset starts the peak again', async () => {
  const c = client();
  await control('POST', '/concurrency/reset');
  c.sim.sim.injectLatency(400);
  const pings = Array.from({ length: 3 }, () => c.get('/api/method/ping'));
  for (let i = 0; i < 10_000 && (await control('GET', '/concurrency')).body.inFlight < 3; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual((await control('GET', '/concurrency')).body, { inFlight: 3, peak: 3 });
  await Promise.all(pings);
  // the server sees each connection's end after the client has the answer: wait for it
  for (let i = 0; i < 10_000 && (await control('GET', '/concurrency')).body.inFlight > 0; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual((await control('GET', '/concurrency')).body, { inFlight: 0, peak: 3 });
  assert.deepEqual((await control('POST', '/concurrency/reset')).body, { inFlight: 0, peak: 0 });
});
