import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineGates } from '../../src/adapters/engine-gate.ts';
import { FrappeClient } from '../../src/adapters/erpnext/frappe-client.ts';

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
