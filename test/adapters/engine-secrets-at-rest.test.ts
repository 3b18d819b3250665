/**
 * Engine API keys and secrets are encrypted at rest (AES-256-GCM, src/adapters/engine-secrets.ts,
 * SECURITY.md "Engine credentials at rest"): no table holds them in clear text, provisioning reads
 * them back, a rotated key is still read as PROVISIONER_ENCRYPTION_KEY_PREVIOUS until
 * `provisioner engines reencrypt` has moved every engine to the new one, a wrong key is a typed
 * error naming the engine (never the secret, never a 500), rows from before are encrypted at the
 * next start, and outside demo mode nothing starts with engines but without a key.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { startProvisioner } from '../../src/provisioner.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createAccount } from '../../src/application/accounts.ts';
import { EngineSecrets, keyIdOf, type EncryptionKeys } from '../../src/adapters/engine-secrets.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';
import { createScratchDatabase } from '../support/database.ts';
import { startProvisionerHarness, type ProvisionerHarness } from '../support/harness.ts';
import { startWorker } from '../support/workers.ts';
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { cli } from '../cli/support.ts';

type Scratch = Awaited<ReturnType<typeof createScratchDatabase>>;

let sim: RunningSimulator;
const scratches: Scratch[] = [];
before(async () => {
  sim = await startErpnextSimulator({ port: 0 });
});
after(async () => {
  for (const db of scratches) await db.drop();
  await sim.close();
});

const newKey = () => randomBytes(32);
const keys = (current: Buffer, ...previous: Buffer[]): EncryptionKeys => ({ current, previous });
const b64 = (key: Buffer) => key.toString('base64');

async function scratch(): Promise<Scratch> {
  const db = await createScratchDatabase();
  scratches.push(db);
  return db;
}

/** Provisioner (API and worker, demo account) on `db`, kept at close: the next start finds what this one left. */
const startOn = (db: Scratch, encryptionKeys: EncryptionKeys | null, config: Record<string, unknown> = {}): Promise<ProvisionerHarness> =>
  startProvisionerHarness({ engine: { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret }, config: { encryptionKeys, ...config }, database: { url: db.url, drop: async () => {} } });

async function query<T extends pg.QueryResultRow = any>(db: Scratch, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const stored = async (db: Scratch, id: string) => (await query<{ api_key: string; api_secret: string }>(db, 'select api_key, api_secret from onboarding.engines where id = $1', [id]))[0]!;

/** Every row of every table of the database, as text: what a dump of it would show. */
async function everything(db: Scratch): Promise<string> {
  const tables = await query<{ name: string }>(db, `select format('%I.%I', table_schema, table_name) as name from information_schema.tables where table_schema in ('onboarding', 'public') and table_type = 'BASE TABLE'`);
  const rows = await Promise.all(tables.map((t) => query<{ row: string }>(db, `select to_jsonb(t)::text as row from ${t.name} t`)));
  return rows.flat().map((r) => r.row).join('\n');
}

/** An engine as the simulator answers it, under its own id. */
const registerSimulator = (h: ProvisionerHarness, id: string) => h.call('POST', '/api/engines', { id, kind: 'erpnext', base_url: sim.url, api_key: sim.apiKey, api_secret: sim.apiSecret });
const health = async (h: ProvisionerHarness, id: string) => (await h.call('POST', `/api/engines/${id}/health`)).body.health;
const settled = (h: ProvisionerHarness, tenantId: string) => h.waitForStatus(tenantId, ['COMPLETED', 'PARTIAL', 'FAILED']);

test('an engine registered through the API is stored encrypted: its key and secret are in no table, and the API shows neither', async () => {
  const db = await scratch();
  const h = await startOn(db, keys(newKey()));
  try {
    const apiKey = `key-${randomBytes(8).toString('hex')}`;
    const apiSecret = `secret-${randomBytes(12).toString('hex')}`;
    const res = await h.call('POST', '/api/engines', { id: 'erp-eu', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: apiKey, api_secret: apiSecret });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.engine.api_key_set, true);

    const row = await stored(db, 'erp-eu');
    assert.match(row.api_key, /^enc:v1:[0-9a-f]{16}:/);
    assert.match(row.api_secret, /^enc:v1:[0-9a-f]{16}:/);
    const dump = await everything(db);
    assert.ok(!dump.includes(apiKey) && !dump.includes(apiSecret), 'no table holds the key or the secret in clear text');
    assert.ok(!dump.includes(sim.apiSecret), "nor the default engine's (ERPNEXT_API_SECRET)");
    // the same secret sealed twice differs (a fresh nonce each time)
    assert.equal((await h.call('POST', '/api/engines', { id: 'erp-eu', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: apiKey, api_secret: apiSecret })).status, 201);
    assert.notEqual((await stored(db, 'erp-eu')).api_secret, row.api_secret);

    const answers = JSON.stringify([(await h.call('GET', '/api/engines')).body, (await h.call('GET', '/api/engines/erp-eu')).body, (await h.call('GET', '/api/audit')).body]);
    assert.ok(!answers.includes(apiSecret) && !answers.includes(apiKey) && !answers.includes('enc:v1:'), 'the API shows neither the secret nor its sealed form');
  } finally {
    await h.close();
  }
});

test('a tenant is provisioned with credentials read back from their encrypted form', async () => {
  const db = await scratch();
  const h = await startOn(db, keys(newKey()));
  try {
    assert.equal((await registerSimulator(h, 'sealed')).status, 201);
    assert.match((await stored(db, 'sealed')).api_secret, /^enc:v1:/);
    const created = await h.createTenant({ name: 'Sealed Shop', country_code: 'KE', engine_id: 'sealed' });
    assert.equal((await settled(h, created.tenant.id)).status, 'COMPLETED');
    assert.equal((await health(h, 'sealed')).authenticated, true);
  } finally {
    await h.close();
  }
});

test('rotation: with the old key as previous the engines still work; engines reencrypt moves them to the new key, after which the old one can go', async () => {
  const db = await scratch();
  const [oldKey, newKeyOfRotation] = [newKey(), newKey()];
  let h = await startOn(db, keys(oldKey));
  assert.equal((await registerSimulator(h, 'rotating')).status, 201);
  await h.close();
  assert.equal((await stored(db, 'rotating')).api_secret.split(':')[2], keyIdOf(oldKey));

  // the new key, the old one still read
  h = await startOn(db, keys(newKeyOfRotation, oldKey));
  try {
    assert.equal((await health(h, 'rotating')).authenticated, true, 'read with the previous key');
    const before = await h.createTenant({ name: 'Mid Rotation Shop', country_code: 'KE', engine_id: 'rotating' });
    assert.equal((await settled(h, before.tenant.id)).status, 'COMPLETED');

    // while the server runs: one engine per statement, each a compare-and-set
    const env = { DATABASE_URL: db.url, PROVISIONER_ENCRYPTION_KEY: b64(newKeyOfRotation), PROVISIONER_ENCRYPTION_KEY_PREVIOUS: b64(oldKey), LOG_LEVEL: 'warn' };
    const first = await cli(['engines', 'reencrypt'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^re-encrypted engine rotating with key ${keyIdOf(newKeyOfRotation)}$`, 'm'));
    assert.ok(!`${first.stdout}${first.stderr}`.includes(sim.apiSecret), 'the command never prints a secret');
    const rows = await query<{ id: string; api_key: string; api_secret: string }>(db, 'select id, api_key, api_secret from onboarding.engines');
    for (const row of rows) for (const value of [row.api_key, row.api_secret]) assert.equal(value.split(':')[2], keyIdOf(newKeyOfRotation), row.id);
    // run again (after a kill, say): nothing left to do
    const again = await cli(['engines', 'reencrypt'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^0 re-encrypted, 2 already with key [0-9a-f]{16}, 0 not readable$/m);
  } finally {
    await h.close();
  }

  // the old key dropped
  h = await startOn(db, keys(newKeyOfRotation));
  try {
    assert.equal((await health(h, 'rotating')).authenticated, true);
  } finally {
    await h.close();
  }
});

test('a wrong key is ENGINE_SECRETS_UNREADABLE naming the engine: in health, readiness, a start and a worker\'s run, never a 500 or the secret', async () => {
  const db = await scratch();
  const [rightKey, wrongKey] = [newKey(), newKey()];
  let h = await startOn(db, keys(rightKey));
  assert.equal((await registerSimulator(h, 'locked')).status, 201);
  await h.close();

  h = await startOn(db, keys(wrongKey));
  try {
    const check = await h.call('POST', '/api/engines/locked/health');
    assert.equal(check.status, 200);
    assert.equal(check.body.health.authenticated, false);
    assert.equal(check.body.health.code, 'ENGINE_SECRETS_UNREADABLE');
    assert.match(check.body.health.hint, /PROVISIONER_ENCRYPTION_KEY_PREVIOUS/);

    const ready = await h.call('GET', '/api/ready');
    const engine = ready.body.engines.find((e: any) => e.id === 'locked');
    assert.equal(engine.code, 'ENGINE_SECRETS_UNREADABLE');
    assert.equal(engine.supported, true);

    const created = await h.call('POST', '/api/tenants', { name: 'Locked Shop', country_code: 'KE', engine_id: 'locked', provisioning: { auto_start: false } });
    assert.equal(created.status, 201);
    const start = await h.call('POST', `/api/provisioning/tenants/${created.body.tenant.id}/start`, {});
    assert.equal(start.status, 503);
    assert.equal(start.body.code, 'ENGINE_SECRETS_UNREADABLE');
    assert.match(start.body.detail, /engine "locked"/);
    assert.match(start.body.detail, new RegExp(`key ${keyIdOf(rightKey)}`), 'says which key the engine needs');
    const said = JSON.stringify([check.body, ready.body, start.body]);
    assert.ok(!said.includes(sim.apiSecret) && !said.includes(sim.apiKey), 'never the secret');
  } finally {
    await h.close();
  }

  // an API with the right key, a worker with a wrong one (a process restarted without the new key)
  h = await startOn(db, keys(rightKey), { workerInProcess: false });
  const worker = startWorker(h, { engineSecrets: new EngineSecrets(keys(wrongKey)) });
  try {
    const created = await h.createTenant({ name: 'Wrong Worker Shop', country_code: 'KE', engine_id: 'locked' });
    const status = await settled(h, created.tenant.id);
    assert.equal(status.status, 'FAILED');
    assert.equal(status.errors[0].step, 'step_0_engine_check');
    assert.equal(status.errors[0].code, 'ENGINE_SECRETS_UNREADABLE');
    assert.match(status.errors[0].error, /engine "locked"/);
  } finally {
    await worker.stop();
    await h.close();
  }
});

test('engine rows stored in clear text before this version are encrypted at the next start, and still work', async () => {
  const db = await scratch();
  const key = newKey();
  let h = await startOn(db, keys(key));
  await h.close();
  // as the code before encryption wrote them
  await query(db, `insert into onboarding.engines (id, kind, base_url, api_key, api_secret) values ('legacy', 'erpnext', $1, $2, $3)`, [sim.url, sim.apiKey, sim.apiSecret]);

  h = await startOn(db, keys(key));
  try {
    const row = await stored(db, 'legacy');
    assert.equal(row.api_key.split(':')[2], keyIdOf(key));
    assert.equal(row.api_secret.split(':')[2], keyIdOf(key));
    assert.ok(!(await everything(db)).includes(sim.apiSecret));
    assert.equal((await health(h, 'legacy')).authenticated, true);
  } finally {
    await h.close();
  }
});

test('outside demo mode, serve and worker refuse to start without a key while engines exist (exit 3, ENCRYPTION_KEY_MISSING); with none, an engine cannot be registered', async () => {
  const db = await scratch();
  const silent = createLogger({ level: 'silent' });
  const settings = { DATABASE_URL: db.url, PROVISIONER_JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1' };

  // no engine yet: starts, and registering one is refused rather than stored in clear text
  const keyless = await startProvisioner(loadConfig(settings), silent);
  try {
    await createAccount(keyless.db.store, { email: 'ops@example.com', password: 'keyless-Passw0rd-long', role: 'platform_admin', tenantId: null }, null);
    const login = await fetch(`${keyless.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'keyless-Passw0rd-long' }) });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const res = await fetch(`${keyless.url}/api/engines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ id: 'erp-eu', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: 'k', api_secret: 'clear-secret-never-stored' }),
    });
    const body = (await res.json()) as { code: string; hint: string };
    assert.equal(res.status, 503);
    assert.equal(body.code, 'ENCRYPTION_KEY_MISSING');
    assert.match(body.hint, /openssl rand -base64 32/);
    assert.equal((await query(db, 'select count(*)::int as n from onboarding.engines'))[0]!.n, 0);
  } finally {
    await keyless.close();
  }

  const h = await startOn(db, keys(newKey()));
  await h.close();
  await assert.rejects(startProvisioner(loadConfig(settings), silent), (e: any) => e.code === 'ENCRYPTION_KEY_MISSING' && /1 engine is registered/.test(e.message));
  for (const command of ['serve', 'worker']) {
    const refused = await cli([command], { ...settings, PROVISIONER_ENCRYPTION_KEY: undefined });
    assert.equal(refused.code, 3, `${command}: ${refused.stderr}`);
    assert.match(refused.stderr, /^error \[ENCRYPTION_KEY_MISSING\]: PROVISIONER_ENCRYPTION_KEY is not set, and 1 engine is registered/m);
    assert.match(refused.stderr, /^hint: Make a key with `openssl rand -base64 32`/m);
  }
});

test('keys are 32 random bytes, from the variable or a file; weak, short or ambiguous ones stop the start with ENCRYPTION_KEY_INVALID', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'provisioner-keys-'));
  try {
    const base = { DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_JWT_SECRET: TEST_JWT_SECRET };
    const key = newKey();
    assert.equal(loadConfig(base).encryptionKeys, null, 'outside demo mode there is no key unless one is set');
    assert.deepEqual(loadConfig({ ...base, PROVISIONER_ENCRYPTION_KEY: key.toString('hex') }).encryptionKeys, keys(key));
    assert.deepEqual(loadConfig({ ...base, PROVISIONER_ENCRYPTION_KEY: key.toString('base64url') }).encryptionKeys, keys(key));
    const file = path.join(dir, 'key');
    await writeFile(file, `${b64(key)}\n`, { mode: 0o600 });
    const old = newKey();
    assert.deepEqual(loadConfig({ ...base, PROVISIONER_ENCRYPTION_KEY_FILE: file, PROVISIONER_ENCRYPTION_KEY_PREVIOUS: b64(old) }).encryptionKeys, keys(key, old));

    const refused: Array<[Record<string, string>, RegExp]> = [
      [{ PROVISIONER_ENCRYPTION_KEY: 'too-short' }, /is not a 32-byte key/],
      [{ PROVISIONER_ENCRYPTION_KEY: Buffer.from('changeme-changeme-changeme-chang').toString('base64') }, /too weak: .*printable text/],
      [{ PROVISIONER_ENCRYPTION_KEY: 'ab'.repeat(32) }, /too weak: .*repeat/],
      [{ PROVISIONER_ENCRYPTION_KEY: b64(key), PROVISIONER_ENCRYPTION_KEY_FILE: file }, /both set/],
      [{ PROVISIONER_ENCRYPTION_KEY_FILE: path.join(dir, 'missing') }, /cannot be read \(ENOENT\)/],
      [{ PROVISIONER_ENCRYPTION_KEY_PREVIOUS: b64(old) }, /PREVIOUS is set without PROVISIONER_ENCRYPTION_KEY/],
      [{ PROVISIONER_ENCRYPTION_KEY: b64(key), PROVISIONER_ENCRYPTION_KEY_PREVIOUS: 'nope' }, /PREVIOUS \(key 1\) is not a 32-byte key/],
    ];
    for (const [env, message] of refused) assert.throws(() => loadConfig({ ...base, ...env }), (e: any) => e.code === 'ENCRYPTION_KEY_INVALID' && message.test(e.message), JSON.stringify(env));

    const bad = await cli(['migrate'], { DATABASE_URL: 'postgres://p@127.0.0.1:1/none', PROVISIONER_ENCRYPTION_KEY: 'ab'.repeat(32) });
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /^error \[ENCRYPTION_KEY_INVALID\]: PROVISIONER_ENCRYPTION_KEY is too weak/m);
    assert.ok(!bad.stderr.includes('ab'.repeat(32)), 'the key is never printed');

    // demo mode: made once, kept in the data folder for the owner only, the same at every start
    const demo = { PROVISIONER_DATA_DIR: path.join(dir, 'data') };
    const made = loadConfig(demo).encryptionKeys;
    assert.ok(made);
    assert.equal((await stat(path.join(dir, 'data', 'demo-encryption-key'))).mode & 0o777, 0o600);
    assert.deepEqual(loadConfig(demo).encryptionKeys, made);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
