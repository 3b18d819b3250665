/**
 * Engine-call events are written in batches (issue 13 item 3): one INSERT and one NOTIFY for a
 * step's calls instead of one of each per call, in the calls' order, published once written.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startHarness, type Harness } from '../support/harness.ts';
import { Journal } from '../../src/observability/journal.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { EVENTS_CHANNEL } from '../../src/adapters/postgres/store.ts';
import type { EventRecord, NewEvent } from '../../src/ports/store.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const call = (tenantId: string, i: number): NewEvent => ({
  tenantId,
  stepId: 'step_2_company',
  attempt: 1,
  type: 'engine_call',
  level: 'debug',
  status: '200',
  message: `GET /api/resource/Company/${i} → 200`,
  durationMs: i,
  engine: { method: 'GET', path: `/api/resource/Company/${i}`, status: 200, ms: i },
});

test("batched: a step's engine calls wait for the flush, then land in one statement with one notification, in order", async () => {
  const { store } = h.provisioner.db;
  const tenant = (await h.createTenant({ name: 'Call Batch Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant;
  const listener = new pg.Client({ connectionString: h.provisioner.db.url });
  await listener.connect();
  const notifications: string[] = [];
  listener.on('notification', (n) => void notifications.push(n.payload ?? ''));
  await listener.query(`listen ${EVENTS_CHANNEL}`);
  const journal = new Journal(store, createLogger({ level: 'silent' }));
  const published: EventRecord[] = [];
  journal.bus.on('event', (e: EventRecord) => published.push(e));
  try {
    for (let i = 0; i < 5; i++) journal.engineCall(call(tenant.id, i));
    const stored = () => store.listEvents(tenant.id, { limit: 100, offset: 0, includeEngineCalls: true });
    assert.equal((await stored()).filter((e) => e.type === 'engine_call').length, 0, 'nothing written before the flush');
    await journal.flushEngineCalls();
    const rows = (await stored()).filter((e) => e.type === 'engine_call');
    assert.deepEqual(rows.map((e) => e.engine?.ms), [0, 1, 2, 3, 4]);
    assert.deepEqual(published.map((e) => e.id), rows.map((e) => e.id), 'published once written, with their ids');
    // the notification is delivered after the commit: wait for it, then make sure no other follows
    await listener.query(`select 1`);
    for (let i = 0; i < 1000 && notifications.length === 0; i++) await new Promise((r) => setImmediate(r));
    await listener.query(`select 1`);
    assert.equal(notifications.length, 1, `one notification for the batch, got ${notifications.length}`);
  } finally {
    await listener.end();
  }
});

test("'each' writes every call at once; 'off' writes none", async () => {
  const { store } = h.provisioner.db;
  const tenant = (await h.createTenant({ name: 'Call Mode Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant;
  const each = new Journal(store, createLogger({ level: 'silent' }), 'each');
  const written = new Promise<void>((resolve) => each.bus.on('event', () => resolve()));
  each.engineCall(call(tenant.id, 7));
  await written;
  const off = new Journal(store, createLogger({ level: 'silent' }), 'off');
  off.engineCall(call(tenant.id, 8));
  await off.flushEngineCalls();
  const rows = (await store.listEvents(tenant.id, { limit: 100, offset: 0, includeEngineCalls: true })).filter((e) => e.type === 'engine_call');
  assert.deepEqual(rows.map((e) => e.engine?.ms), [7]);
});
