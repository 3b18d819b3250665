/**
 * Open event streams are capped per user and in all (issue 11: 1000 streams of one user made
 * every other request a 503): past a cap the answer is 429 TOO_MANY_STREAMS with Retry-After, a
 * closed stream gives its slot back, and streams hold no database connection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';

const PER_USER = 12;
const TOTAL = 13;

let h: Harness;
let tenantId: string;
let clerkToken: string;
before(async () => {
  // the pool (10 connections) is smaller than PER_USER: a stream that held one would starve the rest
  h = await startHarness({ config: { eventStreamsPerUser: PER_USER, eventStreamsMax: TOTAL, databasePoolMax: 10 } });
  tenantId = (await h.createTenant({ name: 'Stream Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  assert.equal((await h.call('POST', '/api/users', { email: 'clerk@stream.shop', password: 'a-long-password-1', role: 'tenant_user', tenant_id: tenantId })).status, 201);
  const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'clerk@stream.shop', password: 'a-long-password-1' }) });
  clerkToken = ((await login.json()) as { access_token: string }).access_token;
});
after(() => h.close());

interface Opened {
  status: number;
  headers: Headers;
  body: any;
  response?: Response;
  close(): void;
}

/** Opens a stream; a 200 stays open (its body unread) until close(), any other answer is read whole. */
async function open(path: string, token: string): Promise<Opened> {
  const abort = new AbortController();
  const res = await fetch(`${h.api}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  // the open stream keeps its Response: an unreachable one is collected, and undici then cancels
  // its body and closes the connection (the server saw streams end under memory pressure)
  if (res.status === 200) return { status: 200, headers: res.headers, body: null, response: res, close: () => abort.abort() };
  return { status: res.status, headers: res.headers, body: await res.json(), close: () => {} };
}

/** Waits until the server has as many open streams as expected (it learns of a close asynchronously). */
async function waitForStreams(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (h.provisioner.eventFeed.subscriberCount !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} open streams, the server has ${h.provisioner.eventFeed.subscriberCount}`);
    await sleep(10);
  }
}

function assertTooMany(r: Opened, detail: RegExp) {
  assert.equal(r.status, 429, JSON.stringify(r.body));
  assert.equal(r.body.code, 'TOO_MANY_STREAMS');
  assert.match(r.body.detail, detail);
  assert.match(r.body.hint, /Close event streams/);
  assert.equal(r.headers.get('retry-after'), '10');
}

test('a user gets at most the per-user number of streams, the server the global number, and a closed stream frees its slot', async () => {
  const admin: Opened[] = [];
  try {
    for (let i = 0; i < PER_USER; i++) {
      const r = await open(i % 2 ? '/api/provisioning/events' : `/api/provisioning/tenants/${tenantId}/events`, h.token);
      admin.push(r);
      assert.equal(r.status, 200, `stream ${i + 1}: ${JSON.stringify(r.body)}`);
    }
    await waitForStreams(PER_USER);

    // more streams than pool connections are open, and the database still answers everyone
    assert.equal((await h.call('GET', `/api/provisioning/tenants/${tenantId}/status`)).status, 200);
    assert.equal(h.provisioner.db.pool.waitingCount, 0);

    assertTooMany(await open('/api/provisioning/events', h.token), /per user \(12\)/);
    assertTooMany(await open(`/api/provisioning/tenants/${tenantId}/events`, h.token), /per user/);

    // another user still gets one, up to the global cap
    const clerk = await open(`/api/provisioning/tenants/${tenantId}/events`, clerkToken);
    admin.push(clerk);
    assert.equal(clerk.status, 200);
    assertTooMany(await open('/api/provisioning/events', clerkToken), /server has 13 event streams open, the most it allows \(13\)/);

    admin.shift()!.close();
    await waitForStreams(TOTAL - 1);
    const again = await open('/api/provisioning/events', clerkToken);
    admin.push(again);
    assert.equal(again.status, 200, JSON.stringify(again.body));
  } finally {
    for (const r of admin) r.close();
  }
  await waitForStreams(0);
});

test('a refused stream (unknown tenant) takes no slot', async () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  for (let i = 0; i < PER_USER + 1; i++) {
    const r = await open(`/api/provisioning/tenants/${unknown}/events`, h.token);
    assert.equal(r.status, 404, JSON.stringify(r.body));
  }
  const r = await open('/api/provisioning/events', h.token);
  assert.equal(r.status, 200);
  r.close();
  await waitForStreams(0);
});
