/**
 * The delivery log does not grow for ever: delivered and given-up deliveries settled longer ago
 * than WEBHOOK_RETENTION_MS are deleted by the deliverers in small batches, several deliverers at
 * once each deleting other rows; pending ones and recent ones stay.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, TEST_ENGINE_URL_POLICY, type Harness } from '../support/harness.ts';
import { createPool } from '../../src/adapters/postgres/database.ts';
import { PostgresStore } from '../../src/adapters/postgres/store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { DEFAULT_WEBHOOK_POLICY, WebhookDeliverer } from '../../src/runner/webhook-deliverer.ts';

const RETENTION_MS = 14 * 86_400_000;

let h: Harness;
let webhookId: string;
before(async () => {
  // no deliverer of its own: the test's deliverers are the fleet
  h = await startHarness({ config: { workerInProcess: false } });
  const res = await h.call('POST', '/api/webhooks', { url: 'https://hooks.example.com/pruned', events: ['run.failed'], secret: 'whsec_pruning_0123456789abcdef' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  webhookId = res.body.webhook.id;
});
after(() => h.close());

/** A deliverer with its own pool and id, as each worker process has. */
function deliverer(i: number) {
  const pool = createPool(h.provisioner.db.url, { max: 3 });
  const store = new PostgresStore(pool, h.provisioner.db.store.engineSecrets);
  const d = new WebhookDeliverer({
    store,
    databaseUrl: h.provisioner.db.url,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    policy: { ...DEFAULT_WEBHOOK_POLICY, retentionMs: RETENTION_MS },
    urlPolicy: TEST_ENGINE_URL_POLICY,
    workerId: `pruner-${i}`,
  });
  return { d, close: async () => (await d.stop(), await pool.end()) };
}

/** Old settled rows (to go), and rows that stay: settled recently, pending however old. */
async function seed(): Promise<{ old: number; kept: number }> {
  const q = (sql: string) => h.provisioner.db.pool.query(sql, [webhookId]);
  await q(`delete from onboarding.webhook_deliveries where webhook_id = $1`);
  // pending rows are due in a day: nobody sends them during the test
  const inserted = [
    await q(`insert into onboarding.webhook_deliveries (webhook_id, event, created_at, delivered_at, attempts) select $1, 'ping', now() - interval '20 days', now() - interval '15 days', 1 from generate_series(1, 2400)`),
    await q(`insert into onboarding.webhook_deliveries (webhook_id, event, created_at, given_up_at, attempts) select $1, 'ping', now() - interval '20 days', now() - interval '15 days', 9 from generate_series(1, 700)`),
    await q(`insert into onboarding.webhook_deliveries (webhook_id, event, created_at, delivered_at, attempts) select $1, 'ping', now() - interval '20 days', now() - interval '13 days', 1 from generate_series(1, 50)`),
    await q(`insert into onboarding.webhook_deliveries (webhook_id, event, created_at, given_up_at, attempts) select $1, 'ping', now() - interval '2 days', now() - interval '1 day', 9 from generate_series(1, 50)`),
    await q(`insert into onboarding.webhook_deliveries (webhook_id, event, created_at, next_attempt_at) select $1, 'ping', now() - interval '30 days', now() + interval '1 day' from generate_series(1, 50)`),
  ].map((r) => r.rowCount!);
  return { old: inserted[0]! + inserted[1]!, kept: inserted[2]! + inserted[3]! + inserted[4]! };
}

const counts = async () => {
  const { rows } = await h.provisioner.db.pool.query(
    `select count(*) filter (where coalesce(delivered_at, given_up_at) < now() - interval '14 days')::int as old, count(*)::int as total from onboarding.webhook_deliveries where webhook_id = $1`,
    [webhookId],
  );
  return rows[0] as { old: number; total: number };
};

test('three deliverers pruning at once delete every delivery past the retention exactly once, and nothing else', async () => {
  const { old, kept } = await seed();
  const fleet = [deliverer(1), deliverer(2), deliverer(3)];
  try {
    const outcomes = await Promise.all(fleet.map(({ d }) => d.keepHouse()));
    assert.equal(outcomes.reduce((n, o) => n + o.pruned, 0), old, `pruned ${JSON.stringify(outcomes)}: each old row by one deliverer`);
    assert.deepEqual(await counts(), { old: 0, total: kept });
  } finally {
    for (const f of fleet) await f.close();
  }
});

test('a running deliverer prunes on its own', async () => {
  const { kept } = await seed();
  const { d, close } = deliverer(4);
  try {
    d.start();
    const deadline = Date.now() + 60_000;
    while ((await counts()).old > 0) {
      assert.ok(Date.now() < deadline, `old deliveries left: ${JSON.stringify(await counts())}`);
      await sleep(50);
    }
    assert.deepEqual(await counts(), { old: 0, total: kept });
  } finally {
    await close();
  }
});
