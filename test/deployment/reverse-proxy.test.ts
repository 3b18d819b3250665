/**
 * Behind a reverse proxy (docs/operations.md, "TLS behind a reverse proxy"): the API speaks plain
 * HTTP, believes X-Forwarded-* only from the proxies TRUST_PROXY names, and marks its event
 * streams so that proxies pass them through unbuffered.
 */
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, watch } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const env = { DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_JWT_SECRET: TEST_JWT_SECRET };

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

// ---- the configurations of docs/operations.md, run as written ------------------------------

const onPath = (program: string, ...args: string[]) => spawnSync(program, args).status === 0;
const hasNginx = onPath('nginx', '-v');
const hasCaddy = onPath('caddy', 'version');
const hasOpenssl = onPath('openssl', 'version');

/** The first ```lang block of docs/operations.md's reverse-proxy section. */
function configBlock(lang: string): string {
  const docs = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const section = docs.slice(docs.indexOf('## TLS behind a reverse proxy'));
  const block = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  assert.ok(block, `a ${lang} block`);
  return block[1]!;
}

/** Replaces each [from, to]; every `from` must be in the text (the docs still say it). */
function substitute(text: string, pairs: Array<[string, string]>): string {
  return pairs.reduce((t, [from, to]) => {
    assert.ok(t.includes(from), `the configuration has "${from}"`);
    return t.replaceAll(from, to);
  }, text);
}


/** Resolves once something accepts connections on the port (the proxy has started). */
async function listening(port: number, proxy: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (proxy.exitCode !== null) throw new Error(`the proxy exited (${proxy.exitCode}):\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
  }
}

/** The file's text once it matches (it is watched for changes). */
async function fileMatching(file: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  let changed = true;
  let wake: () => void = () => {};
  let timedOut = false;
  const watcher = watch(file, () => ((changed = true), wake()));
  const deadline = setTimeout(() => ((timedOut = true), wake()), timeoutMs);
  try {
    for (;;) {
      // a change that comes while the file is read is seen on the next turn
      changed = false;
      const text = readFileSync(file, 'utf8');
      if (pattern.test(text)) return text;
      if (!changed) await new Promise<void>((resolve) => (wake = resolve));
      if (timedOut) throw new Error(`${file} never matched ${pattern}:\n${readFileSync(file, 'utf8')}`);
    }
  } finally {
    clearTimeout(deadline);
    watcher.close();
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** What came so far; resolves once it matches. */
  received(pattern: RegExp): Promise<string>;
  close(): void;
}

/** A request through the proxy whose answer may be a stream. */
function request(url: string, opts: { headers?: Record<string, string>; ca?: string } = {}): Promise<Answer> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      { host: '127.0.0.1', port: target.port, path: target.pathname + target.search, headers: { host: 'provisioner.example.com', ...opts.headers }, ca: opts.ca, servername: 'provisioner.example.com' },
      (res) => {
        let text = '';
        const waiters: Array<{ pattern: RegExp; resolve: (t: string) => void }> = [];
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          for (const w of [...waiters]) if (w.pattern.test(text)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(text);
        });
        res.on('error', () => {});
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          received: (pattern) =>
            pattern.test(text)
              ? Promise.resolve(text)
              : new Promise((ok, fail) => {
                  const timer = setTimeout(() => fail(new Error(`nothing matching ${pattern} came through the proxy; got:\n${text.slice(-2000)}`)), 20_000);
                  waiters.push({ pattern, resolve: (t) => (clearTimeout(timer), ok(t)) });
                }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A harness trusting the local proxy, with its request log lines kept. */
async function apiBehindProxy() {
  const lines: any[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const h = await startHarness({ config: { trustProxy: loadConfig({ ...env, TRUST_PROXY: '127.0.0.1' }).trustProxy }, logger });
  const logged = (url: string) => lines.find((l) => l.msg === 'incoming request' && l.req?.url === url)?.req;
  return { h, logged, port: new URL(h.api).port };
}

/** Live events through the proxy: the stream opens, and a tenant's provisioning shows up as it happens. */
async function eventsArriveLive(h: Harness, url: string, ca?: string): Promise<void> {
  const stream = await request(`${url}/api/provisioning/events?access_token=${h.token}`, { ca });
  try {
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    await stream.received(/: keep-alive/);
    const { tenant } = await h.createTenant({ name: `Proxy Shop ${Math.random().toString(36).slice(2, 8)}`, country_code: 'KE' });
    await stream.received(new RegExp(`event: tenant_created\\n.*"tenant_id":"${tenant.id}"`));
    await stream.received(/event: step_completed\n/);
    await h.waitForStatus(tenant.id, ['COMPLETED']);
  } finally {
    stream.close();
  }
}

test('nginx, configured as docs/operations.md says: HTTPS in front, HTTP redirected, live events passed on as they come, the client and public host in the API log, no token in its access log', { skip: (!hasNginx && 'nginx is not on the PATH') || (!hasOpenssl && 'openssl is not installed') }, async () => {
  const { h, logged, port } = await apiBehindProxy();
  const dir = await mkdtemp(path.join(tmpdir(), 'provisioner-nginx-'));
  // nginx started as root runs its workers as nobody: they write their temporary files here
  await chmod(dir, 0o777);
  let nginx: ChildProcess | null = null;
  let output = '';
  try {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/privkey.pem`, '-out', `${dir}/fullchain.pem`, '-days', '1', '-subj', '/CN=provisioner.example.com', '-addext', 'subjectAltName=DNS:provisioner.example.com'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const ca = readFileSync(`${dir}/fullchain.pem`, 'utf8');
    const site = substitute(configBlock('nginx'), [
      ['server 127.0.0.1:4000;', `server 127.0.0.1:${port};`],
      ['listen 80;', `listen 127.0.0.1:${httpPort};`],
      ['listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`],
      ['/etc/ssl/provisioner/', `${dir}/`],
      ['/var/log/nginx/provisioner.access.log', `${dir}/access.log`],
    ]);
    await writeFile(`${dir}/provisioner.conf`, site);
    // what /etc/nginx/nginx.conf would give around it, in the temporary folder
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
    await writeFile(`${dir}/nginx.conf`, `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 64; }\nhttp { access_log off; ${temp} include ${dir}/provisioner.conf; }\n`);
    const args = ['-e', `${dir}/error.log`, '-p', dir, '-c', `${dir}/nginx.conf`];
    const checked = spawnSync('nginx', ['-t', ...args], { encoding: 'utf8' });
    assert.equal(checked.status, 0, checked.stderr);
    nginx = spawn('nginx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (c) => (output += c));
    nginx.stderr!.on('data', (c) => (output += c));
    await listening(httpsPort, nginx, () => output);

    const health = await request(`https://127.0.0.1:${httpsPort}/api/health?via=nginx`, { ca, headers: { 'x-forwarded-for': '198.51.100.4' } });
    assert.equal(health.status, 200);
    await health.received(/"status"/);
    // nginx appended its peer (127.0.0.1, trusted): the nearest untrusted address is the client's
    assert.deepEqual({ ...logged('/api/health?via=nginx'), remotePort: undefined }, { method: 'GET', url: '/api/health?via=nginx', host: 'provisioner.example.com', remoteAddress: '198.51.100.4', remotePort: undefined });

    const plain = await request(`http://127.0.0.1:${httpPort}/api/health`);
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.location, 'https://provisioner.example.com/api/health');
    plain.close();

    await eventsArriveLive(h, `https://127.0.0.1:${httpsPort}`, ca);
    // nginx logs the stream once it sees the client gone
    const accessLog = await fileMatching(`${dir}/access.log`, /"GET \/api\/provisioning\/events HTTP\/1\.1" (200|499)/);
    assert.ok(!accessLog.includes(h.token), 'no token in the access log');
  } finally {
    nginx?.kill('SIGTERM');
    if (nginx && nginx.exitCode === null) await new Promise((resolve) => nginx!.once('exit', resolve));
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('Caddy, configured as docs/operations.md says: requests and live events passed on as they come, the public host in the API log', { skip: !hasCaddy && 'caddy is not on the PATH' }, async () => {
  const { h, logged, port } = await apiBehindProxy();
  const dir = await mkdtemp(path.join(tmpdir(), 'provisioner-caddy-'));
  let caddy: ChildProcess | null = null;
  let output = '';
  try {
    const caddyPort = await freePort();
    // plain HTTP on a free port (its certificates would come from an ACME CA); no admin endpoint
    const site = substitute(configBlock('caddyfile'), [
      ['provisioner.example.com {', `{\n\tadmin off\n}\n\nhttp://provisioner.example.com:${caddyPort} {\n\tbind 127.0.0.1`],
      ['reverse_proxy 127.0.0.1:4000', `reverse_proxy 127.0.0.1:${port}`],
    ]);
    await writeFile(`${dir}/Caddyfile`, site);
    caddy = spawn('caddy', ['run', '--config', `${dir}/Caddyfile`, '--adapter', 'caddyfile'], { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    caddy.stdout!.on('data', (c) => (output += c));
    caddy.stderr!.on('data', (c) => (output += c));
    await listening(caddyPort, caddy, () => output);

    const health = await request(`http://127.0.0.1:${caddyPort}/api/health?via=caddy`);
    assert.equal(health.status, 200, output);
    await health.received(/"status"/);
    assert.equal(logged('/api/health?via=caddy')?.host, 'provisioner.example.com');
    await eventsArriveLive(h, `http://127.0.0.1:${caddyPort}`);
  } finally {
    caddy?.kill('SIGTERM');
    if (caddy && caddy.exitCode === null) await new Promise((resolve) => caddy!.once('exit', resolve));
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
