/**
 * GET /api/webhooks and GET /api/webhooks/:id/deliveries are paged like GET /api/tenants (limit,
 * cursor, next_cursor), 50 a page unless asked like every list (issue 11), and the CLI follows the pages.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { cli } from '../cli/support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const SECRET = 'whsec_paging_0123456789abcdef';

async function createWebhook(p: string): Promise<any> {
  const res = await h.call('POST', '/api/webhooks', { url: `https://hooks.example.com${p}`, events: ['run.failed'], secret: SECRET });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.webhook;
}

/** `n` deliveries of the webhook already delivered (nothing to send), 1 ms apart, newest last. */
async function deliveredRows(webhookId: string, n: number): Promise<string[]> {
  const { rows } = await h.provisioner.db.pool.query(
    `insert into onboarding.webhook_deliveries (webhook_id, event, created_at, delivered_at, attempts, last_status)
     select $1, 'ping', now() - make_interval(secs => ($2 - i) / 1000.0), now(), 1, 200 from generate_series(1, $2) i
     returning id, created_at`,
    [webhookId, n],
  );
  return rows.sort((a, b) => b.created_at - a.created_at).map((r) => r.id);
}

test('webhooks come a page at a time, oldest first, each once; the default page holds up to 50', async () => {
  const made = [await createWebhook('/a'), await createWebhook('/b'), await createWebhook('/c')];
  const all = await h.call('GET', '/api/webhooks');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.webhooks.map((w: any) => w.id), made.map((w) => w.id));
  assert.equal(all.body.next_cursor, null);

  const first = await h.call('GET', '/api/webhooks?limit=2');
  assert.deepEqual(first.body.webhooks.map((w: any) => w.id), made.slice(0, 2).map((w) => w.id));
  assert.ok(first.body.next_cursor);
  const second = await h.call('GET', `/api/webhooks?limit=2&cursor=${first.body.next_cursor}`);
  assert.deepEqual(second.body.webhooks.map((w: any) => w.id), [made[2].id]);
  assert.equal(second.body.next_cursor, null);

  const bad = await h.call('GET', '/api/webhooks?cursor=not-a-cursor');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'VALIDATION_FAILED');
  assert.equal((await h.call('GET', '/api/webhooks?limit=501')).body.code, 'VALIDATION_FAILED');
});

test('the delivery log comes newest first a page at a time, each delivery once; the default page is the newest 50', async () => {
  const hook = await createWebhook('/log');
  const ids = await deliveredRows(hook.id, 130);
  const byDefault = await h.call('GET', `/api/webhooks/${hook.id}/deliveries`);
  assert.equal(byDefault.status, 200);
  assert.deepEqual(byDefault.body.deliveries.map((d: any) => d.id), ids.slice(0, 50));
  assert.ok(byDefault.body.next_cursor);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await h.call('GET', `/api/webhooks/${hook.id}/deliveries?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.deliveries.length <= 7);
    seen.push(...page.body.deliveries.map((d: any) => d.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, ids);

  const bad = await h.call('GET', `/api/webhooks/${hook.id}/deliveries?cursor=AAAA`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'VALIDATION_FAILED');
});

test('the CLI follows the pages: webhooks list shows every webhook past 500, deliveries --limit past one page', async () => {
  const hook = await createWebhook('/cli');
  const ids = await deliveredRows(hook.id, 620);
  // more webhooks than one page of the CLI (500); clear-text secrets, as rows from before encryption
  await h.provisioner.db.pool.query(
    `insert into onboarding.webhooks (url, events, secret, created_at) select 'https://hooks.example.com/bulk/' || i, '{run.failed}', $1, now() + make_interval(secs => i) from generate_series(1, 510) i`,
    [SECRET],
  );
  const env = { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token };
  const firstPage = await h.call('GET', '/api/webhooks');
  assert.equal(firstPage.body.webhooks.length, 50, 'the default page is 50 webhooks');
  assert.ok(firstPage.body.next_cursor);
  const listed = await cli(['webhooks', 'list', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const webhooks = JSON.parse(listed.stdout).webhooks;
  const { rows } = await h.provisioner.db.pool.query(`select count(*)::int as n from onboarding.webhooks`);
  assert.equal(webhooks.length, rows[0].n);
  assert.equal(new Set(webhooks.map((w: any) => w.id)).size, rows[0].n);

  const log = await cli(['webhooks', 'deliveries', hook.id, '--limit', '600', '--json'], env);
  assert.equal(log.code, 0, log.stderr);
  assert.deepEqual(JSON.parse(log.stdout).deliveries.map((d: any) => d.id), ids.slice(0, 600));
});
