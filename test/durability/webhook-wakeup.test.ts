/**
 * Deliveries go out when they are written, not at the next poll: the outbox's inserts NOTIFY and
 * the deliverer LISTENs, again after its connection is dropped; a retry due later is sent at its
 * time. The poll here is 10 minutes: anything that waited for it would time the test out.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../../src/runner/webhook-deliverer.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const POLL_MS = 600_000;
/** Far below the poll: a delivery within it was woken, not polled. */
const WITHIN_MS = 60_000;

let h: Harness;
const receiver = new WebhookReceiver();
before(async () => {
  await receiver.start();
  h = await startHarness({ config: { webhooks: { ...DEFAULT_WEBHOOK_POLICY, pollMs: POLL_MS, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 5_000 } } });
  // the deliverer has listened and its first round (at start) has found nothing: it sleeps for the poll
  await listenerPid();
});
after(async () => {
  await h.close();
  await receiver.close();
});

/** The deliverer's LISTEN connection on this test's database, once it is there and listening. */
async function listenerPid(other?: number): Promise<number> {
  const deadline = Date.now() + WITHIN_MS;
  for (;;) {
    const { rows } = await h.provisioner.db.pool.query(
      `select pid from pg_stat_activity where datname = current_database() and application_name = 'provisioner-webhooks' and query ilike 'listen%' and pid is distinct from $1`,
      [other ?? null],
    );
    if (rows[0]) return rows[0].pid as number;
    assert.ok(Date.now() < deadline, 'the deliverer never listened');
    await sleep(25);
  }
}

async function createWebhook(p: string, events: string[]): Promise<any> {
  const res = await h.call('POST', '/api/webhooks', { url: `${receiver.url}${p}`, events, secret: 'whsec_wakeup_0123456789abcdef' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.webhook;
}

test('a run that completes is delivered at once: the outbox insert wakes the deliverer', async () => {
  await createWebhook('/completed', ['run.completed']);
  const { tenant } = await h.createTenant({ name: 'Woken Shop', country_code: 'KE' });
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  const got = await receiver.next((r) => r.path === '/completed' && r.body.tenant_id === tenant.id, WITHIN_MS);
  assert.equal(got.body.event, 'run.completed');
});

test('a ping is delivered at once, and a retry the receiver asked for goes out when due, not at the next poll', async () => {
  receiver.answers.set('/retried', [500]);
  const hook = await createWebhook('/retried', ['run.failed']);
  const startedAt = performance.now();
  const queued = await h.call('POST', `/api/webhooks/${hook.id}/test`);
  assert.equal(queued.status, 202);
  const first = await receiver.next((r) => r.body.id === queued.body.delivery.id, WITHIN_MS);
  const firstMs = performance.now() - startedAt;
  assert.equal(first.answered, 500);
  const second = await receiver.next((r) => r.body.id === queued.body.delivery.id && r.answered === 200, WITHIN_MS);
  assert.equal(second.path, '/retried');
  process.stdout.write(`# ping received ${firstMs.toFixed(0)} ms after the request, its retry ${(performance.now() - startedAt).toFixed(0)} ms after (poll ${POLL_MS} ms)\n`);
});

test('the deliverer listens again after its connection is dropped, and is woken as before', async () => {
  const hook = await createWebhook('/relisten', ['run.failed']);
  const old = await listenerPid();
  const { rows } = await h.provisioner.db.pool.query(`select pg_terminate_backend($1) as done`, [old]);
  assert.equal(rows[0].done, true);
  await listenerPid(old);
  const queued = await h.call('POST', `/api/webhooks/${hook.id}/test`);
  const got = await receiver.next((r) => r.body.id === queued.body.delivery.id, WITHIN_MS);
  assert.equal(got.path, '/relisten');
});

test('enabling a webhook again sends its waiting deliveries at once', async () => {
  const hook = await createWebhook('/reenabled', ['run.failed']);
  assert.equal((await h.call('PATCH', `/api/webhooks/${hook.id}`, { enabled: false })).status, 200);
  const queued = await h.call('POST', `/api/webhooks/${hook.id}/test`);
  assert.equal(queued.status, 202);
  // the ping's own notification came and went: the deliverer found nothing it may send
  const { rows } = await h.provisioner.db.pool.query(`select attempts from onboarding.webhook_deliveries where id = $1`, [queued.body.delivery.id]);
  assert.equal(rows[0].attempts, 0);
  assert.equal((await h.call('PATCH', `/api/webhooks/${hook.id}`, { enabled: true })).status, 200);
  const got = await receiver.next((r) => r.body.id === queued.body.delivery.id, WITHIN_MS);
  assert.equal(got.path, '/reenabled');
});
