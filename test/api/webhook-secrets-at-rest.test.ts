/**
 * Webhook signing secrets are encrypted at rest like engine credentials (src/adapters/engine-secrets.ts,
 * SECURITY.md "Engine credentials at rest"): the webhooks table holds no clear secret, the
 * deliverer opens it only to sign, `provisioner engines reencrypt` moves webhooks to a new key too,
 * clear-text rows from before are sealed at the next start, a secret that does not open fails the
 * delivery with WEBHOOK_SECRET_UNREADABLE in its log, and without a key a webhook is refused (503).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { startProvisioner } from '../../src/provisioner.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createAccount } from '../../src/application/accounts.ts';
import { keyIdOf, type EncryptionKeys } from '../../src/adapters/engine-secrets.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';
import { createScratchDatabase } from '../support/database.ts';
import { startProvisionerHarness, type ProvisionerHarness } from '../support/harness.ts';
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { cli } from '../cli/support.ts';
import { signedWith } from '../support/webhook-receiver.ts';

type Scratch = Awaited<ReturnType<typeof createScratchDatabase>>;

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

/** A real receiver on 127.0.0.1 (as in test/api/webhooks.test.ts): records every request, answers 200. */
let server: Server;
let receiverUrl = '';
const received: Received[] = [];
let sim: RunningSimulator;
const scratches: Scratch[] = [];
before(async () => {
  sim = await startErpnextSimulator({ port: 0 });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, raw: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(async () => {
  for (const db of scratches) await db.drop();
  await sim.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function signatureValid(header: string, raw: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${raw}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const newKey = () => randomBytes(32);
const keys = (current: Buffer, ...previous: Buffer[]): EncryptionKeys => ({ current, previous });
const b64 = (key: Buffer) => key.toString('base64');

async function scratch(): Promise<Scratch> {
  const db = await createScratchDatabase();
  scratches.push(db);
  return db;
}

/** Provisioner (API, worker and deliverer) on `db`, kept at close: the next start finds what this one left. */
const startOn = (db: Scratch, encryptionKeys: EncryptionKeys | null): Promise<ProvisionerHarness> =>
  startProvisionerHarness({ engine: { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret }, config: { encryptionKeys }, database: { url: db.url, drop: async () => {} } });

async function query<T extends pg.QueryResultRow = any>(db: Scratch, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const storedSecret = async (db: Scratch, id: string) => (await query<{ secret: string }>(db, 'select secret from onboarding.webhooks where id = $1', [id]))[0]!.secret;
const secretOf = (label: string) => `whsec_${label}_${randomBytes(12).toString('hex')}`;

async function createWebhook(h: ProvisionerHarness, path: string, secret: string): Promise<{ id: string }> {
  const res = await h.call('POST', '/api/webhooks', { url: `${receiverUrl}${path}`, events: ['run.completed'], secret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.webhook;
}

/** Queues a ping and waits (on the delivery log, not a timer) until it is delivered or has failed once. */
async function ping(h: ProvisionerHarness, webhookId: string): Promise<any> {
  const queued = await h.call('POST', `/api/webhooks/${webhookId}/test`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await h.call('GET', `/api/webhooks/${webhookId}/deliveries`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.deliveries.find((x: any) => x.id === queued.body.delivery.id);
    if (d && (d.state !== 'pending' || (d.attempts > 0 && d.last_error))) return d;
    await sleep(50);
  }
  throw new Error('the ping was never attempted');
}

/** The ping's POST, checked against the clear secret. */
function assertSigned(path: string, deliveryId: string, secret: string): void {
  const got = received.filter((r) => r.path === path && r.headers['x-provisioner-delivery'] === deliveryId);
  assert.equal(got.length, 1);
  assert.ok(signatureValid(String(got[0]!.headers['x-provisioner-signature']), got[0]!.raw, secret), 'the signature verifies with the secret given at creation');
}

test('a webhook created through the API is stored sealed (no clear secret in the table), and its deliveries are signed with the secret given', async () => {
  const db = await scratch();
  const key = newKey();
  const h = await startOn(db, keys(key));
  try {
    const secret = secretOf('sealed');
    const hook = await createWebhook(h, '/sealed', secret);
    const stored = await storedSecret(db, hook.id);
    assert.ok(!stored.includes(secret), 'no clear secret in the row');
    assert.match(stored, new RegExp(`^enc:v1:${keyIdOf(key)}:`));
    const dump = (await query<{ row: string }>(db, 'select to_jsonb(w)::text as row from onboarding.webhooks w')).map((r) => r.row).join('\n');
    assert.ok(!dump.includes(secret));
    const listed = await h.call('GET', '/api/webhooks');
    assert.ok(!JSON.stringify(listed.body).includes(secret) && !JSON.stringify(listed.body).includes(stored), 'the API shows neither the secret nor its envelope');

    const d = await ping(h, hook.id);
    assert.equal(d.state, 'delivered', JSON.stringify(d));
    assertSigned('/sealed', d.id, secret);
  } finally {
    await h.close();
  }
});

test('rotation: engines reencrypt also moves webhook secrets to the new key, one per statement; deliveries still verify, with the old key dropped', async () => {
  const db = await scratch();
  const [oldKey, newKeyOfRotation] = [newKey(), newKey()];
  const secret = secretOf('rotating');
  let h = await startOn(db, keys(oldKey));
  const hook = await createWebhook(h, '/rotating', secret);
  await h.close();
  assert.equal((await storedSecret(db, hook.id)).split(':')[2], keyIdOf(oldKey));

  const env = { DATABASE_URL: db.url, PROVISIONER_ENCRYPTION_KEY: b64(newKeyOfRotation), PROVISIONER_ENCRYPTION_KEY_PREVIOUS: b64(oldKey), LOG_LEVEL: 'warn' };
  const first = await cli(['engines', 'reencrypt'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^re-encrypted webhook ${hook.id} with key ${keyIdOf(newKeyOfRotation)}$`, 'm'));
  assert.ok(!`${first.stdout}${first.stderr}`.includes(secret), 'the command never prints a secret');
  assert.equal((await storedSecret(db, hook.id)).split(':')[2], keyIdOf(newKeyOfRotation));
  const again = await cli(['engines', 'reencrypt'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^webhooks: 0 re-encrypted, 1 already with key [0-9a-f]{16}, 0 not readable$/m);

  // the old key dropped
  h = await startOn(db, keys(newKeyOfRotation));
  try {
    const d = await ping(h, hook.id);
    assert.equal(d.state, 'delivered', JSON.stringify(d));
    assertSigned('/rotating', d.id, secret);
  } finally {
    await h.close();
  }
});

test('webhook rows stored in clear text before this version are sealed at the next start, and their deliveries still verify', async () => {
  const db = await scratch();
  const key = newKey();
  let h = await startOn(db, keys(key));
  await h.close();
  const secret = secretOf('legacy');
  // as the code before encryption wrote them
  const [{ id }] = (await query<{ id: string }>(db, `insert into onboarding.webhooks (url, events, secret) values ($1, '{run.completed}', $2) returning id`, [`${receiverUrl}/legacy`, secret])) as [{ id: string }];

  h = await startOn(db, keys(key));
  try {
    const stored = await storedSecret(db, id);
    assert.match(stored, new RegExp(`^enc:v1:${keyIdOf(key)}:`));
    assert.ok(!stored.includes(secret));
    const d = await ping(h, id);
    assert.equal(d.state, 'delivered', JSON.stringify(d));
    assertSigned('/legacy', d.id, secret);
  } finally {
    await h.close();
  }
});

test('a secret this process cannot open fails the delivery with WEBHOOK_SECRET_UNREADABLE in its log, naming the webhook, never the secret; nothing is sent', async () => {
  const db = await scratch();
  const secret = secretOf('lost');
  let h = await startOn(db, keys(newKey()));
  const hook = await createWebhook(h, '/lost', secret);
  await h.close();

  h = await startOn(db, keys(newKey()));
  try {
    const d = await ping(h, hook.id);
    assert.notEqual(d.state, 'delivered');
    assert.match(d.last_error, /^WEBHOOK_SECRET_UNREADABLE: /);
    assert.ok(d.last_error.includes(hook.id), d.last_error);
    assert.ok(!d.last_error.includes(secret));
    assert.equal(received.filter((r) => r.path === '/lost').length, 0, 'nothing unsigned is sent');
    assert.equal((await h.call('GET', '/api/webhooks')).status, 200, 'the API still answers');
  } finally {
    await h.close();
  }
});

test('outside demo mode without a key, creating a webhook answers 503 ENCRYPTION_KEY_MISSING and stores nothing', async () => {
  const db = await scratch();
  const settings = { DATABASE_URL: db.url, PROVISIONER_JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1' };
  const keyless = await startProvisioner(loadConfig(settings), createLogger({ level: 'silent' }));
  try {
    await createAccount(keyless.db.store, { email: 'ops@example.com', password: 'keyless-Passw0rd-long', role: 'platform_admin', tenantId: null }, null);
    const login = await fetch(`${keyless.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'keyless-Passw0rd-long' }) });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const secret = secretOf('keyless');
    const res = await fetch(`${keyless.url}/api/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ url: 'https://hooks.example.com/provisioner', events: ['run.completed'], secret }),
    });
    const text = await res.text();
    assert.equal(res.status, 503, text);
    const body = JSON.parse(text) as { code: string; hint: string; detail?: string };
    assert.equal(body.code, 'ENCRYPTION_KEY_MISSING');
    assert.match(body.hint, /openssl rand -base64 32/);
    assert.ok(!text.includes(secret));
    assert.equal((await query(db, 'select count(*)::int as n from onboarding.webhooks'))[0]!.n, 0);
  } finally {
    await keyless.close();
  }
});

test('rotation during a secret overlap: engines reencrypt moves the previous secret to the new key too, and both signatures still verify with the old key dropped', async () => {
  const db = await scratch();
  const [oldKey, newKeyOfRotation] = [newKey(), newKey()];
  const [oldSecret, newSecret] = [secretOf('before-change'), secretOf('after-change')];
  let h = await startOn(db, keys(oldKey));
  const hook = await createWebhook(h, '/overlapping', oldSecret);
  assert.equal((await h.call('PATCH', `/api/webhooks/${hook.id}`, { secret: newSecret })).status, 200);
  await h.close();
  const previousOf = async () => (await query<{ previous_secret: string }>(db, 'select previous_secret from onboarding.webhooks where id = $1', [hook.id]))[0]!.previous_secret;
  assert.equal((await previousOf()).split(':')[2], keyIdOf(oldKey));

  const env = { DATABASE_URL: db.url, PROVISIONER_ENCRYPTION_KEY: b64(newKeyOfRotation), PROVISIONER_ENCRYPTION_KEY_PREVIOUS: b64(oldKey), LOG_LEVEL: 'warn' };
  const done = await cli(['engines', 'reencrypt'], env);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, new RegExp(`^re-encrypted webhook ${hook.id} with key ${keyIdOf(newKeyOfRotation)}$`, 'm'));
  assert.ok(!`${done.stdout}${done.stderr}`.includes(oldSecret) && !`${done.stdout}${done.stderr}`.includes(newSecret));
  assert.equal((await storedSecret(db, hook.id)).split(':')[2], keyIdOf(newKeyOfRotation));
  assert.equal((await previousOf()).split(':')[2], keyIdOf(newKeyOfRotation));

  // the old key dropped
  h = await startOn(db, keys(newKeyOfRotation));
  try {
    const d = await ping(h, hook.id);
    assert.equal(d.state, 'delivered', JSON.stringify(d));
    const got = received.find((r) => r.path === '/overlapping' && r.headers['x-provisioner-delivery'] === d.id)!;
    const header = String(got.headers['x-provisioner-signature']);
    assert.ok(signedWith(header, got.raw, newSecret, 0) && signedWith(header, got.raw, oldSecret, 1), header);
  } finally {
    await h.close();
  }
});
