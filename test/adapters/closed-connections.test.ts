/**
 * A connection closed under a request before any answer (an engine's keep-alive ending as the
 * next request goes out, seen on a real ERPNext behind gunicorn): a read goes once more on a new
 * connection, a write does not (it may have been done; its step's ensure reads first). The same
 * for both engine clients: Frappe's REST (GET is a read) and Odoo's JSON-RPC (every call a POST:
 * common.* and the read methods of execute_kw are reads).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FrappeClient, type EngineCall } from '../../src/adapters/erpnext/frappe-client.ts';
import { OdooRpcClient } from '../../src/adapters/odoo/odoo-rpc.ts';

let server: Server;
let url: string;
/** Requests the server saw (method and path; for JSON-RPC the service and method called), and how many of the next it drops unanswered. */
const seen: string[] = [];
let dropNext = 0;
before(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/jsonrpc') {
      const { params, id } = JSON.parse(body) as { params: { service: string; method: string; args: unknown[] }; id: number };
      const called = params.service === 'object' ? `${params.args[3]}.${params.args[4]}` : `${params.service}.${params.method}`;
      seen.push(`POST /jsonrpc ${called}`);
      if (dropNext > 0) {
        dropNext--;
        req.socket.destroy();
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      const result = params.method === 'login' ? 2 : params.method === 'version' ? { server_version: '17.0' } : params.args[4] === 'create' ? 7 : [{ id: 1, name: 'Platform Co' }];
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result }));
      return;
    }
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

const odoo = (calls: EngineCall[]) => new OdooRpcClient({ baseUrl: url, db: 'odoo', login: 'admin', apiKey: 'k', onCall: (c) => calls.push(c) });

test('an Odoo read (search_read) whose connection is closed under it is sent once more and answers', async () => {
  const calls: EngineCall[] = [];
  const client = odoo(calls);
  await client.uid();
  seen.length = 0;
  dropNext = 1;
  const rows = await client.searchRead('res.company', [['name', '=', 'Platform Co']], ['name']);
  assert.deepEqual(rows, [{ id: 1, name: 'Platform Co' }]);
  assert.deepEqual(seen, ['POST /jsonrpc res.company.search_read', 'POST /jsonrpc res.company.search_read']);
  assert.deepEqual(calls.slice(-2).map((c) => c.status), [null, 200], 'the call log shows both');
});

test('an Odoo login and version check are reads: sent once more when closed under them', async () => {
  seen.length = 0;
  const client = odoo([]);
  dropNext = 1;
  assert.equal((await client.version()).server_version, '17.0');
  dropNext = 1;
  assert.equal(await client.uid(), 2);
  assert.deepEqual(seen, ['POST /jsonrpc common.version', 'POST /jsonrpc common.version', 'POST /jsonrpc common.login', 'POST /jsonrpc common.login']);
});

test('an Odoo create whose connection is closed under it is not sent again', async () => {
  const client = odoo([]);
  await client.uid();
  seen.length = 0;
  dropNext = 1;
  await assert.rejects(client.create('res.company', { name: 'X' }), { code: 'ENGINE_UNAVAILABLE' });
  assert.deepEqual(seen, ['POST /jsonrpc res.company.create']);
});
