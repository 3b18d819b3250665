import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineGates } from '../../src/adapters/engine-gate.ts';
import { FrappeClient } from '../../src/adapters/erpnext/frappe-client.ts';
import { createEngine } from '../../src/adapters/engine-factory.ts';
import type { ErpnextEngine } from '../../src/adapters/erpnext/erpnext-engine.ts';
import type { EngineRecord } from '../../src/ports/store.ts';

test('requests to one engine never exceed the per-engine limit; another engine has its own slots', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer(async (_req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(30);
    inFlight--;
    res.setHeader('content-type', 'application/json');
    res.end('{"message":"pong"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const gates = new EngineGates(3);
    const client = (id: string) => new FrappeClient({ baseUrl: url, apiKey: 'k', apiSecret: 's', gate: (fn) => gates.run(id, fn) });
    const a = client('a');
    await Promise.all(Array.from({ length: 12 }, () => a.callMethod('ping')));
    assert.equal(maxInFlight, 3);
    maxInFlight = 0;
    const b = client('b');
    await Promise.all([...Array.from({ length: 6 }, () => a.callMethod('ping')), ...Array.from({ length: 6 }, () => b.callMethod('ping'))]);
    assert.equal(maxInFlight, 6, 'each engine has its own limit');
  } finally {
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
    const record = { id: 'erp', kind: 'erpnext', baseUrl: url, apiKey: 'k', apiSecret: 's' } as EngineRecord;
    const engines = Array.from({ length: 4 }, () => createEngine(record, { gates }) as ErpnextEngine);
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
