/**
 * Every list pages (issue 11: 1,100 tenants answered 920 KB in one piece): `limit` (default 50,
 * at most 500) and an opaque `cursor`, `next_cursor` null on the last page; the list keys stay;
 * the CLI still sees every row. A status or drift filter looks at TENANT_FILTER_SCAN_LIMIT tenants
 * at most per request (issue 13): a rare status never reads every tenant's status at once.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHarness, type Harness } from '../support/harness.ts';
import { cli } from '../cli/support.ts';
import { login } from '../support/accounts.ts';
import { DEMO_ADMIN } from '../../src/provisioner.ts';

const TENANTS = 56;

let h: Harness;
let ids: string[];
let completedId: string;
before(async () => {
  h = await startHarness();
  ids = [];
  for (let i = 0; i < TENANTS - 1; i++) ids.push((await h.createTenant({ name: `Page Shop ${i}`, country_code: 'KE', provisioning: { auto_start: false } })).tenant.id);
  completedId = (await h.createTenant({ name: 'Page Shop Done', country_code: 'KE' })).tenant.id;
  ids.push(completedId);
  await h.waitForStatus(completedId, ['COMPLETED']);
});
after(() => h.close());

/** Every page of a list, following next_cursor; the pages' sizes too. */
async function walk(path: string, key: string, query = '', on: Harness = h): Promise<{ rows: any[]; sizes: number[] }> {
  const rows: any[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') || query ? '&' : '?';
    const r = await on.call('GET', `${path}${query ? `?${query}` : ''}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(Array.isArray(r.body[key]), `the list stays under "${key}"`);
    assert.ok('next_cursor' in r.body);
    rows.push(...r.body[key]);
    sizes.push(r.body[key].length);
    cursor = r.body.next_cursor;
    assert.ok(sizes.length < 100, 'the pages end');
  } while (cursor);
  return { rows, sizes };
}

test('GET /api/tenants answers 50 tenants unless asked, then the rest after next_cursor, oldest first', async () => {
  const first = await h.call('GET', '/api/tenants');
  assert.equal(first.body.tenants.length, 50);
  assert.equal(typeof first.body.next_cursor, 'string');
  const all = await walk('/api/tenants', 'tenants');
  assert.deepEqual(all.sizes, [50, TENANTS - 50]);
  assert.deepEqual(all.rows.map((t) => t.id), ids);
});

test('every page of a small limit together is every tenant exactly once', async () => {
  const all = await walk('/api/tenants', 'tenants', 'limit=7');
  assert.deepEqual(all.rows.map((t) => t.id), ids);
  assert.ok(all.sizes.every((n) => n <= 7));
  assert.equal((await h.call('GET', '/api/tenants?limit=500')).body.next_cursor, null);
});

test('a status filter fills its pages with matching tenants and its cursors reach the end', async () => {
  const done = await h.call('GET', '/api/tenants?status=COMPLETED&limit=1');
  assert.deepEqual(done.body.tenants.map((t: any) => t.id), [completedId]);
  assert.equal(done.body.next_cursor, null, 'the completed tenant is the newest: nothing follows');
  const notStarted = await walk('/api/tenants', 'tenants', 'status=NOT_STARTED&limit=20');
  assert.deepEqual(notStarted.rows.map((t) => t.id), ids.filter((id) => id !== completedId));
  assert.deepEqual(notStarted.sizes, [20, 20, 15]);
});

test('a tenant user pages through their own tenant only', async () => {
  assert.equal((await h.call('POST', '/api/users', { email: 'clerk@page.shop', password: 'a-long-password-1', role: 'tenant_user', tenant_id: ids[3] })).status, 201);
  const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'clerk@page.shop', password: 'a-long-password-1' }) });
  const token = ((await login.json()) as any).access_token;
  const res = await fetch(`${h.api}/api/tenants?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as any;
  assert.deepEqual(body.tenants.map((t: any) => t.id), [ids[3]]);
  assert.equal(body.next_cursor, null);
});

test('users and engines page the same way', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await h.call('POST', '/api/users', { email: `user${i}@page.shop`, password: 'a-long-password-1', role: 'platform_admin' })).status, 201);
  for (let i = 0; i < 3; i++) assert.equal((await h.call('POST', '/api/engines', { id: `erp-${i}`, kind: 'erpnext', base_url: 'https://erp.example.com', api_key: 'k', api_secret: 's' })).status, 201);
  const users = await walk('/api/users', 'users', 'limit=2');
  assert.equal(new Set(users.rows.map((u) => u.id)).size, users.rows.length);
  assert.ok(users.rows.length >= 5 && users.sizes.every((n) => n <= 2), JSON.stringify(users.sizes));
  assert.deepEqual(users.rows.map((u) => u.email), (await h.call('GET', '/api/users')).body.users.map((u: any) => u.email));
  const engines = await walk('/api/engines', 'engines', 'limit=2');
  assert.deepEqual(engines.rows.map((e) => e.id), ['default', 'erp-0', 'erp-1', 'erp-2']);
  assert.deepEqual(engines.sizes, [2, 2]);
});

test('a bad limit or cursor is a 400 VALIDATION_FAILED naming it', async () => {
  const engineCursor = (await h.call('GET', '/api/engines?limit=1')).body.next_cursor;
  const tenantCursor = (await h.call('GET', '/api/tenants?limit=1')).body.next_cursor;
  const cases: Array<[string, string]> = [
    ['/api/tenants?limit=0', 'querystring.limit'],
    ['/api/tenants?limit=501', 'querystring.limit'],
    ['/api/tenants?limit=ten', 'querystring.limit'],
    ['/api/tenants?cursor=not-a-cursor', 'querystring.cursor'],
    [`/api/tenants?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`, 'querystring.cursor'],
    [`/api/tenants?cursor=${engineCursor}`, 'querystring.cursor'],
    ['/api/users?limit=-1', 'querystring.limit'],
    ['/api/users?cursor=%7B%7D', 'querystring.cursor'],
    [`/api/engines?cursor=${tenantCursor}x`, 'querystring.cursor'],
  ];
  for (const [path, field] of cases) {
    const r = await h.call('GET', path);
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'VALIDATION_FAILED');
    assert.equal(r.body.errors[0].path, field, path);
  }
});

test('the CLI lists every tenant, page after page, and one page with --limit', async () => {
  const configDir = await mkdtemp(path.join(tmpdir(), 'provisioner-paging-'));
  try {
    const env = { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token, PROVISIONER_CONFIG_DIR: configDir };
    const all = await cli(['tenants', 'list', '--json'], env);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout).tenants.map((t: any) => t.id), ids);
    const page = await cli(['tenants', 'list', '--json', '--limit', '5'], env);
    assert.equal(page.code, 0, page.stderr);
    const body = JSON.parse(page.stdout);
    assert.deepEqual(body.tenants.map((t: any) => t.id), ids.slice(0, 5));
    const next = await cli(['tenants', 'list', '--json', '--limit', '5', '--cursor', body.next_cursor], env);
    assert.deepEqual(JSON.parse(next.stdout).tenants.map((t: any) => t.id), ids.slice(5, 10));
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
});

test("the login answer lists GET /api/tenants's first page and its cursor, not every tenant", async () => {
  const r = await login(h.api, DEMO_ADMIN.email, DEMO_ADMIN.password);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.tenants.map((t: { id: string }) => t.id), ids.slice(0, 50));
  const rest = await h.call('GET', `/api/tenants?cursor=${encodeURIComponent(r.body.tenants_next_cursor)}`);
  assert.deepEqual(rest.body.tenants.map((t: { id: string }) => t.id), ids.slice(50));
});

describe('with TENANT_FILTER_SCAN_LIMIT=10', () => {
  const SCAN = 10;
  const MANY = 26;
  let b: Harness;
  let all: string[];
  let completed: string[];
  before(async () => {
    b = await startHarness({ config: { tenantFilterScanLimit: SCAN } });
    all = [];
    completed = [];
    for (let i = 0; i < MANY; i++) {
      // two tenants provisioned, the 4th and the 18th; the others NOT_STARTED
      const done = i === 3 || i === 17;
      const id = (await b.createTenant({ name: `Scan Shop ${i}`, country_code: 'KE', provisioning: { auto_start: done } })).tenant.id;
      all.push(id);
      if (done) completed.push(id);
    }
    for (const id of completed) await b.waitForStatus(id, ['COMPLETED']);
  });
  after(() => b?.close());

  test('a filter that matches no tenant looks at TENANT_FILTER_SCAN_LIMIT tenants at most: an empty page and a next_cursor where the 10th tenant ends', async () => {
    const first = await b.call('GET', '/api/tenants?status=FAILED&limit=5');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.tenants, []);
    assert.equal(typeof first.body.next_cursor, 'string', 'more tenants follow the ones looked at');
    // the page ends at the last tenant looked at: the 10th, as an unfiltered page of 10 does
    assert.equal(first.body.next_cursor, (await b.call('GET', `/api/tenants?limit=${SCAN}`)).body.next_cursor);
    const drifted = await b.call('GET', '/api/tenants?drifted=true&limit=5');
    assert.deepEqual(drifted.body.tenants, []);
    assert.equal(drifted.body.next_cursor, first.body.next_cursor, 'drifted is bounded the same way');
  });

  test('following the cursors of a bounded filter reaches the end with every matching tenant exactly once', async () => {
    const none = await walk('/api/tenants', 'tenants', 'status=FAILED&limit=5', b);
    assert.deepEqual(none.rows, []);
    assert.deepEqual(none.sizes, [0, 0, 0], `${MANY} tenants, ${SCAN} looked at per request`);
    const done = await walk('/api/tenants', 'tenants', 'status=COMPLETED&limit=3', b);
    assert.deepEqual(done.rows.map((t) => t.id), completed);
    assert.deepEqual(done.sizes, [1, 1, 0]);
    const waiting = await walk('/api/tenants', 'tenants', 'status=NOT_STARTED&limit=4', b);
    assert.deepEqual(waiting.rows.map((t) => t.id), all.filter((id) => !completed.includes(id)));
    assert.ok(waiting.sizes.every((n) => n <= 4), JSON.stringify(waiting.sizes));
  });

  test('the bound is never below the limit: an unfiltered page of more than TENANT_FILTER_SCAN_LIMIT tenants stays full, a filtered one looks at limit tenants', async () => {
    const page = await b.call('GET', '/api/tenants?limit=20');
    assert.deepEqual(page.body.tenants.map((t: any) => t.id), all.slice(0, 20));
    const waiting = await b.call('GET', '/api/tenants?status=NOT_STARTED&limit=18');
    assert.deepEqual(waiting.body.tenants.map((t: any) => t.id), all.slice(0, 18).filter((id) => !completed.includes(id)));
    assert.equal(waiting.body.next_cursor, (await b.call('GET', '/api/tenants?limit=18')).body.next_cursor);
  });

  test('one page of the CLI that the bound left empty says more tenants follow, not that none has the status', async () => {
    const configDir = await mkdtemp(path.join(tmpdir(), 'provisioner-paging-scan-'));
    try {
      const env = { API_URL: `${b.api}/api`, PROVISIONER_TOKEN: b.token, PROVISIONER_CONFIG_DIR: configDir };
      const page = await cli(['tenants', 'list', '--status', 'FAILED', '--limit', '5'], env);
      assert.equal(page.code, 0, page.stderr);
      assert.match(page.stdout, /No FAILED tenant on this page; more tenants follow/);
      assert.match(page.stderr, /More tenants follow: .*tenants list --status FAILED --limit 5 --cursor \S+/);
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });
});
