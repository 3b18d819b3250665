/**
 * Which engine URLs may be called (issue 11, item 6): the rules on their own, then through the
 * client that makes the requests (a name that resolves inward at request time, or only by the
 * time the request connects, is refused before anything is sent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { assertEngineUrlAllowed, classifyAddress, parseAllowedHost, type EngineUrlPolicy, type Resolver } from '../../src/adapters/engine-url-policy.ts';
import { FrappeClient } from '../../src/adapters/erpnext/frappe-client.ts';
import { OdooRpcClient } from '../../src/adapters/odoo/odoo-rpc.ts';
import { loadConfig } from '../../src/config.ts';
import { TEST_JWT_SECRET } from '../support/secrets.ts';

const strict: EngineUrlPolicy = { demo: false, allowedHosts: [] };
const demo: EngineUrlPolicy = { demo: true, allowedHosts: [] };
const publicName = async () => ['93.184.215.14'];
const check = (url: string, policy = strict, resolve = publicName) => assertEngineUrlAllowed(url, policy, { resolve, unresolvable: 'refuse' });
const refused = (url: string, policy = strict, resolve = publicName) => assert.rejects(check(url, policy, resolve), { code: 'ENGINE_URL_FORBIDDEN' }, url);

test('inward addresses are refused in every spelling: the reviewer\'s 13 targets and more', async () => {
  for (const url of [
    'https://169.254.169.254/latest/meta-data',
    'https://127.0.0.1:5432',
    'https://127.0.0.1:22',
    'https://localhost:4000',
    'https://[::1]:8000',
    'https://2130706433/', // 127.0.0.1 in decimal
    'https://0x7f.0.0.1/', // in hex
    'https://0177.0.0.1/', // in octal
    'https://017700000001/',
    'https://0/',
    'https://0.0.0.0/',
    'https://[::]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/', // 169.254.169.254, IPv4-mapped
    'https://[0:0:0:0:0:ffff:10.0.0.1]/',
    'https://10.1.2.3/',
    'https://172.20.0.5/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://[fd12:3456::1]/',
    'https://[fe80::1]/',
    'https://[64:ff9b::a9fe:a9fe]/', // NAT64 of the metadata address
    'https://224.0.0.1/',
  ]) {
    await refused(url, strict, async () => ['127.0.0.1']);
  }
});

test('a name is checked by every address it resolves to', async () => {
  await check('https://erp.example.com', strict, publicName);
  await refused('https://erp.example.com', strict, async () => ['93.184.215.14', '10.0.0.7']);
  await refused('https://erp.example.com', strict, async () => ['::ffff:169.254.169.254']);
  // localhost is a name like any other: what it resolves to decides
  await refused('https://localhost', strict, async () => ['127.0.0.1', '::1']);
});

test('https is required outside demo mode; http only to allow-listed hosts, or loopback in demo mode', async () => {
  await refused('http://erp.example.com');
  await check('http://127.0.0.1:8000', demo);
  await refused('http://erp.example.com', demo);
  await refused('http://127.0.0.1:8000');
  await check('http://127.0.0.1:8000', { demo: false, allowedHosts: ['127.0.0.1:8000'] });
  await refused('http://127.0.0.1:8001', { demo: false, allowedHosts: ['127.0.0.1:8000'] });
  await check('https://127.0.0.1:8001', { demo: false, allowedHosts: ['127.0.0.1'] });
  await check('http://erp.internal', { demo: false, allowedHosts: ['erp.internal'] }, async () => ['10.0.0.7']);
  // demo mode allows loopback, not the rest of the inside
  await refused('https://169.254.169.254', demo);
  await refused('https://10.0.0.7', demo);
});

test('no user, password, query or fragment in an engine URL', async () => {
  for (const url of ['https://ops:pw@erp.example.com', 'https://ops@erp.example.com', 'https://erp.example.com/?x=1', 'https://erp.example.com/?', 'https://erp.example.com/#frag', 'https://erp.example.com#', 'ftp://erp.example.com', 'file:///etc/passwd']) await refused(url);
});

test('every refusal names the allow-list variable in its hint and is a 400', async () => {
  await assert.rejects(check('https://10.0.0.1'), (e: any) => e.httpStatus === 400 && /PROVISIONER_ENGINE_ALLOWED_HOSTS/.test(e.hint));
});

test('classification', () => {
  assert.equal(classifyAddress('8.8.8.8'), 'public');
  assert.equal(classifyAddress('2606:4700::1111'), 'public');
  assert.equal(classifyAddress('127.8.9.10'), 'loopback');
  assert.equal(classifyAddress('::ffff:7f00:1'), 'loopback');
  assert.equal(classifyAddress('169.254.1.1'), 'link-local');
  assert.equal(classifyAddress('fe80::abcd'), 'link-local');
  assert.equal(classifyAddress('172.31.255.255'), 'private');
  assert.equal(classifyAddress('172.32.0.1'), 'public');
  assert.equal(classifyAddress('0.1.2.3'), 'unspecified');
});

test('PROVISIONER_ENGINE_ALLOWED_HOSTS: host or host:port, normalised as the URL parser spells hosts; anything else stops the start', () => {
  assert.equal(parseAllowedHost('Erp.Internal'), 'erp.internal');
  assert.equal(parseAllowedHost('2130706433:8000'), '127.0.0.1:8000');
  assert.equal(parseAllowedHost('[::1]:8000'), '[::1]:8000');
  const env = { DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_DEMO: 'false', PROVISIONER_JWT_SECRET: TEST_JWT_SECRET, PROVISIONER_ENGINE_ALLOWED_HOSTS: ' erp.internal , 127.0.0.1:8000 ' };
  assert.deepEqual(loadConfig(env).engineAllowedHosts, ['erp.internal', '127.0.0.1:8000']);
  for (const bad of ['http://erp.internal', 'erp.internal/path', 'user@erp', '127.0.0.1:99999']) {
    assert.throws(() => loadConfig({ ...env, PROVISIONER_ENGINE_ALLOWED_HOSTS: bad }), { code: 'CONFIG_INVALID' }, bad);
  }
});

/** A server that records what it is sent: the secret must never arrive. */
async function recordingServer(answer: (res: http.ServerResponse) => void = (res) => res.end('{}')) {
  const seen: Array<{ url: string; authorization: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { seen, port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('the client checks before every request, on what the name resolves to then (DNS rebinding)', async () => {
  const inside = await recordingServer();
  try {
    let answer = ['93.184.215.14'];
    const resolve = async () => answer;
    const url = `https://rebind.example:${inside.port}`;
    // at registration the name is public
    await check(url, strict, resolve);
    // by the time of the request it points inward
    answer = ['127.0.0.1'];
    const client = new FrappeClient({ baseUrl: url, apiKey: 'key', apiSecret: 'the-engine-secret', urlPolicy: strict, resolve });
    await assert.rejects(client.callMethod('ping'), { code: 'ENGINE_URL_FORBIDDEN' });
    assert.deepEqual(inside.seen, [], 'nothing was sent');
  } finally {
    await inside.close();
  }
});

test('the connection looks the name up through the policy too: a name that turns inward between the check and the connect reaches nothing (DNS rebinding)', async () => {
  // a bare TCP listener on loopback: any connection at all is counted (a TLS handshake would not finish)
  let connections = 0;
  const inside = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
  try {
    // the attacker's DNS: public for the check before the request, loopback for every lookup after it;
    // "localhost" so that a second lookup by the system (what a plain fetch does) would also land on 127.0.0.1
    let lookups = 0;
    const resolve: Resolver = async () => (lookups++ === 0 ? ['93.184.215.14'] : ['127.0.0.1']);
    const client = new FrappeClient({ baseUrl: `https://localhost:${(inside.address() as AddressInfo).port}`, apiKey: 'key', apiSecret: 'the-engine-secret', urlPolicy: strict, resolve });
    await assert.rejects(client.callMethod('ping'), { code: 'ENGINE_URL_FORBIDDEN', message: /localhost is \(or resolves to\) a loopback address/ });
    assert.equal(lookups, 2, 'the connection used the checked lookup, not one of its own');
    assert.equal(connections, 0, 'nothing connected to the inward address');
  } finally {
    await new Promise<void>((resolve) => inside.close(() => resolve()));
  }
});

test('an allowed name connects to the address the checked lookup answered, not to a second lookup of its own', async () => {
  const inside = await recordingServer((res) => res.end('{"message":"pong"}'));
  try {
    // a name no DNS knows: only the policy's lookup can take the request there
    const policy: EngineUrlPolicy = { demo: false, allowedHosts: [`erp.internal:${inside.port}`] };
    const client = new FrappeClient({ baseUrl: `http://erp.internal:${inside.port}`, apiKey: 'key', apiSecret: 'the-engine-secret', urlPolicy: policy, resolve: async () => ['127.0.0.1'] });
    assert.equal(await client.callMethod('ping'), 'pong');
    assert.deepEqual(inside.seen.map((s) => s.url), ['/api/method/ping']);
  } finally {
    await inside.close();
  }
});

test('the secret never goes to an http URL that is not allowed', async () => {
  const inside = await recordingServer();
  try {
    const client = new FrappeClient({ baseUrl: `http://127.0.0.1:${inside.port}`, apiKey: 'key', apiSecret: 'the-engine-secret', urlPolicy: strict });
    await assert.rejects(client.callMethod('frappe.auth.get_logged_user'), { code: 'ENGINE_URL_FORBIDDEN' });
    assert.deepEqual(inside.seen, []);
  } finally {
    await inside.close();
  }
});

test('redirects are not followed: a typed error, and the target is never asked', async () => {
  const target = await recordingServer();
  const redirecting = await recordingServer((res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${target.port}/api/method/ping` });
    res.end();
  });
  try {
    const policy: EngineUrlPolicy = { demo: false, allowedHosts: [`127.0.0.1:${redirecting.port}`] };
    const client = new FrappeClient({ baseUrl: `http://127.0.0.1:${redirecting.port}`, apiKey: 'key', apiSecret: 'the-engine-secret', urlPolicy: policy });
    await assert.rejects(client.callMethod('ping'), { code: 'ENGINE_REDIRECTED' });
    assert.equal(redirecting.seen.length, 1);
    assert.deepEqual(target.seen, []);
  } finally {
    await target.close();
    await redirecting.close();
  }
});

test('the Odoo client follows the same rules: no request to a refused URL, no redirect followed', async () => {
  const inside = await recordingServer();
  const redirecting = await recordingServer((res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/jsonrpc` });
    res.end();
  });
  try {
    const refused = new OdooRpcClient({ baseUrl: `http://127.0.0.1:${inside.port}`, db: 'odoo', login: 'admin', apiKey: 'the-odoo-key', urlPolicy: strict });
    await assert.rejects(refused.authenticate(), { code: 'ENGINE_URL_FORBIDDEN' });
    assert.deepEqual(inside.seen, [], 'the key was not sent');
    const policy: EngineUrlPolicy = { demo: false, allowedHosts: [`127.0.0.1:${redirecting.port}`] };
    const redirected = new OdooRpcClient({ baseUrl: `http://127.0.0.1:${redirecting.port}`, db: 'odoo', login: 'admin', apiKey: 'the-odoo-key', urlPolicy: policy });
    await assert.rejects(redirected.version(), { code: 'ENGINE_REDIRECTED' });
    assert.deepEqual(inside.seen, []);
  } finally {
    await inside.close();
    await redirecting.close();
  }
});
