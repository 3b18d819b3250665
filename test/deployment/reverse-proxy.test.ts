/**
 * Behind a reverse proxy (docs/operations.md, "TLS behind a reverse proxy"): the API speaks plain
 * HTTP, believes X-Forwarded-* only from the proxies TRUST_PROXY names, and marks its event
 * streams so that proxies pass them through unbuffered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startHarness } from '../support/harness.ts';

const env = { DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_JWT_SECRET: '0123456789abcdef0123456789abcdef' };

/** A harness whose log lines are kept, parsed. */
async function harnessWithLog(trustProxy: false | true | string[]) {
  const lines: any[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const h = await startHarness({ config: { trustProxy }, logger });
  return { h, lines };
}

/** GET /api/health as a proxy would forward it; answers the request log line it made. */
async function forwarded(h: { api: string }, lines: any[]) {
  const res = await fetch(`${h.api}/api/health?probe=${Math.random()}`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-host': 'provisioner.example.com', 'x-forwarded-proto': 'https' } });
  assert.equal(res.status, 200);
  const line = lines.find((l) => l.msg === 'incoming request' && l.req?.url?.startsWith('/api/health?probe='));
  lines.length = 0;
  assert.ok(line, 'the request was logged');
  return line.req;
}

test('without TRUST_PROXY the request log shows the peer address and ignores X-Forwarded-For', async () => {
  const { h, lines } = await harnessWithLog(loadConfig(env).trustProxy);
  try {
    const req = await forwarded(h, lines);
    assert.equal(req.remoteAddress, '127.0.0.1');
    assert.notEqual(req.host, 'provisioner.example.com');
  } finally {
    await h.close();
  }
});

test('TRUST_PROXY naming the proxy: the request log shows the client from X-Forwarded-For and the host from X-Forwarded-Host', async () => {
  const { h, lines } = await harnessWithLog(loadConfig({ ...env, TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy);
  try {
    const req = await forwarded(h, lines);
    assert.equal(req.remoteAddress, '203.0.113.7');
    assert.equal(req.host, 'provisioner.example.com');
  } finally {
    await h.close();
  }
  // a proxy the setting does not name is not believed
  const other = await harnessWithLog(loadConfig({ ...env, TRUST_PROXY: '10.0.0.1' }).trustProxy);
  try {
    assert.equal((await forwarded(other.h, other.lines)).remoteAddress, '127.0.0.1');
  } finally {
    await other.h.close();
  }
});

test('TRUST_PROXY takes true/false, addresses, CIDRs and loopback/linklocal/uniquelocal; anything else is CONFIG_INVALID', () => {
  const read = (v: string) => loadConfig({ ...env, TRUST_PROXY: v }).trustProxy;
  assert.equal(read(''), false);
  assert.equal(read('false'), false);
  assert.equal(read('true'), true);
  assert.deepEqual(read('loopback'), ['loopback']);
  assert.deepEqual(read('127.0.0.1,::1, 172.16.0.0/12, fd00::/8'), ['127.0.0.1', '::1', '172.16.0.0/12', 'fd00::/8']);
  for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.1/8/9', '2']) {
    assert.throws(() => read(bad), (e: any) => e.code === 'CONFIG_INVALID' && /TRUST_PROXY/.test(e.message), bad);
  }
});

test('event streams tell proxies not to buffer or transform them (X-Accel-Buffering: no, Cache-Control: no-transform)', async () => {
  const h = await startHarness();
  try {
    const url = new URL(`${h.api}/api/provisioning/events?access_token=${h.token}`);
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      const req = http.get(url, (res) => {
        resolve(res.headers);
        res.destroy();
      });
      req.on('error', reject);
    });
    assert.equal(headers['content-type'], 'text/event-stream');
    assert.equal(headers['x-accel-buffering'], 'no');
    assert.match(String(headers['cache-control']), /no-transform/);
  } finally {
    await h.close();
  }
});
