/**
 * SSRF through an engine's base_url (issue 11, item 6), through the API of a server outside demo
 * mode whose allow-list names only the simulator: internal targets are refused at registration,
 * alike whether anything listens there; an engine row that points inward anyway (registered
 * before this check, or a name that now resolves inward) gets no request, so neither health nor
 * readiness can reach or quote it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProvisionerHarness, type ProvisionerHarness } from '../support/harness.ts';
import { createScratchDatabase } from '../support/database.ts';
import { callAs, login } from '../support/accounts.ts';
import { hashPassword } from '../../src/application/passwords.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';

let sim: RunningSimulator;
let h: ProvisionerHarness;
let token: string;
/** An internal service that answers anyone: it must never be asked. */
let inside: http.Server;
let insidePort: number;
const insideRequests: string[] = [];

before(async () => {
  sim = await startErpnextSimulator({ port: 0 });
  inside = http.createServer((req, res) => {
    insideRequests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ message: 'internal-service-answer-9f2c' }));
  });
  await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
  insidePort = (inside.address() as AddressInfo).port;
  h = await startProvisionerHarness({ engine: sim, config: { demo: false, engineAllowedHosts: [new URL(sim.url).host] } });
  // outside demo mode there is no demo account: an admin made as an operator would
  await h.provisioner.db.store.createUser({ email: 'ops@urls.example', passwordHash: await hashPassword('a long operator passphrase 42'), role: 'platform_admin' });
  token = (await login(h.api, 'ops@urls.example', 'a long operator passphrase 42')).body.access_token;
});
after(async () => {
  await h?.close();
  await sim?.close();
  await new Promise((resolve) => inside?.close(resolve));
});

const register = (id: string, base_url: string) => callAs(h, token, 'POST', '/api/engines', { id, kind: 'erpnext', base_url, api_key: 'k', api_secret: 'the-engine-secret' });

test('internal targets are refused at registration with ENGINE_URL_FORBIDDEN and a hint naming the allow-list', async () => {
  const targets = [
    'https://169.254.169.254/latest/meta-data',
    `http://127.0.0.1:${insidePort}`,
    'https://127.0.0.1:5432',
    'https://127.0.0.1:22',
    `https://127.0.0.1:${new URL(h.api).port}`,
    'https://[::1]:8000',
    'https://2130706433:8000',
    'https://0x7f000001/',
    'https://10.0.0.7',
    'https://[::ffff:169.254.169.254]/',
    'https://0.0.0.0:4000',
    'http://erp.example.com',
    'https://erp.example.com/#/api/method/ping',
    'https://erp.example.com/?cmd=x',
    'https://ops:pw@erp.example.com',
  ];
  for (const [i, url] of targets.entries()) {
    const res = await register(`inward-${i}`, url);
    assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, 'ENGINE_URL_FORBIDDEN', url);
    assert.match(res.body.hint, /PROVISIONER_ENGINE_ALLOWED_HOSTS/);
  }
  assert.deepEqual(insideRequests, []);
  const stored = await callAs(h, token, 'GET', '/api/engines/inward-0');
  assert.equal(stored.body.code, 'ENGINE_NOT_REGISTERED', 'nothing was stored');
});

test('an open port and a closed one get the same answer', async () => {
  const open = await register('open-port', `https://127.0.0.1:${insidePort}`);
  const closed = await register('closed-port', 'https://127.0.0.1:1');
  assert.equal(open.status, 400);
  assert.deepEqual({ ...open.body, instance: undefined }, { ...closed.body, instance: undefined });
});

test('an engine row that points inward gets no request: health and readiness say ENGINE_URL_FORBIDDEN and quote nothing', async () => {
  // as a row registered before this check was
  await h.provisioner.db.store.upsertEngine({ id: 'legacy-inward', kind: 'erpnext', baseUrl: `http://127.0.0.1:${insidePort}`, apiKey: 'k', apiSecret: 'the-engine-secret' });
  const health = await callAs(h, token, 'POST', '/api/engines/legacy-inward/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.health.code, 'ENGINE_URL_FORBIDDEN');
  assert.equal(health.body.health.reachable, false);
  const ready = await callAs(h, token, 'GET', '/api/ready');
  assert.equal(ready.status, 503);
  assert.equal(ready.body.engines.find((e: any) => e.id === 'legacy-inward').code, 'ENGINE_URL_FORBIDDEN');
  assert.deepEqual(insideRequests, [], 'no request, so no secret, reached the internal service');
  for (const body of [health.body, ready.body]) assert.ok(!JSON.stringify(body).includes('internal-service-answer'));
});

test('an allow-listed engine works over http outside demo mode', async () => {
  const health = await callAs(h, token, 'POST', '/api/engines/default/health');
  assert.equal(health.body.health.authenticated, true, JSON.stringify(health.body));
});

test('a refused ERPNEXT_URL stops the start', async () => {
  const db = await createScratchDatabase();
  try {
    await assert.rejects(startProvisionerHarness({ engine: sim, database: db, config: { demo: false, engineAllowedHosts: [] } }), { code: 'ENGINE_URL_FORBIDDEN' });
  } finally {
    await db.drop();
  }
});
