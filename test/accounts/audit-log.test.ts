/** Who did what: tenant creation, runs, skips, user and engine changes, in onboarding.audit_log, read by platform admins page by page. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { callAs, userWithToken } from '../support/accounts.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('every change is in the audit log with its actor, target and address, newest first, without a secret; pages follow the cursor', async () => {
  const tenantId = (await h.createTenant({ name: 'Audited Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenantId}/start`)).status, 202);
  await h.waitForStatus(tenantId, ['COMPLETED']);
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenantId}/retry`, { step: 'step_8_pos_profile' })).status, 202);
  await h.waitForStatus(tenantId, ['COMPLETED']);
  const password = 'a password never audited';
  const user = await userWithToken(h, { email: 'audited@example.com', role: 'tenant_user', tenant_id: tenantId });
  assert.equal((await h.call('PATCH', `/api/users/${user.id}`, { role: 'tenant_admin', password })).status, 200);
  assert.equal((await h.call('DELETE', `/api/users/${user.id}`)).status, 200);
  const apiSecret = 'engine-secret-never-audited';
  // a URL with a user and password is refused (ENGINE_URL_FORBIDDEN), and so never audited
  assert.equal((await h.call('POST', '/api/engines', { id: 'audited', kind: 'erpnext', base_url: 'https://ops:pw@erp.example.com', api_key: 'k', api_secret: apiSecret })).status, 400);
  assert.equal((await h.call('POST', '/api/engines', { id: 'audited', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: 'k', api_secret: apiSecret })).status, 201);

  const entries: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: any } = await h.call('GET', `/api/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.entries.length <= 2);
    entries.push(...page.body.entries);
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(
    entries.map((e) => e.action).reverse(),
    ['tenant.create', 'provisioning.start', 'provisioning.retry', 'user.create', 'user.update', 'user.delete', 'engine.register'],
  );
  const ids = entries.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  for (const e of entries) {
    assert.equal(e.actor_email, 'admin@moran.com');
    assert.ok(e.actor_id);
    assert.equal(e.ip, '127.0.0.1');
  }
  assert.equal(entries.find((e) => e.action === 'provisioning.retry').details.step, 'step_8_pos_profile');
  assert.deepEqual(entries.find((e) => e.action === 'user.update').details, { email: 'audited@example.com', role: 'tenant_admin', password_changed: true });
  assert.equal(entries.find((e) => e.action === 'engine.register').details.base_url, 'https://erp.example.com/');
  const text = JSON.stringify(entries);
  for (const secret of [password, apiSecret, user.password, ':pw@']) assert.ok(!text.includes(secret), `no secret in the audit log: ${secret}`);

  const defaults = await h.call('GET', '/api/audit');
  assert.equal(defaults.body.entries.length, entries.length, 'default limit 50 holds them all');
  assert.equal((await h.call('GET', '/api/audit?limit=501')).status, 400);
});

test('continue, skip-step, bulk actions, engine updates and deletes and webhook changes are audited too, without a secret', async () => {
  const since = (await h.call('GET', '/api/audit?limit=1')).body.entries[0]?.id ?? 0;
  // two PARTIAL tenants: one continued by hand, the other by a bulk continue
  h.simulator.sim.injectFault({ doctype: 'POS Opening Entry', method: 'POST', status: 417, count: 1000 });
  let first: string;
  let second: string;
  try {
    first = (await h.createTenant({ name: 'Audited Partial One', country_code: 'KE' })).tenant.id;
    second = (await h.createTenant({ name: 'Audited Partial Two', country_code: 'KE' })).tenant.id;
    await h.waitForStatus(first, ['PARTIAL']);
    await h.waitForStatus(second, ['PARTIAL']);
  } finally {
    h.simulator.sim.clearFaults();
  }
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${first}/continue`)).status, 202);
  await h.waitForStatus(first, ['COMPLETED']);
  const bulk = await h.call('POST', '/api/provisioning/bulk', { action: 'continue', filter: { status: 'PARTIAL' }, dry_run: false });
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  assert.deepEqual(bulk.body.tenant_ids, [second]);
  await h.waitForStatus(second, ['COMPLETED']);
  const skipped = (await h.createTenant({ name: 'Audited Skip', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${skipped}/skip-step`, { step: 'step_6_items' })).status, 200);

  const apiSecret = 'engine-secret-changed-never-audited';
  assert.equal((await h.call('POST', '/api/engines', { id: 'audited-two', kind: 'erpnext', base_url: 'https://erp2.example.com', api_key: 'k', api_secret: 's' })).status, 201);
  assert.equal((await h.call('POST', '/api/engines', { id: 'audited-two', kind: 'erpnext', base_url: 'https://erp3.example.com', api_key: 'k', api_secret: apiSecret })).status, 201, 'registering an id again updates it');
  assert.equal((await h.call('DELETE', '/api/engines/audited-two')).status, 200);
  const hookSecret = 'whsec_audited_0123456789abcdef';
  const hook = await h.call('POST', '/api/webhooks', { url: 'https://hooks.example.com/audited', events: ['run.failed'], secret: hookSecret });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const newHookSecret = 'whsec_audited_rotated_0123456789';
  assert.equal((await h.call('PATCH', `/api/webhooks/${hook.body.webhook.id}`, { enabled: false, secret: newHookSecret })).status, 200);
  assert.equal((await h.call('DELETE', `/api/webhooks/${hook.body.webhook.id}`)).status, 200);

  const entries = (await h.call('GET', '/api/audit?limit=500')).body.entries.filter((e: any) => e.id > since).reverse();
  const actions = entries.map((e: any) => `${e.action} ${e.target_id ?? '-'}`);
  for (const expected of [
    `provisioning.continue ${first}`,
    'provisioning.bulk_continue -',
    `provisioning.skip_step ${skipped}`,
    'engine.register audited-two',
    'engine.update audited-two',
    'engine.delete audited-two',
    `webhook.create ${hook.body.webhook.id}`,
    `webhook.update ${hook.body.webhook.id}`,
    `webhook.delete ${hook.body.webhook.id}`,
  ]) {
    assert.ok(actions.includes(expected), `${expected} in ${JSON.stringify(actions)}`);
  }
  const bulkEntry = entries.find((e: any) => e.action === 'provisioning.bulk_continue');
  assert.deepEqual({ matched: bulkEntry.details.matched, queued: bulkEntry.details.queued }, { matched: 1, queued: 1 });
  assert.equal(entries.find((e: any) => e.action === 'provisioning.skip_step').details.step, 'step_6_items');
  assert.equal(entries.find((e: any) => e.action === 'engine.update').details.credentials_changed, true);
  assert.equal(entries.find((e: any) => e.action === 'webhook.update').details.secret_changed, true);
  for (const e of entries) assert.equal(e.actor_email, 'admin@moran.com');
  const text = JSON.stringify(entries);
  for (const secret of [apiSecret, hookSecret, newHookSecret]) assert.ok(!text.includes(secret), `no secret in the audit log: ${secret}`);
});

test('the last page of the audit log has no next_cursor, also when it is exactly full', async () => {
  const all = (await h.call('GET', '/api/audit?limit=500')).body.entries;
  assert.ok(all.length >= 2);
  const whole = await h.call('GET', `/api/audit?limit=${all.length}`);
  assert.equal(whole.body.entries.length, all.length);
  assert.equal(whole.body.next_cursor, null, 'nothing older: no cursor to an empty page');
  const older = await h.call('GET', `/api/audit?limit=${all.length - 1}`);
  assert.ok(older.body.next_cursor);
  const last = await h.call('GET', `/api/audit?limit=${all.length - 1}&cursor=${older.body.next_cursor}`);
  assert.deepEqual(last.body.entries.map((e: any) => e.id), [all.at(-1).id]);
  assert.equal(last.body.next_cursor, null);
});

test('a new user and its audit line are written together: when the line cannot be written, there is no user', async () => {
  const pool = h.provisioner.db.pool;
  // the audit table refuses this one line, as a full disk or a lost connection would at that instant
  await pool.query(`create function onboarding.refuse_audit() returns trigger language plpgsql as $$
    begin if new.details->>'email' = 'unaudited@example.com' then raise exception 'audit refused by the test'; end if; return new; end $$`);
  await pool.query(`create trigger refuse_audit before insert on onboarding.audit_log for each row execute function onboarding.refuse_audit()`);
  try {
    const res = await h.call('POST', '/api/users', { email: 'unaudited@example.com', password: 'a long operator passphrase 42', role: 'platform_viewer' });
    assert.equal(res.status, 500, JSON.stringify(res.body));
    const { rows } = await pool.query(`select 1 from onboarding.users where email = 'unaudited@example.com'`);
    assert.equal(rows.length, 0, 'no user without its audit line');
  } finally {
    await pool.query(`drop trigger refuse_audit on onboarding.audit_log; drop function onboarding.refuse_audit()`);
  }
  const again = await h.call('POST', '/api/users', { email: 'unaudited@example.com', password: 'a long operator passphrase 42', role: 'platform_viewer' });
  assert.equal(again.status, 201, 'the same request works once the audit line can be written');
});

test('only platform admins read the audit log', async () => {
  const tenantId = (await h.createTenant({ name: 'Private Audit Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  const tenantAdmin = await userWithToken(h, { email: 'tenant-admin@example.com', role: 'tenant_admin', tenant_id: tenantId });
  assert.equal((await callAs(h, tenantAdmin.token, 'GET', '/api/audit')).status, 403);
});
