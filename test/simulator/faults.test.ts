/** Fault injection: rates, latency, timeouts, resets, lost responses; deterministic with a seed (issue 3 §2). */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { ACME, authHeader, clientFor, resourcePath, useSimulator } from './helpers.ts';

const client = await useSimulator({ seed: 7 });
const control = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${client().sim.url}/__simulator${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
beforeEach(() => client().sim.sim.reset());

const company = (i: number) => ({ ...ACME, company_name: `Seeded ${i}`, abbr: `SD${i}` });

/** Statuses of 30 company inserts against a fresh simulator with a 50% error rate. */
async function statusesWithSeed(seed: number): Promise<number[]> {
  const sim = await startErpnextSimulator({ seed, faults: [{ method: 'POST', doctype: 'Company', status: 503, rate: 0.5 }] });
  try {
    const c = clientFor(sim);
    const out: number[] = [];
    for (let i = 0; i < 30; i++) out.push((await c.post(resourcePath('Company'), company(i))).status);
    return out;
  } finally {
    await sim.close();
  }
}

test('the same seed gives the same fault sequence for the same calls; another seed another one', async () => {
  const a = await statusesWithSeed(42);
  const b = await statusesWithSeed(42);
  assert.deepEqual(a, b);
  assert.ok(a.includes(503) && a.includes(200), `a 50% rate both fails and passes: ${a.join(',')}`);
  assert.notDeepEqual(await statusesWithSeed(43), a);
});

test('an error rate hits only its method and doctype, and is not applied', async () => {
  const c = client();
  c.sim.sim.injectFault({ method: 'POST', doctype: 'Company', status: 500, rate: 1 });
  assert.equal((await c.post(resourcePath('Company'), ACME)).status, 500);
  assert.equal(c.sim.sim.count('Company'), 0, 'an injected error applies nothing');
  assert.equal((await c.list('Company')).status, 200, 'GET Company is not affected');
  assert.equal((await c.post(resourcePath('Customer'), { customer_name: 'Other' })).status, 200, 'POST Customer is not affected');
  c.sim.sim.injectFault({ method: 'POST', doctype: 'Company', status: 500, rate: 0 });
  assert.equal((await c.post(resourcePath('Company'), ACME)).status, 200, 'rate 0 removes the rate');
});

test('a rate of the same kind and selector replaces the previous one instead of adding up', () => {
  const { sim } = client().sim;
  sim.injectFault({ doctype: 'Company', status: 503, rate: 0.05 });
  sim.injectFault({ doctype: 'Company', status: 503, rate: 0.1 });
  assert.deepEqual(sim.faultState().faults.map((f) => f.rate), [0.1]);
});

test('rated 503 and 429 answers carry Retry-After (1 s unless given); 429 is TooManyRequestsError', async () => {
  const c = client();
  c.sim.sim.injectFault({ path: 'get_logged_user', status: 503, rate: 1 });
  const unavailable = await c.get('/api/method/frappe.auth.get_logged_user');
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.headers.get('retry-after'), '1');
  c.sim.sim.clearFaults();
  c.sim.sim.injectFault({ path: 'get_logged_user', status: 429, rate: 1, retryAfter: 3 });
  const limited = await c.get('/api/method/frappe.auth.get_logged_user');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.equal(limited.body.exc_type, 'TooManyRequestsError');
  c.sim.sim.clearFaults();
  c.sim.sim.injectFault({ status: 502, rate: 1 });
  const gateway = await c.get('/api/method/ping');
  assert.equal(gateway.status, 502);
  assert.equal(gateway.headers.get('retry-after'), null, 'no Retry-After on 502');
});

test('a rate of errors only takes 429, 500, 502 or 503; count and rate exclude each other', async () => {
  assert.equal((await control('POST', '/faults', { status: 404, rate: 0.5 })).status, 400);
  assert.equal((await control('POST', '/faults', { status: 503, rate: 0.5, count: 2 })).status, 400);
  assert.equal((await control('POST', '/faults', { status: 503, rate: 1.5 })).status, 400);
  assert.equal((await control('POST', '/faults', { kind: 'timeout', status: 503 })).status, 400);
  assert.equal((await control('POST', '/faults', { kind: 'reset', rate: 0.5, doctype: 'Company' })).status, 200);
});

test('random latency stays within min..max; a doctype latency applies to that doctype only', async () => {
  const c = client();
  await control('POST', '/latency', { min: 60, max: 120, doctype: 'Company' });
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await c.list('Company');
    // the wait is real (a lower bound holds on any machine; an upper one would not on a busy one)
    assert.ok(Date.now() - t0 >= 55, 'the request waited');
  }
  await c.get('/api/method/ping');
  // what the simulator applied, as it recorded it: load on the machine cannot change it
  const companies = c.sim.sim.calls({ doctype: 'Company' });
  assert.equal(companies.length, 3);
  for (const call of companies) assert.ok(call.latencyMs! >= 60 && call.latencyMs! <= 120, `latency ${call.latencyMs} ms`);
  assert.deepEqual(c.sim.sim.calls({ path: 'ping' }).map((call) => call.latencyMs), [0], 'ping is not delayed');
  assert.equal((await control('POST', '/latency', { min: 10 })).status, 400, 'min without max');
});

test('a timeout holds the request unanswered until the client gives up, and applies nothing', async () => {
  const c = client();
  await control('POST', '/faults', { kind: 'timeout', method: 'POST', doctype: 'Company' });
  const t0 = Date.now();
  await assert.rejects(
    fetch(`${c.sim.url}${resourcePath('Company')}`, {
      method: 'POST',
      headers: { Authorization: authHeader(c.sim), 'Content-Type': 'application/json' },
      body: JSON.stringify(ACME),
      signal: AbortSignal.timeout(300),
    }),
    (e: Error) => e.name === 'TimeoutError',
  );
  assert.ok(Date.now() - t0 >= 290);
  assert.equal(c.sim.sim.count('Company'), 0);
  assert.equal(c.sim.sim.calls({ doctype: 'Company' })[0]?.outcome, 'timeout');
  assert.equal((await c.post(resourcePath('Company'), ACME)).status, 200, 'one-shot: the next one passes');
});

test('a connection reset comes before the request is applied', async () => {
  const c = client();
  c.sim.sim.injectFault({ kind: 'reset', method: 'POST', doctype: 'Company' });
  await assert.rejects(c.post(resourcePath('Company'), ACME), (e: any) => /ECONNRESET|other side closed|fetch failed/i.test(`${e.message} ${e.cause?.code ?? ''} ${e.cause?.message ?? ''}`));
  assert.equal(c.sim.sim.count('Company'), 0);
  assert.equal(c.sim.sim.calls({ doctype: 'Company' })[0]?.outcome, 'reset');
});

test('a lost-response rate applies the write and drops the answer', async () => {
  const c = client();
  await control('POST', '/lost-responses', { method: 'POST', doctype: 'Company', rate: 1 });
  await assert.rejects(c.post(resourcePath('Company'), ACME));
  assert.ok(c.sim.sim.get('Company', ACME.company_name), 'committed');
  assert.equal(c.sim.sim.calls({ doctype: 'Company' })[0]?.outcome, 'lost');
});

test('reset goes back to the start-up faults and restarts the sequence from the seed', async () => {
  const sim = await startErpnextSimulator({ seed: 5, faults: [{ doctype: 'Customer', method: 'POST', status: 500, rate: 0.5 }], latency: { ms: 1 } });
  try {
    const c = clientFor(sim);
    const run = async () => {
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await c.post(resourcePath('Customer'), { customer_name: `C${i}` })).status);
      return out;
    };
    const first = await run();
    sim.sim.clearFaults();
    sim.sim.reset();
    assert.equal(sim.sim.faultState().faults.length, 1, 'the start-up rate is back');
    assert.deepEqual(await run(), first);
  } finally {
    await sim.close();
  }
});

test('callStats counts calls by method and doctype (or method command), in process and over HTTP', async () => {
  const c = client();
  await c.post(resourcePath('Company'), ACME);
  await c.post(resourcePath('Company'), ACME);
  await c.get(resourcePath('Company', ACME.company_name));
  await c.get('/api/method/frappe.auth.get_logged_user');
  const expected = { 'GET Company': 1, 'GET frappe.auth.get_logged_user': 1, 'POST Company': 2 };
  assert.deepEqual(c.sim.sim.callStats(), expected);
  assert.deepEqual((await control('GET', '/calls/stats')).body.data, expected);
  assert.deepEqual((await control('GET', '/calls/stats?method=POST')).body.data, { 'POST Company': 2 });
});

test('state reports the seed, faults, latency and armed scenarios', async () => {
  await control('POST', '/seed', { seed: 99 });
  await control('POST', '/faults', { kind: 'lost', rate: 0.02 });
  await control('POST', '/latency', { ms: 5 });
  const state = (await control('GET', '/state')).body;
  assert.equal(state.seed, 99);
  assert.deepEqual(state.faults, [{ kind: 'lost', rate: 0.02 }]);
  assert.deepEqual(state.latency, [{ ms: 5 }]);
  assert.deepEqual(state.armedScenarios, []);
  assert.equal((await control('POST', '/seed', { seed: -1 })).status, 400);
});
