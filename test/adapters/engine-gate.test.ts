import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { EngineGates } from '../../src/adapters/engine-gate.ts';
import { FrappeClient } from '../../src/adapters/erpnext/frappe-client.ts';
import { createEngine } from '../../src/adapters/engine-factory.ts';
import type { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import type { EngineRecord } from '../../src/ports/store.ts';
import { TEST_ENGINE_URL_POLICY } from '../support/harness.ts';

test('requests to one engine never exceed the per-engine limit; another engine has its own slots', async () => {
  // the engine holds every request until the test lets them go: what is in flight stays in flight
  const parked: Array<() => void> = [];
  let passThrough = false;
  let parkedChanged: () => void = () => {};
  const server = http.createServer((_req, res) => {
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"message":"pong"}');
    };
    if (passThrough) return answer();
    parked.push(answer);
    parkedChanged();
  });
  const untilParked = (n: number) =>
    new Promise<void>((resolve) => {
      parkedChanged = () => parked.length >= n && resolve();
      parkedChanged();
    });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const gates = new EngineGates(3);
    const client = (id: string) => new FrappeClient({ baseUrl: url, apiKey: 'k', apiSecret: 's', gate: (fn) => gates.run(id, fn) });
    const a = client('a');
    const b = client('b');
    const calls = Array.from({ length: 12 }, () => a.callMethod('ping'));
    await untilParked(3);
    assert.deepEqual(gates.pending(), { a: 9 }, 'three requests reached engine a; the gate holds the other nine');

    calls.push(...Array.from({ length: 6 }, () => b.callMethod('ping')));
    await untilParked(6);
    assert.deepEqual(gates.pending(), { a: 9, b: 3 }, 'engine b has slots of its own');

    passThrough = true;
    for (const answer of parked.splice(0)) answer();
    await Promise.all(calls);
    assert.deepEqual(gates.pending(), { a: 0, b: 0 });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('Company inserts to one engine go one at a time; its other requests keep their slots', async () => {
  let companyInserts = 0;
  let maxCompanyInserts = 0;
  let firstHeld!: () => void;
  const held = new Promise<void>((r) => (firstHeld = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer(async (req, res) => {
    const isCompanyInsert = req.method === 'POST' && req.url === '/api/resource/Company';
    if (isCompanyInsert) {
      maxCompanyInserts = Math.max(maxCompanyInserts, ++companyInserts);
      firstHeld();
      await released; // every insert waits until the test has seen the reads through
    }
    res.setHeader('content-type', 'application/json');
    res.end(isCompanyInsert ? '{"data":{"name":"X","abbr":"X"}}' : '{"message":"pong"}');
    if (isCompanyInsert) companyInserts--;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const gates = new EngineGates(8);
    const record = { id: 'erp', kind: 'erpnext', baseUrl: url, apiKeySet: true, credentials: () => ({ apiKey: 'k', apiSecret: 's' }) } as EngineRecord;
    const engines = Array.from({ length: 4 }, () => createEngine(record, { gates, urlPolicy: TEST_ENGINE_URL_POLICY }) as ErpnextEngine);
    const inserts = engines.map((e, i) => e.createCompany({ name: `C${i}`, abbr: `C${i}`, country: 'Kenya', currency: 'KES', chartOfAccounts: 'Standard' }));
    await held;
    // requests sent after the four inserts get through while the first insert is held
    await Promise.all(Array.from({ length: 4 }, () => engines[0]!.client.callMethod('ping')));
    assert.equal(companyInserts, 1, 'the other inserts wait for the first one to be answered');
    release();
    await Promise.all(inserts);
    assert.equal(maxCompanyInserts, 1);
  } finally {
    release();
    server.close();
  }
});
