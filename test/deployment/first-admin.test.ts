/**
 * Outside demo mode there is no default account: the first platform admin is made with
 * `users create`, straight in the database. Only `serve` signs tokens, so only `serve` needs
 * PROVISIONER_JWT_SECRET; the commands that touch only the database start without it.
 */
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { startProvisioner } from '../../src/provisioner.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createScratchDatabase } from '../support/database.ts';
import { spawnProvisioner } from '../support/processes.ts';
import { cli } from '../cli/support.ts';

const PASSWORD = 'first-admin-Passw0rd-long';
let db: Awaited<ReturnType<typeof createScratchDatabase>>;
before(async () => {
  db = await createScratchDatabase();
});
after(() => db.drop());

/** What an operator has before the first start: a database, no secret. */
const databaseOnly = () => ({ DATABASE_URL: db.url, PROVISIONER_JWT_SECRET: undefined, PROVISIONER_DEMO: undefined, LOG_PRETTY: 'false' });

test('users create makes the first platform admin with DATABASE_URL alone (it signs no token), and serve then logs it in', async () => {
  const made = await cli(['users', 'create', '--email', 'ops@example.com'], { ...databaseOnly(), PROVISIONER_NEW_PASSWORD: PASSWORD });
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /^created platform_admin ops@example\.com \(/);
  assert.ok(!`${made.stdout}${made.stderr}`.includes(PASSWORD), 'the password is never printed');

  const config = loadConfig({ DATABASE_URL: db.url, PROVISIONER_JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1' });
  const running = await startProvisioner(config, createLogger({ level: 'silent' }));
  try {
    const login = await fetch(`${running.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: PASSWORD }) });
    assert.equal(login.status, 200);
    const session = (await login.json()) as { access_token: string; user: { id: string; role: string } };
    assert.equal(session.user.role, 'platform_admin');
    // made straight in the database, and still in the audit log
    const audit = await fetch(`${running.url}/api/audit`, { headers: { authorization: `Bearer ${session.access_token}` } });
    const [made] = ((await audit.json()) as { entries: any[] }).entries.filter((e) => e.action === 'user.create');
    assert.deepEqual(
      { target_id: made?.target_id, actor_id: made?.actor_id, details: made?.details },
      { target_id: session.user.id, actor_id: null, details: { email: 'ops@example.com', role: 'platform_admin', tenant_id: null, via: 'provisioner users create' } },
    );
  } finally {
    await running.close();
  }
});

test('migrate and worker start without PROVISIONER_JWT_SECRET', async () => {
  const migrated = await cli(['migrate'], databaseOnly());
  assert.equal(migrated.code, 0, migrated.stderr);

  const worker = spawnProvisioner(['worker'], { DATABASE_URL: db.url, PROVISIONER_JWT_SECRET: '' });
  await worker.waitForLine(/provisioning worker started/);
  worker.kill('SIGTERM');
  assert.deepEqual(await worker.exited, { code: 0, signal: null }, worker.lines.join('\n'));
});

test('serve without PROVISIONER_JWT_SECRET stops with CONFIG_INVALID (exit 3), and the hint says which commands need it', async () => {
  const refused = await cli(['serve'], databaseOnly());
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /^error \[CONFIG_INVALID\]: PROVISIONER_JWT_SECRET is not set$/m);
  assert.match(refused.stderr, /^hint: .*openssl rand -hex 32.*`serve` signs access tokens with it \(worker, migrate and users create do not need it\)/m);
});

test('users create refuses what POST /api/users refuses, with the same error codes, never a database constraint message', async () => {
  const env = { ...databaseOnly(), PROVISIONER_NEW_PASSWORD: PASSWORD };
  const someTenant = '38ed3f57-0d36-4e47-849c-152c72863a31';
  const cases: Array<[string[], RegExp]> = [
    [['--email', 'viewer@example.com', '--role', 'platform_viewer', '--tenant', someTenant], /^error \[ROLE_TENANT_MISMATCH\]/m],
    [['--email', 'owner@example.com', '--role', 'tenant_admin'], /^error \[ROLE_TENANT_MISMATCH\]/m],
    [['--email', 'owner@example.com', '--role', 'tenant_admin', '--tenant', someTenant], /^error \[TENANT_NOT_FOUND\]/m],
    [['--email', 'owner@example.com', '--role', 'tenant_admin', '--tenant', 'shop-1'], /^error: --tenant must be a tenant id \(UUID\)/m],
  ];
  for (const [args, expected] of cases) {
    const refused = await cli(['users', 'create', ...args], env);
    assert.notEqual(refused.code, 0, args.join(' '));
    assert.match(refused.stderr, expected);
    assert.doesNotMatch(refused.stderr, /constraint|violates|invalid input syntax/);
  }
  assert.equal((await cli(['users', 'create', '--email', 'twice@example.com'], env)).code, 0);
  const again = await cli(['users', 'create', '--email', 'Twice@example.com'], env);
  assert.match(again.stderr, /^error \[USER_EXISTS\]/m);
});
