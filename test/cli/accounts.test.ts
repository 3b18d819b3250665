/** users disable | enable | set-role | set-password | delete and audit, through the API. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, useCliServer } from './support.ts';
import { login } from '../support/accounts.ts';

const server = useCliServer((h) => ({ PROVISIONER_TOKEN: h.token }), {});

test('users disable, enable, set-role, set-password and delete change the user by email, and audit lists the changes', async () => {
  const env = { ...server.env, PROVISIONER_NEW_PASSWORD: 'first-strong-passphrase' };
  assert.equal((await cli(['users', 'add', '--email', 'clerk@example.com', '--role', 'platform_viewer'], env)).code, 0);

  const disabled = await cli(['users', 'disable', 'clerk@example.com'], server.env);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, /Disabled clerk@example\.com; its tokens are revoked/);
  assert.match((await cli(['users', 'list'], server.env)).stdout, /clerk@example\.com\s+platform_viewer .*disabled/);
  assert.equal((await login(server.h.api, 'clerk@example.com', 'first-strong-passphrase')).body.code, 'ACCOUNT_DISABLED');

  assert.equal((await cli(['users', 'enable', 'clerk@example.com'], server.env)).code, 0);
  const role = await cli(['users', 'set-role', 'clerk@example.com', 'platform_admin'], server.env);
  assert.equal(role.code, 0, role.stderr);
  assert.match(role.stdout, /clerk@example\.com is now platform_admin/);
  const badRole = await cli(['users', 'set-role', 'clerk@example.com', 'emperor'], server.env);
  assert.notEqual(badRole.code, 0);
  assert.match(badRole.stderr, /unknown role emperor/);

  assert.equal((await cli(['users', 'set-password', 'clerk@example.com'], { ...server.env, PROVISIONER_NEW_PASSWORD: 'second-strong-passphrase' })).code, 0);
  assert.equal((await login(server.h.api, 'clerk@example.com', 'second-strong-passphrase')).status, 200);

  const deleted = await cli(['users', 'delete', 'clerk@example.com'], server.env);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!(await cli(['users', 'list'], server.env)).stdout.includes('clerk@example.com'));
  assert.notEqual((await cli(['users', 'delete', 'clerk@example.com'], server.env)).code, 0, 'an unknown user is an error');

  const audit = await cli(['audit'], server.env);
  assert.equal(audit.code, 0, audit.stderr);
  const actions = audit.stdout.split('\n').map((l) => /\s(user\.\w+)\s/.exec(l)?.[1]).filter(Boolean);
  assert.deepEqual(actions, ['user.delete', 'user.update', 'user.update', 'user.update', 'user.update', 'user.create']);
  assert.ok(!audit.stdout.includes('passphrase'));
  const json = JSON.parse((await cli(['audit', '--limit', '2', '--json'], server.env)).stdout);
  assert.equal(json.entries.length, 2);
  assert.ok(json.next_cursor);
});
