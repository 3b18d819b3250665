/**
 * Signed webhooks (issue 16 item 3): an event and its deliveries are written together (the
 * outbox), each delivery is POSTed signed and retried until the receiver answers 2xx, URLs
 * follow the engine URL rules, and the secret never comes back.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { cli } from '../cli/support.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../../src/runner/webhook-deliverer.ts';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
  answered: number;
}

/** A real receiver on 127.0.0.1: records every request; `answer` picks each status, by path. */
class Receiver {
  readonly received: Received[] = [];
  readonly answers = new Map<string, number[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        const status = this.answers.get(req.url!)?.shift() ?? 200;
        this.received.push({ path: req.url!, headers: req.headers, raw, body: JSON.parse(raw), answered: status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver error');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What a receiver does: recompute the HMAC of "<t>.<body>" and compare in constant time. */
function signatureValid(header: string, raw: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${raw}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let h: Harness;
const receiver = new Receiver();
before(async () => {
  await receiver.start();
  h = await startHarness();
});
after(async () => {
  await h.close();
  await receiver.close();
});

const SECRET = 'whsec_test_0123456789abcdef';

async function createWebhook(path: string, events: string[], secret = SECRET): Promise<any> {
  const res = await h.call('POST', '/api/webhooks', { url: `${receiver.url}${path}`, events, secret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.webhook;
}

/** Polls the delivery log (a state, not a timer) until `done` holds. */
async function deliveriesUntil(webhookId: string, done: (ds: any[]) => boolean, timeoutMs = 60_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  let last: any[] = [];
  while (Date.now() < deadline) {
    const res = await h.call('GET', `/api/webhooks/${webhookId}/deliveries`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    last = res.body.deliveries;
    if (done(last)) return last;
    await sleep(50);
  }
  throw new Error(`deliveries never matched; last: ${JSON.stringify(last)}`);
}

async function completedTenant(name: string): Promise<string> {
  const { tenant } = await h.createTenant({ name, country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  return tenant.id;
}

test('a completed tenant is announced once per delivery id as run.completed, signed with the secret (HMAC-SHA256 of "t.body")', async () => {
  const hook = await createWebhook('/completed', ['run.completed']);
  const tenantId = await completedTenant('Webhook Shop');
  const [delivery] = await deliveriesUntil(hook.id, (ds) => ds.some((d) => d.tenant_id === tenantId && d.state === 'delivered'));
  assert.equal(delivery.event, 'run.completed');
  assert.equal(delivery.attempts, 1);
  assert.equal(delivery.last_status, 200);

  const got = receiver.at('/completed').filter((r) => r.body.tenant_id === tenantId);
  assert.equal(got.length, 1, 'one POST for one delivery');
  const [r] = got;
  assert.equal(r!.headers['x-provisioner-delivery'], delivery.id);
  assert.equal(r!.headers['content-type'], 'application/json');
  assert.ok(signatureValid(String(r!.headers['x-provisioner-signature']), r!.raw, SECRET), 'the signature verifies with the secret');
  assert.ok(!signatureValid(String(r!.headers['x-provisioner-signature']), r!.raw, 'another secret, 16+ chars'), 'and not with another');
  assert.match(String(r!.headers['x-provisioner-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(r!.body).sort(), ['created_at', 'data', 'event', 'id', 'run_id', 'tenant_id']);
  assert.equal(r!.body.id, delivery.id);
  assert.equal(r!.body.event, 'run.completed');
  assert.equal(r!.body.data.status, 'completed');
  assert.ok(r!.body.run_id, 'the run it announces');
});

test('a webhook gets only the events it asked for: a completed run is not sent to a run.failed webhook', async () => {
  const completedOnly = await createWebhook('/only-completed', ['run.completed']);
  const failedOnly = await createWebhook('/only-failed', ['run.failed']);
  const tenantId = await completedTenant('Selective Shop');
  await deliveriesUntil(completedOnly.id, (ds) => ds.some((d) => d.tenant_id === tenantId && d.state === 'delivered'));
  const failed = (await h.call('GET', `/api/webhooks/${failedOnly.id}/deliveries`)).body.deliveries;
  assert.deepEqual(failed.filter((d: any) => d.tenant_id === tenantId), []);
});

test('a receiver answering 500 twice gets the delivery again until it answers 2xx; the log shows 3 attempts', async () => {
  receiver.answers.set('/flaky', [500, 500]);
  const hook = await createWebhook('/flaky', ['run.completed']);
  const tenantId = await completedTenant('Flaky Receiver Shop');
  const [delivery] = await deliveriesUntil(hook.id, (ds) => ds.some((d) => d.tenant_id === tenantId && d.state === 'delivered'));
  assert.deepEqual({ attempts: delivery.attempts, last_status: delivery.last_status, last_error: delivery.last_error, next_attempt_at: delivery.next_attempt_at }, { attempts: 3, last_status: 200, last_error: null, next_attempt_at: null });
  const got = receiver.at('/flaky').filter((r) => r.body.tenant_id === tenantId);
  assert.deepEqual(got.map((r) => r.answered), [500, 500, 200]);
  assert.deepEqual(new Set(got.map((r) => r.headers['x-provisioner-delivery'])), new Set([delivery.id]), 'every attempt carries the same delivery id');
  for (const r of got) assert.ok(signatureValid(String(r.headers['x-provisioner-signature']), r.raw, SECRET));
});

test('a failed attempt is in the log with its status while the delivery waits for its retry', async () => {
  receiver.answers.set('/down', Array(1000).fill(503));
  const hook = await createWebhook('/down', ['run.completed']);
  const tenantId = await completedTenant('Receiver Down Shop');
  const [d] = await deliveriesUntil(hook.id, (ds) => ds.some((x) => x.tenant_id === tenantId && x.attempts >= 1 && x.last_status === 503));
  assert.equal(d.state, 'pending');
  assert.equal(d.last_error, 'HTTP 503');
  assert.ok(d.next_attempt_at);
  assert.equal(d.delivered_at, null);
  // deleting the webhook stops its retries
  assert.equal((await h.call('DELETE', `/api/webhooks/${hook.id}`)).status, 200);
  assert.equal((await h.call('GET', `/api/webhooks/${hook.id}/deliveries`)).body.code, 'WEBHOOK_NOT_FOUND');
});

test('a delivery still refused WEBHOOK_RETRY_FOR_MS after its event is given up: failed in the log, not retried', async () => {
  const short = await startHarness({ config: { webhooks: { ...DEFAULT_WEBHOOK_POLICY, pollMs: 50, retryBaseMs: 50, retryMaxMs: 100, retryForMs: 300 } } });
  try {
    receiver.answers.set('/gone', Array(1000).fill(410));
    const created = await short.call('POST', '/api/webhooks', { url: `${receiver.url}/gone`, events: ['run.completed'], secret: SECRET });
    const { tenant } = await short.createTenant({ name: 'Given Up Shop', country_code: 'KE' });
    assert.equal((await short.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
    const deadline = Date.now() + 60_000;
    let d: any;
    while (!d || d.state !== 'failed') {
      assert.ok(Date.now() < deadline, JSON.stringify(d));
      [d] = (await short.call('GET', `/api/webhooks/${created.body.webhook.id}/deliveries`)).body.deliveries;
      await sleep(50);
    }
    assert.deepEqual({ last_status: d.last_status, last_error: d.last_error, next_attempt_at: d.next_attempt_at, delivered_at: d.delivered_at }, { last_status: 410, last_error: 'HTTP 410', next_attempt_at: null, delivered_at: null });
    const metrics = await (await fetch(`${short.api}/metrics`)).text();
    assert.match(metrics, /^provisioner_webhook_deliveries\{state="failed"\} 1$/m);
    assert.match(metrics, /^provisioner_webhook_deliveries\{state="pending"\} 0$/m);
    const attempts = receiver.at('/gone').length;
    assert.equal(attempts, d.attempts);
    assert.ok(attempts >= 1);
  } finally {
    await short.close();
  }
});

test('a verification that finds drift is announced as tenant.drifted, with the first broken step', async () => {
  const hook = await createWebhook('/drifted', ['tenant.drifted']);
  const tenantId = await completedTenant('Drift Announced Shop');
  const abbr = (await h.call('GET', `/api/provisioning/tenants/${tenantId}/status`)).body.engine.abbr;
  const deleted = await h.erp('DELETE', `/api/resource/Warehouse/${encodeURIComponent(`POS Store - ${abbr}`)}`);
  assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
  const verified = await h.call('POST', `/api/provisioning/tenants/${tenantId}/verify`);
  assert.equal(verified.body.drifted, true, JSON.stringify(verified.body));
  const [d] = await deliveriesUntil(hook.id, (ds) => ds.some((x) => x.tenant_id === tenantId && x.state === 'delivered'));
  assert.equal(d.event, 'tenant.drifted');
  const [r] = receiver.at('/drifted').filter((x) => x.body.tenant_id === tenantId);
  assert.equal(r!.body.data.step, 'step_4_warehouses');
  assert.equal(r!.body.data.code, 'DRIFT_DETECTED');
  assert.ok(signatureValid(String(r!.headers['x-provisioner-signature']), r!.raw, SECRET));
});

test('webhooks test sends a signed ping through the outbox', async () => {
  const hook = await createWebhook('/ping', ['tenant.drifted']);
  const res = await h.call('POST', `/api/webhooks/${hook.id}/test`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.delivery.event, 'ping');
  await deliveriesUntil(hook.id, (ds) => ds.some((d) => d.id === res.body.delivery.id && d.state === 'delivered'));
  const [r] = receiver.at('/ping');
  assert.equal(r!.body.event, 'ping');
  assert.equal(r!.body.id, res.body.delivery.id);
  assert.ok(signatureValid(String(r!.headers['x-provisioner-signature']), r!.raw, SECRET));
});

test('an internal webhook URL is refused with WEBHOOK_URL_FORBIDDEN; a short secret or an unknown event with VALIDATION_FAILED', async () => {
  for (const url of ['http://169.254.169.254/latest/meta-data', 'https://10.0.0.7/hook', 'https://[::ffff:192.168.1.1]/hook', 'http://example.com/hook']) {
    const res = await h.call('POST', '/api/webhooks', { url, events: ['run.failed'], secret: SECRET });
    assert.equal(res.status, 400, url);
    assert.equal(res.body.code, 'WEBHOOK_URL_FORBIDDEN', url);
  }
  const short = await h.call('POST', '/api/webhooks', { url: `${receiver.url}/x`, events: ['run.failed'], secret: 'too-short' });
  assert.deepEqual([short.status, short.body.code, short.body.errors[0].path], [400, 'VALIDATION_FAILED', 'body.secret']);
  const unknown = await h.call('POST', '/api/webhooks', { url: `${receiver.url}/x`, events: ['run.exploded'], secret: SECRET });
  assert.deepEqual([unknown.status, unknown.body.code], [400, 'VALIDATION_FAILED']);
  const none = await h.call('POST', '/api/webhooks', { url: `${receiver.url}/x`, events: [], secret: SECRET });
  assert.deepEqual([none.status, none.body.code], [400, 'VALIDATION_FAILED']);
  const missing = await h.call('DELETE', '/api/webhooks/5b0f3c1e-8d2a-4f6b-9c7e-1a2b3c4d5e6f');
  assert.deepEqual([missing.status, missing.body.code], [404, 'WEBHOOK_NOT_FOUND']);
});

test('the secret never appears in an API answer: create, list, delivery log, test, delete, audit log', async () => {
  const secret = 'never-shown-secret-4b1d9e0a7c';
  const created = await h.call('POST', '/api/webhooks', { url: `${receiver.url}/secretive`, events: ['run.failed'], secret });
  const id = created.body.webhook.id;
  assert.equal(created.body.webhook.secret_set, true);
  const answers = [
    created,
    await h.call('GET', '/api/webhooks'),
    await h.call('POST', `/api/webhooks/${id}/test`),
    await h.call('GET', `/api/webhooks/${id}/deliveries`),
    await h.call('GET', '/api/audit'),
    await h.call('DELETE', `/api/webhooks/${id}`),
  ];
  for (const res of answers) {
    assert.ok(res.status < 300, JSON.stringify(res.body));
    assert.ok(!JSON.stringify(res.body).includes(secret), JSON.stringify(res.body));
  }
});

test('the CLI creates a webhook with the secret from PROVISIONER_WEBHOOK_SECRET, lists it without the secret, pings it and shows the delivery', async () => {
  const secret = 'cli-secret-0123456789abcdef';
  const env = { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token, PROVISIONER_WEBHOOK_SECRET: secret };
  const created = await cli(['webhooks', 'create', '--url', `${receiver.url}/cli`, '--events', 'run.failed', '--json'], env);
  assert.equal(created.code, 0, created.stderr);
  const id = JSON.parse(created.stdout).webhook.id;
  const listed = await cli(['webhooks', 'list'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${id}.*/cli.*run\\.failed`));
  assert.ok(!listed.stdout.includes(secret) && !created.stdout.includes(secret));
  const pinged = await cli(['webhooks', 'test', id, '--json'], env);
  assert.equal(pinged.code, 0, pinged.stderr);
  const ping = JSON.parse(pinged.stdout).delivery.id;
  await deliveriesUntil(id, (ds) => ds.some((d) => d.id === ping && d.state === 'delivered'));
  const log = await cli(['webhooks', 'deliveries', id], env);
  assert.equal(log.code, 0, log.stderr);
  assert.match(log.stdout, new RegExp(`${ping}\\s+ping\\s+.*delivered\\s+attempts 1\\s+HTTP 200`));
  const refused = await cli(['webhooks', 'create', '--url', 'https://10.1.2.3/hook'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /WEBHOOK_URL_FORBIDDEN/);
  assert.equal((await cli(['webhooks', 'delete', id], env)).code, 0);
});
