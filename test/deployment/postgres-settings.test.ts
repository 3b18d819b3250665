/**
 * The PostgreSQL settings docs/operations.md describes, checked on real parts: the pool size and
 * the connections a process opens, session settings given in DATABASE_URL, and what the
 * installed node-postgres does with `sslmode` (against a real TLS endpoint).
 */
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { loadConfig, DEFAULT_DATABASE_POOL, MIN_DATABASE_POOL } from '../../src/config.ts';
import { openDatabase } from '../../src/provisioner.ts';
import { MIGRATION_LOCK } from '../../src/adapters/postgres/migrate.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createScratchDatabase } from '../support/database.ts';
import { startHarness } from '../support/harness.ts';

const env = { DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_JWT_SECRET: TEST_JWT_SECRET };

test('DATABASE_POOL_MAX defaults to 10 and may not go below 5 (a worker holds up to 4 connections for tenant locks)', () => {
  assert.equal(loadConfig(env).databasePoolMax, DEFAULT_DATABASE_POOL);
  assert.equal(DEFAULT_DATABASE_POOL, 10);
  assert.equal(loadConfig({ ...env, DATABASE_POOL_MAX: '25' }).databasePoolMax, 25);
  assert.throws(() => loadConfig({ ...env, DATABASE_POOL_MAX: String(MIN_DATABASE_POOL - 1) }), (e: any) => e.code === 'CONFIG_INVALID' && /DATABASE_POOL_MAX/.test(e.message) && /tenant lock/.test(e.hint));
});

test('an API process with its worker opens at most DATABASE_POOL_MAX pooled connections plus three LISTEN connections', async () => {
  const h = await startHarness({ config: { databasePoolMax: 5 } });
  const database = new URL(h.provisioner.db.url).pathname.slice(1);
  const observer = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await observer.connect();
  try {
    // enough concurrent requests to want more connections than the pool may open
    const answers = await Promise.all(Array.from({ length: 40 }, () => h.call('GET', '/api/tenants')));
    assert.ok(answers.every((a) => a.status === 200));
    assert.ok(h.provisioner.db.pool.totalCount <= 5, `pool: ${h.provisioner.db.pool.totalCount}`);
    // the LISTEN connections open in the background after the start: wait until all are there
    let by: Record<string, number> = {};
    for (let tries = 0; tries < 500 && !(by['provisioner-event-feed'] && by['provisioner-token-states'] && by['provisioner-worker'] && by['provisioner-webhooks']); tries++) {
      const { rows } = await observer.query<{ application_name: string; n: number }>(
        'select application_name, count(*)::int as n from pg_stat_activity where datname = $1 group by 1 order by 1',
        [database],
      );
      by = Object.fromEntries(rows.map((r) => [r.application_name, r.n]));
    }
    const pooled = by.provisioner ?? 0;
    assert.ok(pooled >= 1 && pooled <= 5, JSON.stringify(by));
    assert.equal(by['provisioner-event-feed'], 1, JSON.stringify(by));
    assert.equal(by['provisioner-token-states'], 1, JSON.stringify(by));
    assert.equal(by['provisioner-worker'], 1, JSON.stringify(by));
    assert.equal(by['provisioner-webhooks'], 1, JSON.stringify(by));
    assert.deepEqual(Object.keys(by).sort(), ['provisioner', 'provisioner-event-feed', 'provisioner-token-states', 'provisioner-webhooks', 'provisioner-worker']);
  } finally {
    await observer.end();
    await h.close();
  }
});

test('statement_timeout, lock_timeout and application_name given in DATABASE_URL apply to the pool', async () => {
  const db = await createScratchDatabase();
  const url = new URL(db.url);
  url.searchParams.set('statement_timeout', '30000');
  url.searchParams.set('lock_timeout', '5000');
  url.searchParams.set('application_name', 'provisioner-eu1');
  const opened = await openDatabase({ databaseUrl: url.toString(), dataDir: '.data/test', embeddedPgPort: 0, databasePoolMax: 5, allowNewerSchema: false }, createLogger({ level: 'silent' }));
  try {
    const { rows } = await opened.pool.query(`select current_setting('statement_timeout') as st, current_setting('lock_timeout') as lt, current_setting('application_name') as app`);
    assert.deepEqual(rows[0], { st: '30s', lt: '5s', app: 'provisioner-eu1' });
  } finally {
    await opened.close();
    await db.drop();
  }
});

test('a start that waits for another process\'s migrations longer than the statement_timeout and lock_timeout of DATABASE_URL still starts', async () => {
  const db = await createScratchDatabase();
  const url = new URL(db.url);
  url.searchParams.set('statement_timeout', '300');
  url.searchParams.set('lock_timeout', '300');
  url.searchParams.set('application_name', 'provisioner-waiting');
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  try {
    // another process is migrating
    await other.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const opening = openDatabase({ databaseUrl: url.toString(), dataDir: '.data/test', embeddedPgPort: 0, databasePoolMax: 5, allowNewerSchema: false }, createLogger({ level: 'silent' }));
    let settled = false;
    opening.then(
      () => (settled = true),
      () => (settled = true),
    );
    // until the start has been asking for the lock (it tries, then tries again: migrate.ts) on a
    // session open well past both timeouts, as the server sees it (or gave up)
    while (!settled) {
      const { rows } = await other.query(
        `select count(*)::int as n from pg_stat_activity where application_name = 'provisioner-waiting' and query like '%pg_try_advisory_lock%' and now() - backend_start > interval '1 second'`,
      );
      if (rows[0].n === 1) break;
    }
    await other.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    const opened = await opening;
    const { rows } = await opened.pool.query(`select current_setting('statement_timeout') as st, current_setting('lock_timeout') as lt`);
    assert.deepEqual(rows[0], { st: '300ms', lt: '300ms' }, 'the session settings are back once migrated');
    await opened.close();
  } finally {
    await other.end();
    await db.drop();
  }
});

// ---- TLS: what node-postgres 8 does with sslmode -------------------------------------------

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const certDir = mkdtempSync(path.join(tmpdir(), 'provisioner-pg-tls-'));
after(() => rmSync(certDir, { recursive: true, force: true }));

/** A self-signed certificate for DNS name localhost (not for the address 127.0.0.1). */
function certificate(): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(certDir, 'server.key');
  const certFile = path.join(certDir, 'server.crt');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/**
 * The start of PostgreSQL's protocol, enough to see what a client does: it answers an SSLRequest
 * with 'S' and completes the TLS handshake (then closes), and records a plain StartupMessage.
 */
async function tlsEndpoint(key: string, cert: string, opts: { refuseTls?: boolean } = {}) {
  const seen: Array<'plain' | 'tls' | 'refused'> = [];
  const server = net.createServer((socket) => {
    socket.once('data', (first) => {
      // SSLRequest: length 8, code 80877103
      if (first.length === 8 && first.readInt32BE(4) === 80877103 && opts.refuseTls) {
        // a server without TLS answers 'N'; the client may go on in plain text on this socket
        seen.push('refused');
        socket.write('N');
        socket.once('data', () => {
          seen.push('plain');
          socket.destroy();
        });
      } else if (first.length === 8 && first.readInt32BE(4) === 80877103) {
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
        secure.on('secure', () => {
          seen.push('tls');
          secure.destroy();
        });
        secure.on('error', () => secure.destroy());
      } else {
        seen.push('plain');
        socket.destroy();
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Connects with this URL; answers how the attempt ended (the endpoint never completes a login). */
async function attempt(url: string): Promise<string> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
  client.on('error', () => {});
  try {
    await client.connect();
    return 'connected';
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

test('sslmode in DATABASE_URL: require and verify-ca verify the certificate and host name like verify-full, prefer never falls back to plain text; uselibpqcompat=true&sslmode=require and no-verify encrypt without verifying', { skip: !hasOpenssl && 'openssl is not installed (it makes the test certificate)' }, async () => {
  const { key, cert, certFile } = certificate();
  const endpoint = await tlsEndpoint(key, cert);
  const at = (host: string, query: string) => `postgres://u:p@${host}:${endpoint.port}/db${query}`;
  /** How a connection attempt ended, and whether the endpoint saw plain text or a TLS handshake complete. */
  const outcome = async (url: string) => {
    endpoint.seen.length = 0;
    const result = await attempt(url);
    return { result, seen: endpoint.seen.join(',') };
  };
  try {
    // no sslmode: plain text
    assert.equal((await outcome(at('127.0.0.1', ''))).seen, 'plain');
    // require and verify-ca as verify-full: the certificate must chain to a trusted CA...
    for (const mode of ['require', 'verify-ca', 'verify-full']) {
      assert.equal((await outcome(at('localhost', `?sslmode=${mode}`))).result, 'DEPTH_ZERO_SELF_SIGNED_CERT', mode);
    }
    // ...and carry the host name: sslrootcert makes it trusted, 127.0.0.1 is not a name it carries
    for (const mode of ['require', 'verify-ca', 'verify-full']) {
      assert.equal((await outcome(at('127.0.0.1', `?sslmode=${mode}&sslrootcert=${certFile}`))).result, 'ERR_TLS_CERT_ALTNAME_INVALID', mode);
      assert.equal((await outcome(at('localhost', `?sslmode=${mode}&sslrootcert=${certFile}`))).seen, 'tls', `${mode} with sslrootcert and the certificate's host name`);
    }
    // libpq's meaning of require (encrypt, verify nothing), and node-postgres's own no-verify
    for (const query of ['?uselibpqcompat=true&sslmode=require', '?sslmode=no-verify']) {
      assert.equal((await outcome(at('127.0.0.1', query))).seen, 'tls', query);
    }
    // libpq's verify-ca: the chain is checked, the host name is not
    assert.equal((await outcome(at('127.0.0.1', `?uselibpqcompat=true&sslmode=verify-ca&sslrootcert=${certFile}`))).seen, 'tls');
    assert.match((await outcome(at('127.0.0.1', '?uselibpqcompat=true&sslmode=verify-ca'))).result, /^refused: .*requires specifying a CA with sslrootcert/);
  } finally {
    await endpoint.close();
  }
  // prefer: no fallback to plain text when the server has no TLS
  const plainOnly = await tlsEndpoint(key, cert, { refuseTls: true });
  try {
    for (const query of ['?sslmode=prefer', '?uselibpqcompat=true&sslmode=prefer']) {
      plainOnly.seen.length = 0;
      assert.match(await attempt(`postgres://u:p@127.0.0.1:${plainOnly.port}/db${query}`), /does not support SSL/, query);
      assert.deepEqual(plainOnly.seen, ['refused'], query);
    }
  } finally {
    await plainOnly.close();
  }
});
