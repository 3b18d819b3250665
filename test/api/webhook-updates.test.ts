/**
 * Changing a webhook (PATCH /api/webhooks/:id, `provisioner webhooks update`): URL, events,
 * enabled and secret, audited without the secret. A new secret does not break the receiver:
 * for the overlap window deliveries carry two v1 signatures, the new one first, and the old
 * secret is sealed at rest like the current one and dropped once the window has passed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHarness, type Harness } from '../support/harness.ts';
import { cli } from '../cli/support.ts';
import { WebhookReceiver, signaturesOf, signedWith } from '../support/webhook-receiver.ts';

const OLD_SECRET = 'whsec_old_0123456789abcdef';
const NEW_SECRET = 'whsec_new_fedcba9876543210';

let h: Harness;
const receiver = new WebhookReceiver();
before(async () => {
  await receiver.start();
  h = await startHarness();
});
after(async () => {
  await h.close();
  await receiver.close();
});

async function createWebhook(p: string, events: string[] = ['run.completed'], secret = OLD_SECRET): Promise<any> {
  const res = await h.call('POST', '/api/webhooks', { url: `${receiver.url}${p}`, events, secret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.webhook;
}

/** A ping through the outbox, and the request the receiver got for it. */
async function ping(hookId: string) {
  const res = await h.call('POST', `/api/webhooks/${hookId}/test`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return receiver.next((r) => r.body.id === res.body.delivery.id);
}

const stored = async (id: string) => (await h.provisioner.db.pool.query(`select * from onboarding.webhooks where id = $1`, [id])).rows[0];

test('PATCH changes the URL, events and enabled of a webhook; each change is audited, with what changed', async () => {
  const hook = await createWebhook('/before');
  const res = await h.call('PATCH', `/api/webhooks/${hook.id}`, { url: `${receiver.url}/after`, events: ['run.failed', 'tenant.drifted'], enabled: false });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(
    { url: res.body.webhook.url, events: res.body.webhook.events, enabled: res.body.webhook.enabled, previous: res.body.webhook.previous_secret_expires_at },
    { url: `${receiver.url}/after`, events: ['run.failed', 'tenant.drifted'], enabled: false, previous: null },
  );
  const listed = (await h.call('GET', '/api/webhooks')).body.webhooks.find((w: any) => w.id === hook.id);
  assert.equal(listed.enabled, false);
  const audit = (await h.call('GET', '/api/audit')).body.entries.find((e: any) => e.action === 'webhook.update' && e.target_id === hook.id);
  assert.ok(audit, 'the change is in the audit log');
  assert.deepEqual(audit.details, { url: `${receiver.url}/after`, events: ['run.failed', 'tenant.drifted'], enabled: false });
});

test('a disabled webhook gets no deliveries; enabled again, it does', async () => {
  const hook = await createWebhook('/switched', ['run.completed']);
  assert.equal((await h.call('PATCH', `/api/webhooks/${hook.id}`, { enabled: false })).status, 200);
  const { tenant } = await h.createTenant({ name: 'Switched Off Shop', country_code: 'KE' });
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  // the run's end and its deliveries are one transaction: none was written for the disabled webhook
  assert.deepEqual((await h.call('GET', `/api/webhooks/${hook.id}/deliveries`)).body.deliveries, []);
  // a ping queued while disabled waits, and goes out once enabled
  const queued = await h.call('POST', `/api/webhooks/${hook.id}/test`);
  assert.equal((await h.call('PATCH', `/api/webhooks/${hook.id}`, { enabled: true })).status, 200);
  const got = await receiver.next((r) => r.body.id === queued.body.delivery.id);
  assert.equal(got.path, '/switched');
});

test('bad changes are refused with stable codes: an internal URL, a short secret, nothing to change, an unknown webhook', async () => {
  const hook = await createWebhook('/refusals');
  const internal = await h.call('PATCH', `/api/webhooks/${hook.id}`, { url: 'https://10.0.0.7/hook' });
  assert.equal(internal.status, 400);
  assert.equal(internal.body.code, 'WEBHOOK_URL_FORBIDDEN');
  const short = await h.call('PATCH', `/api/webhooks/${hook.id}`, { secret: 'short' });
  assert.equal(short.status, 400);
  assert.equal(short.body.code, 'VALIDATION_FAILED');
  const empty = await h.call('PATCH', `/api/webhooks/${hook.id}`, {});
  assert.equal(empty.status, 400);
  assert.equal(empty.body.code, 'VALIDATION_FAILED');
  const unknown = await h.call('PATCH', '/api/webhooks/5b0f3c1e-8d2a-4f6b-9c7e-1a2b3c4d5e6f', { enabled: false });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'WEBHOOK_NOT_FOUND');
  assert.equal((await stored(hook.id)).url, `${receiver.url}/refusals`, 'unchanged');
});

test('after a secret change deliveries carry two v1 signatures, new first, until the overlap ends; then only the new one', async () => {
  const hook = await createWebhook('/rotated');
  const before = await ping(hook.id);
  assert.equal(signaturesOf(String(before.headers['x-provisioner-signature'])).v1.length, 1);

  const res = await h.call('PATCH', `/api/webhooks/${hook.id}`, { secret: NEW_SECRET });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const until = Date.parse(res.body.webhook.previous_secret_expires_at);
  // the default overlap: 24 h
  assert.ok(Math.abs(until - Date.now() - 86_400_000) < 600_000, res.body.webhook.previous_secret_expires_at);

  const during = await ping(hook.id);
  const header = String(during.headers['x-provisioner-signature']);
  assert.match(header, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
  assert.ok(signedWith(header, during.raw, NEW_SECRET, 0), 'the first v1 is the new secret');
  assert.ok(signedWith(header, during.raw, OLD_SECRET, 1), 'the second v1 is the old secret: a receiver not moved yet still verifies');

  // both at rest sealed, each bound to its own column; neither in clear text anywhere in the row
  const row = await stored(hook.id);
  assert.match(row.secret, /^enc:v1:/);
  assert.match(row.previous_secret, /^enc:v1:/);
  assert.ok(!JSON.stringify(row).includes(OLD_SECRET) && !JSON.stringify(row).includes(NEW_SECRET));

  // the overlap has passed (as 24 h later): only the new secret signs, and the old one is dropped
  await h.provisioner.db.pool.query(`update onboarding.webhooks set previous_secret_until = now() - interval '1 second' where id = $1`, [hook.id]);
  const after = await ping(hook.id);
  const single = String(after.headers['x-provisioner-signature']);
  assert.equal(signaturesOf(single).v1.length, 1, single);
  assert.ok(signedWith(single, after.raw, NEW_SECRET));
  await h.provisioner.webhookDeliverer!.keepHouse();
  assert.deepEqual([(await stored(hook.id)).previous_secret, (await stored(hook.id)).previous_secret_until], [null, null]);
  assert.equal((await h.call('GET', '/api/webhooks')).body.webhooks.find((w: any) => w.id === hook.id).previous_secret_expires_at, null);
});

test('the secrets never reach the API or the audit log: the change says only that the secret changed', async () => {
  const hook = await createWebhook('/quiet');
  const res = await h.call('PATCH', `/api/webhooks/${hook.id}`, { secret: NEW_SECRET });
  const texts = [JSON.stringify(res.body), JSON.stringify((await h.call('GET', '/api/webhooks')).body), JSON.stringify((await h.call('GET', '/api/audit')).body)];
  for (const text of texts) assert.ok(!text.includes(NEW_SECRET) && !text.includes(OLD_SECRET), text.slice(0, 300));
  const audit = (await h.call('GET', '/api/audit')).body.entries.find((e: any) => e.action === 'webhook.update' && e.target_id === hook.id);
  assert.deepEqual(audit.details, { url: hook.url, secret_changed: true, previous_secret_expires_at: res.body.webhook.previous_secret_expires_at });
});

test('the CLI rotates a secret (printed once, both signatures while the overlap lasts), takes one from a file, and disables', async () => {
  const hook = await createWebhook('/cli');
  const env = { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token };
  const rotated = await cli(['webhooks', 'update', hook.id, '--rotate-secret'], env);
  assert.equal(rotated.code, 0, rotated.stderr);
  const generated = /New secret \(shown once[^)]*\): (\S+)/.exec(rotated.stdout)?.[1];
  assert.ok(generated, rotated.stdout);
  const got = await ping(hook.id);
  assert.ok(signedWith(String(got.headers['x-provisioner-signature']), got.raw, generated, 0));
  assert.ok(signedWith(String(got.headers['x-provisioner-signature']), got.raw, OLD_SECRET, 1));

  const dir = await mkdtemp(path.join(tmpdir(), 'webhook-secret-'));
  try {
    const file = path.join(dir, 'secret');
    await writeFile(file, `${NEW_SECRET}\n`);
    const fromFile = await cli(['webhooks', 'update', hook.id, '--secret-file', file, '--events', 'run.failed', '--disable'], env);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.ok(!fromFile.stdout.includes(NEW_SECRET), 'a secret from a file is not printed');
    assert.match(fromFile.stdout, /\(disabled\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const listed = await cli(['webhooks', 'list'], env);
  assert.match(listed.stdout, new RegExp(`${hook.id}.*run\\.failed.*disabled`));
  // the file's secret signs first now, the generated one second
  await h.call('PATCH', `/api/webhooks/${hook.id}`, { enabled: true });
  const last = await ping(hook.id);
  assert.ok(signedWith(String(last.headers['x-provisioner-signature']), last.raw, NEW_SECRET, 0));
  assert.ok(signedWith(String(last.headers['x-provisioner-signature']), last.raw, generated, 1));
});
