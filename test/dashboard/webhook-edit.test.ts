/**
 * Changing a webhook on the Webhooks page in Chromium: its URL and events (confirmed, kept through
 * the API), disabling and enabling it (a ping waits while it is disabled, and goes out once it is
 * enabled), rotating its secret (typed or generated in the browser, never shown again; the old
 * secret signs too until the end of the overlap the API's answer gives, and a real receiver on
 * 127.0.0.1 verifies a delivery with both), the API's refusals in the dialog with code and hint,
 * the delivery log's older pages, and every webhook of a list longer than one API page.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { browserMissing } from '../support/browser.ts';
import { eventually, startDashboard, WAIT, type Dashboard } from '../support/dashboard.ts';
import { signaturesOf, signedWith, WebhookReceiver } from '../support/webhook-receiver.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../../src/runner/webhook-deliverer.ts';

/** Not the 24 h default: the page must show the overlap the API answers, not one it assumes. */
const OVERLAP_MS = 2 * 3_600_000;
const OLD_SECRET = 'whsec_edit_old_0123456789abcdef';

if (browserMissing) test('changing webhooks on the Webhooks page in Chromium', { skip: browserMissing }, () => {});
else describe('changing webhooks on the Webhooks page in Chromium', () => {
  let d: Dashboard;
  const receiver = new WebhookReceiver();
  before(async () => {
    await receiver.start();
    // the harness's quick delivery settings, with an overlap of our own
    d = await startDashboard({ config: { webhooks: { ...DEFAULT_WEBHOOK_POLICY, pollMs: 50, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 5_000, secretOverlapMs: OVERLAP_MS } } });
  });
  after(async () => {
    await d?.close();
    await receiver.close();
  });

  async function createWebhook(url: string, events: string[] = ['run.failed']): Promise<any> {
    const res = await d.h.call('POST', '/api/webhooks', { url, events, secret: OLD_SECRET });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.webhook;
  }
  const getWebhook = async (id: string) => (await d.h.call('GET', '/api/webhooks')).body.webhooks.find((w: any) => w.id === id);

  async function webhooksPage(theme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await d.newPage({ theme });
    await d.login(page);
    await page.goto(`${d.h.api}/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    return page;
  }
  const row = (page: Page, url: string) => page.locator('tr[data-webhook]', { has: page.getByText(url, { exact: true }) });
  const cell = (tr: Locator, header: string) => tr.locator(`[data-label="${header}"]`);
  const button = (scope: Locator | Page, name: string) => scope.getByRole('button', { name, exact: true });

  test('the URL and events change after a confirmation (Cancel changes nothing), and the API keeps them', async () => {
    const before = `${receiver.url}/edit-before`;
    const afterUrl = `${receiver.url}/edit-after`;
    const hook = await createWebhook(before);
    const page = await webhooksPage();
    const tr = row(page, before);

    await button(tr, `Edit ${before}`).click();
    const dialog = page.getByRole('dialog', { name: `Change ${before}?` });
    await dialog.getByLabel('URL').fill(afterUrl);
    await dialog.getByRole('checkbox', { name: /run\.completed/ }).check();
    await button(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    const unchanged = await getWebhook(hook.id);
    assert.deepEqual([unchanged.url, unchanged.events], [before, ['run.failed']]);

    // opened again: what the webhook has, not what was typed before Cancel
    await button(tr, `Edit ${before}`).click();
    assert.equal(await dialog.getByLabel('URL').inputValue(), before);
    assert.equal(await dialog.getByRole('checkbox', { name: /run\.completed/ }).isChecked(), false);
    await d.axeClean(page, 'webhooks page, edit dialog');
    await dialog.getByLabel('URL').fill(afterUrl);
    await dialog.getByRole('checkbox', { name: /run\.completed/ }).check();
    await dialog.getByRole('checkbox', { name: /tenant\.drifted/ }).check();
    await dialog.getByRole('checkbox', { name: /run\.failed/ }).uncheck();
    await button(dialog, 'Save changes').click();
    await dialog.waitFor({ state: 'hidden' });
    const changed = row(page, afterUrl);
    await cell(changed, 'Events').getByText('run.completed, tenant.drifted', { exact: true }).waitFor();
    assert.equal(await row(page, before).count(), 0);
    const kept = await getWebhook(hook.id);
    assert.deepEqual([kept.url, kept.events, kept.enabled], [afterUrl, ['run.completed', 'tenant.drifted'], true]);
    await page.reload();
    await cell(row(page, afterUrl), 'Events').getByText('run.completed, tenant.drifted', { exact: true }).waitFor();
  });

  test('a URL the API refuses shows WEBHOOK_URL_FORBIDDEN with its hint in the dialog, which keeps what was typed; nothing changes', async () => {
    const url = `${receiver.url}/edit-refused`;
    const hook = await createWebhook(url);
    const page = await webhooksPage();
    await button(row(page, url), `Edit ${url}`).click();
    const dialog = page.getByRole('dialog', { name: `Change ${url}?` });
    await dialog.getByLabel('URL').fill('http://10.0.0.7/hook');
    await button(dialog, 'Save changes').click();
    const alert = dialog.getByRole('alert');
    await alert.getByText('WEBHOOK_URL_FORBIDDEN', { exact: true }).waitFor();
    await alert.getByText(/Use the receiver's public https URL/).waitFor();
    assert.equal(await dialog.getByLabel('URL').inputValue(), 'http://10.0.0.7/hook');
    assert.equal((await getWebhook(hook.id)).url, url);
    await button(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    await row(page, url).waitFor();
  });

  test('disabled after a confirmation, a webhook holds its test ping; enabled again, the ping is delivered', async () => {
    const url = `${receiver.url}/toggle`;
    const hook = await createWebhook(url);
    const page = await webhooksPage('dark');
    const tr = row(page, url);
    await cell(tr, 'State').getByText('Enabled', { exact: true }).waitFor();

    await button(tr, `Disable ${url}`).click();
    const disable = page.getByRole('dialog', { name: `Disable ${url}?` });
    await disable.getByText(/none of its pending deliveries \(test pings too\) is sent/).waitFor();
    await button(disable, 'Disable').click();
    await disable.waitFor({ state: 'hidden' });
    await cell(tr, 'State').getByText('Disabled', { exact: true }).waitFor();
    assert.equal((await getWebhook(hook.id)).enabled, false);

    // a ping queued while disabled waits in the log
    await button(tr, `Send test to ${url}`).click();
    const log = page.getByRole('region', { name: `Deliveries of ${url}` });
    await log.locator('tr[data-state="pending"]', { has: page.getByText('ping', { exact: true }) }).waitFor();
    assert.equal(receiver.received.filter((r) => r.path === '/toggle').length, 0, 'nothing sent while disabled');
    await d.axeClean(page, 'webhooks page, a disabled webhook (dark theme)');

    await button(tr, `Enable ${url}`).click();
    const enable = page.getByRole('dialog', { name: `Enable ${url}?` });
    await button(enable, 'Enable').click();
    await enable.waitFor({ state: 'hidden' });
    await cell(tr, 'State').getByText('Enabled', { exact: true }).waitFor();
    assert.equal((await getWebhook(hook.id)).enabled, true);
    await receiver.next((r) => r.path === '/toggle' && r.body.event === 'ping', WAIT);
    await log.locator('tr[data-state="delivered"]', { has: page.getByText('ping', { exact: true }) }).waitFor();
  });

  test('a rotated secret is sent once and never shown again; the page gives the overlap the API answered, and a delivery verifies with the new and the old secret', async () => {
    const url = `${receiver.url}/rotate`;
    const hook = await createWebhook(url);
    const page = await webhooksPage();
    const tr = row(page, url);
    await button(tr, `Rotate secret of ${url}`).click();
    const dialog = page.getByRole('dialog', { name: `Rotate the secret of ${url}?` });
    await dialog.getByText(/The old secret keeps signing too/).waitFor();
    const field = dialog.getByLabel(/^New signing secret/);
    assert.equal(await field.getAttribute('type'), 'password');

    // too short: the API's refusal, in the dialog
    await field.fill('too-short');
    await button(dialog, 'Rotate secret').click();
    await dialog.getByRole('alert').getByText('VALIDATION_FAILED', { exact: true }).waitFor();
    assert.equal((await getWebhook(hook.id)).previous_secret_expires_at, null);

    // generated in the browser, shown so that it can be given to the receiver
    await button(dialog, 'Generate').click();
    await eventually(async () => /^whsec_[0-9a-f]{48}$/.test(await field.inputValue()), true, 'a generated secret');
    assert.equal(await field.getAttribute('type'), 'text');
    const newSecret = await field.inputValue();
    await d.axeClean(page, 'webhooks page, rotate dialog');
    const asked = Date.now();
    await button(dialog, 'Rotate secret').click();
    await dialog.waitFor({ state: 'hidden' });

    const rotated = page.getByTestId('secret-rotated');
    await rotated.getByText(/The old secret also signs every delivery until/).waitFor();
    const answered = await getWebhook(hook.id);
    const until = Date.parse(answered.previous_secret_expires_at);
    assert.ok(until >= asked + OVERLAP_MS - 60_000 && until <= Date.now() + OVERLAP_MS + 60_000, `the API's overlap: ${answered.previous_secret_expires_at}`);
    const shownUntil = await page.evaluate((iso) => new Date(iso).toLocaleString(), answered.previous_secret_expires_at as string);
    await rotated.getByText(shownUntil, { exact: true }).waitFor();
    await cell(tr, 'Secret').getByText(`set; the previous one also signs until ${shownUntil}`, { exact: true }).waitFor();

    // forgotten: not in the page, not in any field, not even in the dialog opened again
    const nowhere = async () => {
      assert.ok(!(await page.content()).includes(newSecret), 'the new secret is not in the page');
      const values = await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
      assert.ok(!values.some((v) => v.includes(newSecret) || v.includes(OLD_SECRET)), 'no field holds a secret');
    };
    await nowhere();
    await button(tr, `Rotate secret of ${url}`).click();
    assert.equal(await field.inputValue(), '');
    await dialog.getByText(/The overlap of the last rotation runs until/).waitFor();
    await button(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    await nowhere();

    // during the overlap a delivery carries two v1 signatures: the new secret's, then the old one's
    await button(tr, `Send test to ${url}`).click();
    const ping = await receiver.next((r) => r.path === '/rotate' && r.body.event === 'ping', WAIT);
    const signature = String(ping.headers['x-provisioner-signature']);
    assert.equal(signaturesOf(signature).v1.length, 2, signature);
    assert.ok(signedWith(signature, ping.raw, newSecret, 0), 'signed with the new secret');
    assert.ok(signedWith(signature, ping.raw, OLD_SECRET, 1), 'signed with the old secret too');
    await page.getByRole('region', { name: `Deliveries of ${url}` }).locator('tr[data-state="delivered"]').waitFor();
    await nowhere();
  });

  test('the delivery log shows the newest 100 deliveries, and "Older deliveries" reaches the older ones', async () => {
    const url = `${receiver.url}/log`;
    const hook = await createWebhook(url);
    // 130 deliveries already delivered (nothing to send), 1 ms apart, newest last
    const { rows } = await d.h.provisioner.db.pool.query(
      `insert into onboarding.webhook_deliveries (webhook_id, event, created_at, delivered_at, attempts, last_status)
       select $1, 'ping', now() - make_interval(secs => (130 - i) / 1000.0), now(), 1, 200 from generate_series(1, 130) i
       returning id, created_at`,
      [hook.id],
    );
    const newestFirst: string[] = rows.sort((a: any, b: any) => b.created_at - a.created_at).map((r: any) => r.id);
    const page = await webhooksPage();
    await button(row(page, url), `Deliveries of ${url}`).click();
    const log = page.getByRole('region', { name: `Deliveries of ${url}` });
    const shownIds = () => log.locator('tr[data-delivery]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-delivery')));
    await eventually(shownIds, newestFirst.slice(0, 100), 'the first page');
    const older = button(log, 'Older deliveries');
    await older.click();
    await eventually(shownIds, newestFirst, 'every delivery, newest first, each once');
    await log.locator(`tr[data-delivery="${newestFirst.at(-1)}"]`).waitFor();
    await older.waitFor({ state: 'detached' });
  });

  test('every webhook is listed, past the first page of the API (500)', async () => {
    await d.h.provisioner.db.pool.query(
      `insert into onboarding.webhooks (url, events, secret, enabled, created_at)
       select 'https://hooks.example.com/bulk/' || i, '{run.failed}', $1, false, now() + make_interval(secs => i) from generate_series(1, 510) i`,
      [OLD_SECRET],
    );
    const { rows } = await d.h.provisioner.db.pool.query(`select count(*)::int as n from onboarding.webhooks`);
    assert.ok(rows[0].n > 500);
    assert.ok((await d.h.call('GET', '/api/webhooks')).body.next_cursor, 'the API answers more than one page');
    const page = await webhooksPage();
    await row(page, 'https://hooks.example.com/bulk/510').waitFor();
    await eventually(() => page.locator('tr[data-webhook]').count(), rows[0].n, 'every webhook');
  });
});
