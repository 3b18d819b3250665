import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cli, useCliServer } from './support.ts';
import { freePort } from '../support/ports.ts';

// no cached login, no token: the CLI finds its own credentials
const server = useCliServer(() => ({ PROVISIONER_TOKEN: undefined, PROVISIONER_PASSWORD: undefined }));

const credentials = () => path.join(server.dir, 'credentials.json');

test('without a login every API command exits 4 and says how to log in', async () => {
  const r = await cli(['status'], server.env);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /error \[NOT_LOGGED_IN\]: Not logged in to http:\/\/127\.0\.0\.1:\d+\/api/);
  assert.match(r.stderr, /hint: Log in first: npx provisioner login --api-url http:\/\/127\.0\.0\.1:\d+\/api/);
});

test('a wrong API URL exits 8 API_UNREACHABLE, not "log in": nothing listening, or no Provisioner API there', async () => {
  const closed = await freePort();
  const nothing = await cli(['status'], { ...server.env, API_URL: `http://127.0.0.1:${closed}/api` });
  assert.equal(nothing.code, 8, nothing.stderr);
  assert.match(nothing.stderr, /error \[API_UNREACHABLE\]: The API at http:\/\/127\.0\.0\.1:\d+\/api did not answer: ECONNREFUSED/);
  const elsewhere = await cli(['tenants', 'list'], { ...server.env, API_URL: `${server.h.api}/not-the-api` });
  assert.equal(elsewhere.code, 8, elsewhere.stderr);
  assert.match(elsewhere.stderr, /no Provisioner API there \(GET .*\/not-the-api\/health answered 404\)/);
});

test('a wrong password exits 4 with INVALID_CREDENTIALS and caches nothing', async () => {
  const r = await cli(['login', '--email', 'admin@moran.com'], { ...server.env, PROVISIONER_PASSWORD: 'wrong-password' });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /error \[INVALID_CREDENTIALS\]/);
  await assert.rejects(stat(credentials()));
});

test('login without a password and without a terminal is a usage error (exit 2)', async () => {
  const r = await cli(['login', '--email', 'admin@moran.com'], server.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /a password is needed/);
});

test('login caches the token in a file of mode 0600, keyed by API URL, and never prints it', async () => {
  const r = await cli(['login', '--email', 'admin@moran.com'], { ...server.env, PROVISIONER_PASSWORD: 'admin123' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Logged in to .* as admin@moran\.com \(platform_admin\)/);
  const file = await stat(credentials());
  assert.equal(file.mode & 0o777, 0o600);
  assert.equal((await stat(server.dir)).mode & 0o077, 0, 'the folder is private too');
  const cached = JSON.parse(await readFile(credentials(), 'utf8'));
  const entry = cached[`${server.h.api}/api`];
  assert.match(entry.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.ok(!r.stdout.includes(entry.token) && !r.stderr.includes(entry.token), 'the token is not printed');
  assert.ok(!r.stdout.includes('admin123'), 'the password is not printed');

  const json = await cli(['login', '--email', 'admin@moran.com', '--json'], { ...server.env, PROVISIONER_PASSWORD: 'admin123' });
  const answer = JSON.parse(json.stdout);
  assert.equal(answer.user.email, 'admin@moran.com');
  assert.equal(answer.access_token, undefined, '--json keeps the token in the file');

  const who = await cli(['whoami'], server.env);
  assert.equal(who.code, 0, who.stderr);
  assert.match(who.stdout, /admin@moran\.com \(platform_admin\)/);
});

test('the cached token is used by the other commands; PROVISIONER_TOKEN and --token override it', async () => {
  assert.equal((await cli(['tenants', 'list'], server.env)).code, 0);
  const refused = await cli(['tenants', 'list'], { ...server.env, PROVISIONER_TOKEN: 'not-a-token' });
  assert.equal(refused.code, 4);
  assert.match(refused.stderr, /error \[UNAUTHENTICATED\]/);
  assert.match(refused.stderr, /hint: log in again: npx provisioner login --api-url/);
  assert.equal((await cli(['tenants', 'list', '--token', server.h.token], { ...server.env, PROVISIONER_CONFIG_DIR: path.join(server.dir, 'elsewhere') })).code, 0);
});

test('an expired cached login exits 4 and says so', async () => {
  const saved = await readFile(credentials(), 'utf8');
  const cached = JSON.parse(saved);
  cached[`${server.h.api}/api`].expires_at = '2000-01-01T00:00:00.000Z';
  await writeFile(credentials(), JSON.stringify(cached), { mode: 0o600 });
  const r = await cli(['status'], server.env);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /expired at 2000-01-01/);
  await writeFile(credentials(), saved, { mode: 0o600 });
});

test('a credentials file that is not JSON is a configuration error (exit 3)', async () => {
  const other = path.join(server.dir, 'broken');
  await mkdir(other, { recursive: true });
  await writeFile(path.join(other, 'credentials.json'), '{not json');
  const r = await cli(['status'], { ...server.env, PROVISIONER_CONFIG_DIR: other });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /error \[CREDENTIALS_FILE_INVALID\]/);
});

test('a bad API URL is a configuration error (exit 3); an API that does not answer exits 8', async () => {
  const bad = await cli(['status', '--api-url', 'ftp://example'], server.env);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /error \[CONFIG_INVALID\]/);
  const down = await cli(['status', '--api-url', 'http://127.0.0.1:9/api', '--token', server.h.token], server.env);
  assert.equal(down.code, 8);
  assert.match(down.stderr, /error \[API_UNREACHABLE\]: The API at http:\/\/127\.0\.0\.1:9\/api did not answer/);
});

test('logout forgets the cached token', async () => {
  const r = await cli(['logout'], server.env);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Logged out of/);
  assert.equal((await cli(['whoami'], server.env)).code, 4);
  assert.match((await cli(['logout'], server.env)).stdout, /Not logged in/);
});

