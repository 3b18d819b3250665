/**
 * A connection closed under a request before any answer (an engine's keep-alive ending as the
 * next request goes out, seen on a real ERPNext behind gunicorn): a read goes once more on a new
 * connection, a write does not (it may have been done; its step's ensure reads first).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FrappeClient, type EngineCall } from '../../src/adapters/erpnext/frappe-client.ts';

let server: Server;
let url: string;
/** Requests the server saw, by method and path, and how many of the next it drops unanswered. */
const seen: string[] = [];
let dropNext = 0;
before(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (dropNext > 0) {
      dropNext--;
      req.socket.destroy(); // closed under the request, nothing answered
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ data: { name: 'Platform Co' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (calls: EngineCall[]) => new FrappeClient({ baseUrl: url, apiKey: 'k', apiSecret: 's', onCall: (c) => calls.push(c) });

test('a read whose connection is closed under it is sent once more and answers', async () => {
  seen.length = 0;
  dropNext = 1;
  const calls: EngineCall[] = [];
  const answer = await client(calls).request<{ data: { name: string } }>('GET', '/api/resource/Company/Platform%20Co');
  assert.equal(answer.data.name, 'Platform Co');
  assert.deepEqual(seen, ['GET /api/resource/Company/Platform%20Co', 'GET /api/resource/Company/Platform%20Co']);
  assert.deepEqual(calls.map((c) => c.status), [null, 200], 'the call log shows both');
});

test('a read closed twice is ENGINE_UNAVAILABLE after its one more try', async () => {
  seen.length = 0;
  dropNext = 2;
  await assert.rejects(client([]).request('GET', '/api/resource/Company/Platform%20Co'), { code: 'ENGINE_UNAVAILABLE' });
  assert.equal(seen.length, 2);
});

test('a write whose connection is closed under it is not sent again', async () => {
  seen.length = 0;
  dropNext = 1;
  await assert.rejects(client([]).request('POST', '/api/resource/Company', { body: { company_name: 'X' } }), { code: 'ENGINE_UNAVAILABLE' });
  assert.deepEqual(seen, ['POST /api/resource/Company']);
});
