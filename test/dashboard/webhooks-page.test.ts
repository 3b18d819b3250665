/**
 * The Webhooks page in Chromium (platform admins only, as the API): adding a webhook (its secret
 * is sent once and never shown again), the delivery log with each delivery's state, attempts,
 * response and next attempt, "Send test", delete after a confirmation, the API's refusals with
 * code and hint, and no link nor page for the other roles. A real receiver on 127.0.0.1 answers.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Locator, Page } from 'playwright-core';
import { browserMissing } from '../support/browser.ts';
import { startDashboard, type Dashboard } from '../support/dashboard.ts';
import { userWithToken } from '../support/accounts.ts';

/** Answers every POST with the status its path names (/200, /503), and records the bodies. */
async function startReceiver(): Promise<{ url: string; bodies: Array<{ path: string; body: any }>; close(): Promise<void> }> {
  const bodies: Array<{ path: string; body: any }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url!, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(Number(req.url!.slice(1)) || 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (browserMissing) test('the Webhooks page in Chromium', { skip: browserMissing }, () => {});
else describe('the Webhooks page in Chromium', () => {
  let d: Dashboard;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
    d = await startDashboard();
  });
  after(async () => {
    await d?.close();
    await receiver?.close();
  });

  const SECRET = 'whsec_page_0123456789abcdef';
  const row = (page: Page, url: string) => page.locator('tr[data-webhook]', { has: page.getByText(url, { exact: true }) });

  /** A table row as { column header: text }. */
  const cellsOf = (tr: Locator) => tr.evaluate((el) => Object.fromEntries([...el.children].map((c) => [c.getAttribute('data-label'), (c as HTMLElement).innerText.trim()])) as Record<string, string>);

  async function addWebhook(page: Page, url: string, events: string[], secret = SECRET) {
    const form = page.getByRole('region', { name: 'Add a webhook' });
    await form.getByLabel('URL').fill(url);
    await form.getByLabel(/^Signing secret/).fill(secret);
    for (const box of await form.getByRole('checkbox').all()) await box.setChecked(events.includes((await box.getAttribute('value'))!));
    await form.getByRole('button', { name: 'Add webhook' }).click();
  }

  test('a platform admin adds a webhook whose secret is never shown again, sends a test that the log shows delivered, and deletes it after a confirmation', async () => {
    const page = await d.newPage();
    await d.login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No webhook yet.').waitFor();

    const url = `${receiver.url}/200`;
    await addWebhook(page, url, ['run.failed', 'tenant.drifted']);
    const hook = row(page, url);
    await hook.getByText('run.failed, tenant.drifted', { exact: true }).waitFor();
    await hook.getByText('set', { exact: true }).waitFor();
    const form = page.getByRole('region', { name: 'Add a webhook' });
    assert.equal(await form.getByLabel(/^Signing secret/).inputValue(), '', 'the form forgets the secret');
    assert.ok(!(await page.content()).includes(SECRET), 'the secret is nowhere on the page');
    const [listed] = (await d.h.call('GET', '/api/webhooks')).body.webhooks;
    assert.deepEqual([listed.url, listed.events, listed.secret_set], [url, ['run.failed', 'tenant.drifted'], true]);

    // Send test: a ping, delivered (the log reads itself again while it is pending)
    await hook.getByRole('button', { name: `Send test to ${url}` }).click();
    const log = page.getByRole('region', { name: `Deliveries of ${url}` });
    const ping = log.locator('tr[data-state="delivered"]', { has: page.getByText('ping', { exact: true }) });
    await ping.waitFor();
    const cells = await cellsOf(ping);
    assert.deepEqual([cells.Event, cells.State, cells.Attempts, cells.Response, cells['Next attempt']], ['ping', 'delivered', '1', 'HTTP 200', '—']);
    assert.notEqual(cells.Delivered, '—');
    assert.equal(receiver.bodies.filter((b) => b.path === '/200' && b.body.event === 'ping').length, 1);
    await d.axeClean(page, 'webhooks page');

    // Delete: Cancel keeps it; confirmed, the row and the webhook are gone
    await hook.getByRole('button', { name: `Delete ${url}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${url}?` });
    await dialog.getByText('pending deliveries are not sent').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await d.h.call('GET', '/api/webhooks')).body.webhooks.length, 1);
    await hook.getByRole('button', { name: `Delete ${url}` }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await hook.waitFor({ state: 'detached' });
    assert.deepEqual((await d.h.call('GET', '/api/webhooks')).body.webhooks, []);
  });

  test("the delivery log shows a receiver's refusal: pending, its attempts, the HTTP status and the next attempt", async () => {
    const page = await d.newPage();
    await d.login(page);
    await page.goto(`${d.h.api}/webhooks`);
    const url = `${receiver.url}/503`;
    await addWebhook(page, url, ['run.failed']);
    const hook = row(page, url);
    await hook.getByRole('button', { name: `Send test to ${url}` }).click();
    const log = page.getByRole('region', { name: `Deliveries of ${url}` });
    const ping = log.locator('tr[data-state="pending"]', { has: page.getByText('HTTP 503', { exact: true }) });
    await ping.waitFor();
    const cells = await cellsOf(ping);
    assert.equal(cells.State, 'pending');
    assert.ok(Number(cells.Attempts) >= 1, `attempts: ${cells.Attempts}`);
    assert.notEqual(cells['Next attempt'], '—', 'a pending delivery says when it is tried again');
    assert.equal(cells.Delivered, '—');
  });

  test('a URL the API refuses shows WEBHOOK_URL_FORBIDDEN with its hint, and nothing is added', async () => {
    const page = await d.newPage();
    await d.login(page);
    await page.goto(`${d.h.api}/webhooks`);
    const before = (await d.h.call('GET', '/api/webhooks')).body.webhooks.length;
    await addWebhook(page, 'http://10.0.0.7/hook', ['run.failed']);
    const alert = page.getByRole('region', { name: 'Add a webhook' }).getByRole('alert');
    await alert.getByText('WEBHOOK_URL_FORBIDDEN', { exact: true }).waitFor();
    await alert.getByText(/Use the receiver's public https URL/).waitFor();
    assert.equal((await d.h.call('GET', '/api/webhooks')).body.webhooks.length, before);
  });

  test('a tenant admin and a platform viewer see no Webhooks link and cannot load the page', async () => {
    const { tenant } = await d.h.createTenant({ name: 'Webhook Denied Duka', country_code: 'KE', provisioning: { auto_start: false } });
    for (const user of [
      { email: 'admin@webhook-denied.duka', role: 'tenant_admin', tenant_id: tenant.id },
      { email: 'viewer@webhook-denied.duka', role: 'platform_viewer' },
    ]) {
      const { password } = await userWithToken(d.h, user);
      const page = await d.newPage();
      await d.login(page, user.email, password);
      assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).count(), 0, `${user.role}: no link`);
      await page.goto(`${d.h.api}/webhooks`);
      await page.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
      await page.getByText('This page is for platform admins.').waitFor();
      assert.equal(await page.getByRole('region', { name: 'Add a webhook' }).count(), 0, `${user.role}: no form`);
    }
  });
});
