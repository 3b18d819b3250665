import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness, TEST_ENGINE_URL_POLICY } from '../support/harness.ts';
import { buildApi } from '../../src/api/app.ts';
import { Journal } from '../../src/observability/journal.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { ProvisioningService } from '../../src/application/provisioning-service.ts';
import { createEngine } from '../../src/adapters/engine-factory.ts';
import { STEP_IDS } from '../../src/domain/steps/catalogue.ts';

interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/** An SSE client over fetch: parses frames as an EventSource would, remembers comments. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let waiters: Array<() => void> = [];
  let ended = false;
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const i = line.indexOf(':');
              fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
            }
          }
          if (fields.data !== undefined) events.push({ id: Number(fields.id), event: fields.event!, data: JSON.parse(fields.data) });
        }
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      /* aborted */
    } finally {
      ended = true;
      for (const w of waiters.splice(0)) w();
    }
  })();
  return {
    res,
    events,
    comments,
    /** Waits until an event satisfies `predicate` (checked on every new chunk). */
    async until(predicate: (events: SseEvent[]) => boolean, timeoutMs = 120_000): Promise<SseEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (ended) throw new Error(`stream ended first; got ${events.map((e) => e.event).join(', ')}`);
        if (Date.now() > deadline) throw new Error(`timed out; got ${events.map((e) => e.event).join(', ')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return events;
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}

const runFinished = (tenantId: string) => (events: SseEvent[]) => events.some((e) => e.event === 'run_finished' && e.data.tenant_id === tenantId);

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const auth = () => ({ authorization: `Bearer ${h.token}` });

async function storedLogs(tenantId: string): Promise<any[]> {
  const { body } = await h.call('GET', `/api/provisioning/tenants/${tenantId}/logs?limit=1000`);
  return body.logs;
}

test('a tenant stream delivers every step transition and the run end, in order, as the logs API shapes them', async () => {
  const { tenant } = await h.createTenant({ name: 'Stream Shop', country_code: 'KE', provisioning: { auto_start: false } });
  const stream = await openStream(`${h.api}/api/provisioning/tenants/${tenant.id}/events`, auth());
  try {
    assert.equal(stream.res.status, 200);
    assert.equal(stream.res.headers.get('content-type'), 'text/event-stream');
    assert.equal((await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`)).status, 202);
    const events = await stream.until(runFinished(tenant.id));

    // live from the moment of connection: everything after tenant_created, nothing else
    const stored = (await storedLogs(tenant.id)).filter((l) => l.type !== 'tenant_created');
    assert.deepEqual(
      events.map((e) => e.id),
      stored.map((l) => l.id),
    );
    assert.deepEqual(
      events.map((e) => e.data),
      stored.map((l) => ({ ...l, tenant_id: tenant.id })),
      'data is the log entry plus tenant_id',
    );
    assert.ok(events.every((e, i) => e.event === e.data.type && (i === 0 || e.id > events[i - 1]!.id)));
    assert.ok(!events.some((e) => e.event === 'engine_call'));

    const types = events.map((e) => e.event);
    assert.equal(types[0], 'run_queued');
    assert.equal(types[1], 'run_started');
    assert.equal(types.at(-1), 'run_finished');
    assert.equal(events.at(-1)!.data.status, 'COMPLETED');
    // each step starts then ends (completed or skipped), in catalogue order
    const transitions = events.filter((e) => e.data.step && e.event !== 'note').map((e) => `${e.data.step} ${e.event}`);
    const expected = STEP_IDS.flatMap((id) => (id === 'step_6_items' ? [`${id} step_started`, `${id} step_skipped`] : [`${id} step_started`, `${id} step_completed`]));
    assert.deepEqual(transitions, expected);
    assert.ok(stream.comments.includes('keep-alive'), 'the stream opens with a comment line');
  } finally {
    await stream.close();
  }
});

test('reconnecting with Last-Event-ID loses and duplicates no event', async () => {
  const { tenant } = await h.createTenant({ name: 'Reconnect Shop', country_code: 'UG', provisioning: { auto_start: false, include_demo_data: true } });
  const [created] = await storedLogs(tenant.id);
  h.simulator.sim.injectLatency(15);
  try {
    const first = await openStream(`${h.api}/api/provisioning/tenants/${tenant.id}/events`, auth());
    await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
    await first.until((events) => events.filter((e) => e.event === 'step_completed').length >= 2);
    await first.close();
    const seen = [...first.events];
    // events keep being stored while no client listens
    const lastSeen = seen.at(-1)!.id;
    while ((await storedLogs(tenant.id)).at(-1).id <= lastSeen) await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await openStream(`${h.api}/api/provisioning/tenants/${tenant.id}/events`, { ...auth(), 'last-event-id': String(seen.at(-1)!.id) });
    try {
      await second.until(runFinished(tenant.id));
      const ids = [...seen, ...second.events].map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
      const stored = (await storedLogs(tenant.id)).filter((l) => l.id > created.id).map((l) => l.id);
      assert.deepEqual(ids, stored, 'every stored event, in order');
      assert.ok(second.events.length > 0 && seen.length > 0);
    } finally {
      await second.close();
    }
  } finally {
    h.simulator.sim.clearFaults();
  }

  // the query parameter does the same, and since_id=0 replays the whole history
  const all = await openStream(`${h.api}/api/provisioning/tenants/${tenant.id}/events?since_id=0`, auth());
  const fromQuery = await openStream(`${h.api}/api/provisioning/tenants/${tenant.id}/events?last_event_id=${created.id}`, auth());
  try {
    const stored = await storedLogs(tenant.id);
    await all.until(runFinished(tenant.id));
    assert.deepEqual(all.events.map((e) => e.id), stored.map((l) => l.id));
    await fromQuery.until(runFinished(tenant.id));
    assert.deepEqual(fromQuery.events.map((e) => e.id), stored.slice(1).map((l) => l.id));
  } finally {
    await all.close();
    await fromQuery.close();
  }
});

test('the all-tenants stream shows only the tenants the caller may see', async () => {
  const mine = (await h.createTenant({ name: 'Visible Shop', country_code: 'TZ', provisioning: { auto_start: false } })).tenant;
  const other = (await h.createTenant({ name: 'Hidden Shop', country_code: 'RW' })).tenant;
  await h.waitForStatus(other.id, ['COMPLETED']);
  const email = 'cashier@visible.example';
  assert.equal((await h.call('POST', '/api/users', { email, password: 'cashier-password-1', role: 'tenant_user', tenant_id: mine.id })).status, 201);
  const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'cashier-password-1' }) });
  const userToken = ((await login.json()) as { access_token: string }).access_token;

  const userStream = await openStream(`${h.api}/api/provisioning/events?since_id=0&access_token=${userToken}`);
  const adminStream = await openStream(`${h.api}/api/provisioning/events?since_id=0`, auth());
  try {
    assert.equal(userStream.res.status, 200);
    await h.call('POST', `/api/provisioning/tenants/${mine.id}/start`);
    await userStream.until(runFinished(mine.id));
    await adminStream.until(runFinished(mine.id));
    assert.ok(userStream.events.length > 0 && userStream.events.every((e) => e.data.tenant_id === mine.id), 'a tenant user sees only its tenant');
    const adminTenants = new Set(adminStream.events.map((e) => e.data.tenant_id));
    assert.ok(adminTenants.has(mine.id) && adminTenants.has(other.id), 'a platform admin sees every tenant');
    const ids = adminStream.events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  } finally {
    await userStream.close();
    await adminStream.close();
  }

  const foreign = await fetch(`${h.api}/api/provisioning/tenants/${other.id}/events?access_token=${userToken}`);
  assert.equal(foreign.status, 404, 'another tenant is not found, not forbidden');
  assert.equal(((await foreign.json()) as any).code, 'TENANT_NOT_FOUND');
});

test('a missing or bad token is 401, an unknown tenant 404, a bad id or Last-Event-ID 400, all as problem documents', async () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['/api/provisioning/events', {}, 401, 'UNAUTHENTICATED'],
    ['/api/provisioning/events?access_token=not-a-jwt', {}, 401, 'UNAUTHENTICATED'],
    ['/api/provisioning/events', { authorization: 'Bearer not-a-jwt' }, 401, 'UNAUTHENTICATED'],
    [`/api/provisioning/tenants/${unknown}/events`, {}, 401, 'UNAUTHENTICATED'],
    [`/api/provisioning/tenants/${unknown}/events`, auth(), 404, 'TENANT_NOT_FOUND'],
    ['/api/provisioning/tenants/not-a-uuid/events', auth(), 400, 'VALIDATION_FAILED'],
    ['/api/provisioning/events', { ...auth(), 'last-event-id': 'abc' }, 400, 'VALIDATION_FAILED'],
    ['/api/provisioning/events?since_id=-1', auth(), 400, 'VALIDATION_FAILED'],
  ];
  for (const [path, headers, status, code] of cases) {
    const res = await fetch(`${h.api}${path}`, { headers });
    assert.equal(res.status, status, `${path} ${JSON.stringify(headers)}`);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(((await res.json()) as any).code, code);
  }
});

test('a quiet stream sends a keep-alive comment, and closing the server ends open streams', async () => {
  // a second API on the same database and feed, with a short keep-alive interval
  const { store } = h.provisioner.db;
  const logger = createLogger({ level: 'silent' });
  const engineFor = (r: Parameters<typeof createEngine>[0]) => createEngine(r, { urlPolicy: TEST_ENGINE_URL_POLICY });
  const service = new ProvisioningService(store, new Journal(store, logger), engineFor, 'default');
  const app = await buildApi({ store, service, engineFor, version: 'test', logger, jwtSecret: TEST_JWT_SECRET, eventFeed: h.provisioner.eventFeed, metrics: h.provisioner.metrics, eventStreamKeepAliveMs: 50 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const stream = await openStream(`http://127.0.0.1:${address.port}/api/provisioning/events`, auth());
  try {
    const before = h.provisioner.eventFeed.subscriberCount;
    await stream.until(() => stream.comments.filter((c) => c === 'keep-alive').length >= 3);
    assert.ok(stream.comments.filter((c) => c === 'keep-alive').length >= 3, `comments: ${stream.comments.join(',')}`);
    await app.close();
    await stream.until(() => false, 60_000).catch((e: Error) => assert.match(e.message, /stream ended first/));
    assert.equal(h.provisioner.eventFeed.subscriberCount, before - 1, 'the closed stream unsubscribed');
  } finally {
    await stream.close();
  }
});

test('a lost LISTEN connection (database restart) is re-established and no event is lost meanwhile', async () => {
  const { pool } = h.provisioner.db;
  const listeners = async () =>
    (await pool.query(`select pid from pg_stat_activity where application_name = 'provisioner-event-feed' and datname = current_database()`)).rows.map((r) => r.pid as number);
  const before = await listeners();
  assert.equal(before.length, 1, 'one LISTEN connection per process');
  const { tenant } = await h.createTenant({ name: 'Restart Shop', country_code: 'KE', provisioning: { auto_start: false } });
  const stream = await openStream(`${h.api}/api/provisioning/tenants/${tenant.id}/events`, auth());
  try {
    await pool.query('select pg_terminate_backend($1)', [before[0]]);
    await h.call('POST', `/api/provisioning/tenants/${tenant.id}/start`);
    await stream.until(runFinished(tenant.id));
    const stored = (await storedLogs(tenant.id)).filter((l) => l.type !== 'tenant_created');
    assert.deepEqual(stream.events.map((e) => e.id), stored.map((l) => l.id));
  } finally {
    await stream.close();
  }
  const deadline = Date.now() + 30_000;
  let after = await listeners();
  while ((after.length !== 1 || after[0] === before[0]) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await listeners();
  }
  assert.equal(after.length, 1);
  assert.notEqual(after[0], before[0], 'a new LISTEN connection');
});
