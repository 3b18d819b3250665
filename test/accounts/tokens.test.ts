/**
 * Tokens can be revoked: each carries its user's token_version (ver), checked against the users
 * table on every request; a deleted, disabled, re-roled user's old token is refused at once.
 * Tokens must be HS256 and carry exp.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { callAs, handSignedJwt, login, userWithToken } from '../support/accounts.ts';

let h: Harness;
let tenantId: string;

before(async () => {
  h = await startHarness();
  tenantId = (await h.createTenant({ name: 'Token Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
});
after(() => h.close());

test('a deleted user\'s token is refused with 401 TOKEN_REVOKED, and /api/auth/me no longer answers for it', async () => {
  const u = await userWithToken(h, { email: 'deleted@example.com', role: 'tenant_admin', tenant_id: tenantId });
  assert.equal((await callAs(h, u.token, 'GET', '/api/auth/me')).body.user.email, 'deleted@example.com');
  const deleted = await h.call('DELETE', `/api/users/${u.id}`);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.equal(deleted.body.user.email, 'deleted@example.com');
  for (const [method, path] of [['GET', '/api/auth/me'], ['POST', `/api/provisioning/tenants/${tenantId}/start`], ['GET', '/api/tenants']] as const) {
    const r = await callAs(h, u.token, method, path);
    assert.equal(r.status, 401, `${method} ${path}`);
    assert.equal(r.body.code, 'TOKEN_REVOKED');
  }
  assert.equal((await h.call('DELETE', `/api/users/${u.id}`)).body.code, 'USER_NOT_FOUND');
});

test('disabling a user revokes its tokens and refuses its login with 403 ACCOUNT_DISABLED; enabling lets it log in again, the old token stays revoked', async () => {
  const u = await userWithToken(h, { email: 'disabled@example.com', role: 'tenant_user', tenant_id: tenantId });
  const disabled = await h.call('PATCH', `/api/users/${u.id}`, { disabled: true });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal(disabled.body.user.disabled, true);
  assert.equal((await callAs(h, u.token, 'GET', `/api/provisioning/tenants/${tenantId}/status`)).body.code, 'TOKEN_REVOKED');
  const refused = await login(h.api, 'disabled@example.com', u.password);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'ACCOUNT_DISABLED');
  assert.equal((await h.call('PATCH', `/api/users/${u.id}`, { disabled: false })).body.user.disabled, false);
  const again = await login(h.api, 'disabled@example.com', u.password);
  assert.equal(again.status, 200);
  assert.equal((await callAs(h, again.body.access_token, 'GET', '/api/auth/me')).status, 200);
  assert.equal((await callAs(h, u.token, 'GET', '/api/auth/me')).body.code, 'TOKEN_REVOKED');
});

test('a demoted user\'s old token no longer operates: 401 TOKEN_REVOKED, and its new token has the new role', async () => {
  const u = await userWithToken(h, { email: 'demoted@example.com', role: 'tenant_admin', tenant_id: tenantId });
  assert.equal((await h.call('PATCH', `/api/users/${u.id}`, { role: 'tenant_user' })).body.user.role, 'tenant_user');
  const old = await callAs(h, u.token, 'POST', `/api/provisioning/tenants/${tenantId}/start`);
  assert.equal(old.status, 401);
  assert.equal(old.body.code, 'TOKEN_REVOKED');
  const fresh = (await login(h.api, 'demoted@example.com', u.password)).body.access_token;
  assert.equal((await callAs(h, fresh, 'GET', '/api/auth/me')).body.user.role, 'tenant_user');
  assert.equal((await callAs(h, fresh, 'POST', `/api/provisioning/tenants/${tenantId}/start`)).status, 403);
});

test('a password change revokes the tokens issued before it', async () => {
  const u = await userWithToken(h, { email: 'rotated@example.com', role: 'tenant_user', tenant_id: tenantId });
  assert.equal((await h.call('PATCH', `/api/users/${u.id}`, { password: 'a brand new passphrase' })).status, 200);
  assert.equal((await callAs(h, u.token, 'GET', '/api/auth/me')).body.code, 'TOKEN_REVOKED');
  assert.equal((await login(h.api, 'rotated@example.com', u.password)).status, 401);
  assert.equal((await login(h.api, 'rotated@example.com', 'a brand new passphrase')).status, 200);
});

test('a role and tenant that do not fit are a 400 ROLE_TENANT_MISMATCH; an unknown user a 404', async () => {
  const u = await userWithToken(h, { email: 'mismatch@example.com', role: 'tenant_user', tenant_id: tenantId });
  assert.equal((await h.call('PATCH', `/api/users/${u.id}`, { role: 'platform_viewer', tenant_id: tenantId })).body.code, 'ROLE_TENANT_MISMATCH');
  assert.equal((await h.call('PATCH', `/api/users/${u.id}`, { tenant_id: null })).body.code, 'ROLE_TENANT_MISMATCH');
  assert.equal((await h.call('PATCH', '/api/users/00000000-0000-4000-8000-000000000000', { disabled: true })).status, 404);
  assert.equal((await h.call('PATCH', `/api/users/${u.id}`, {})).status, 400);
});

test('tokens signed HS512 with the right secret, without exp, or with an exp past the clock tolerance are refused', async () => {
  const me = (await h.call('GET', '/api/auth/me')).body.user;
  const ver = JSON.parse(Buffer.from(h.token.split('.')[1]!, 'base64url').toString()).ver;
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: me.sub, email: me.email, role: me.role, tenant_id: null, ver, iat: now };
  const good = handSignedJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now + 60 }, TEST_JWT_SECRET);
  assert.equal((await callAs(h, good, 'GET', '/api/auth/me')).status, 200, 'the hand-made token is right when it is HS256 with exp');
  for (const [what, token] of [
    ['HS512', handSignedJwt({ alg: 'HS512', typ: 'JWT' }, { ...claims, exp: now + 60 }, TEST_JWT_SECRET)],
    ['no exp', handSignedJwt({ alg: 'HS256', typ: 'JWT' }, claims, TEST_JWT_SECRET)],
    ['expired 30 s ago', handSignedJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now - 30 }, TEST_JWT_SECRET)],
    ['alg none', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, exp: now + 60 })).toString('base64url')}.`],
  ] as const) {
    const r = await callAs(h, token, 'GET', '/api/auth/me');
    assert.equal(r.status, 401, what);
    assert.equal(r.body.code, 'UNAUTHENTICATED', what);
  }
});

test('/api/auth/me reads the users table: a new role shows at once with a token issued after the change', async () => {
  const u = await userWithToken(h, { email: 'me-reader@example.com', role: 'tenant_user', tenant_id: tenantId });
  assert.deepEqual(
    { ...(await callAs(h, u.token, 'GET', '/api/auth/me')).body.user, iat: undefined, exp: undefined },
    { sub: u.id, email: 'me-reader@example.com', name: null, role: 'tenant_user', tenant_id: tenantId, iat: undefined, exp: undefined },
  );
});

// last: demoting the harness's admin revokes h.token
test('the last active platform admin cannot be deleted, disabled or demoted (409 LAST_PLATFORM_ADMIN); with a second one it can', async () => {
  const me = (await h.call('GET', '/api/auth/me')).body.user.sub;
  for (const [method, body] of [['DELETE', undefined], ['PATCH', { disabled: true }], ['PATCH', { role: 'platform_viewer' }]] as const) {
    const r = await h.call(method, `/api/users/${me}`, body);
    assert.equal(r.status, 409, `${method} ${JSON.stringify(body)}`);
    assert.equal(r.body.code, 'LAST_PLATFORM_ADMIN');
  }
  const other = await userWithToken(h, { email: 'second-admin@example.com', role: 'platform_admin' });
  const demoted = await callAs(h, other.token, 'PATCH', `/api/users/${me}`, { role: 'platform_viewer' });
  assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
  // the second admin is now the last one: it cannot remove itself
  assert.equal((await callAs(h, other.token, 'DELETE', `/api/users/${other.id}`)).body.code, 'LAST_PLATFORM_ADMIN');
  assert.equal((await callAs(h, other.token, 'PATCH', `/api/users/${me}`, { role: 'platform_admin' })).status, 200);
});

test('two platform admins demoting each other at the same moment: one wins, one platform admin is left, no 500', async () => {
  const h2 = await startHarness();
  try {
    const meId = (await h2.call('GET', '/api/auth/me')).body.user.sub;
    const b = await userWithToken(h2, { email: 'rival@example.com', role: 'platform_admin' });
    for (let round = 0; round < 5; round++) {
      const [first, second] = await Promise.all([
        h2.call('PATCH', `/api/users/${b.id}`, { role: 'platform_viewer' }),
        callAs(h2, b.token, 'PATCH', `/api/users/${meId}`, { role: 'platform_viewer' }),
      ]);
      const statuses = [first.status, second.status].sort();
      assert.ok(statuses[0] === 200 && [401, 409].includes(statuses[1]!), `round ${round}: ${JSON.stringify([first.body, second.body])}`);
      const admins = (await h2.provisioner.db.pool.query(`select id from onboarding.users where role = 'platform_admin' and disabled_at is null`)).rows;
      assert.equal(admins.length, 1);
      if (first.status !== 200) return; // the harness's token was revoked: nothing left to race with
      // b lost: make it an admin again with a fresh token for the next round
      assert.equal((await h2.call('PATCH', `/api/users/${b.id}`, { role: 'platform_admin' })).status, 200);
      b.token = (await login(h2.api, 'rival@example.com', b.password)).body.access_token;
    }
  } finally {
    await h2.close();
  }
});
