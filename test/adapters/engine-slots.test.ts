import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { createScratchDatabase } from '../support/database.ts';
import { createPool } from '../../src/adapters/postgres/database.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { FleetEngineSlots } from '../../src/adapters/postgres/engine-slots.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineRateLimitedError, EngineTimeoutError } from '../../src/domain/errors.ts';

// Two FleetEngineSlots on two sessions stand for two worker processes sharing one database.
let db: Awaited<ReturnType<typeof createScratchDatabase>>;
let pool: pg.Pool;
before(async () => {
  db = await createScratchDatabase();
  pool = createPool(db.url);
  await migrate(pool);
});
after(async () => {
  await pool.end();
  await db.drop();
});

// first in the file: pg warns once per process, so an earlier test could have used the warning up
test('the slots connection runs one statement at a time: no pg warning about a query sent while another is queued', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.message);
  process.on('warning', onWarning);
  const slots = new FleetEngineSlots({ databaseUrl: db.url });
  try {
    // releases (fire-and-forget), takes and limit changes overlap on the one connection
    await Promise.all(Array.from({ length: 40 }, (_, i) => slots.run('w', 3, 'k', async () => (i % 5 === 0 ? Promise.reject(new EngineRateLimitedError(undefined)) : undefined)).catch(() => {})));
    await new Promise((r) => setImmediate(r)); // process.emitWarning emits on the next tick
  } finally {
    await slots.close();
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.filter((m) => /already executing a query/.test(m)), []);
});

test('slots are shared by processes: with every slot taken elsewhere a call waits, and runs when one is released', async () => {
  const a = new FleetEngineSlots({ databaseUrl: db.url });
  const b = new FleetEngineSlots({ databaseUrl: db.url });
  try {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const bothStarted = new Promise<void>((r) => (started = r));
    let inA = 0;
    const held = [0, 1].map(() => a.run('e', 2, 'k', async () => (++inA === 2 && started(), gate)));
    await bothStarted;
    let ranInB = false;
    const waiting = b.run('e', 2, 'k', async () => void (ranInB = true));
    // B's statement saw no free slot: it is waiting for a release
    await new Promise((r) => setImmediate(r));
    assert.equal(ranInB, false);
    release();
    await Promise.all([...held, waiting]);
    assert.equal(ranInB, true);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a 429 halves the shared limit for every process; good answers raise it back one at a time', async () => {
  const a = new FleetEngineSlots({ databaseUrl: db.url });
  let bClock = Date.now();
  const b = new FleetEngineSlots({ databaseUrl: db.url, now: () => bClock });
  const limitRow = async () => (await pool.query(`select current_limit from onboarding.engine_limits where engine_id = 'x'`)).rows[0]?.current_limit;
  try {
    await assert.rejects(a.run('x', 8, 'GET /api/resource/Company', () => Promise.reject(new EngineRateLimitedError(undefined))));
    for (let i = 0; i < 10_000 && (await limitRow()) === undefined; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await limitRow(), 4);
    await b.run('x', 8, 'k', async () => {});
    assert.equal(b.limit('x'), 4, 'the other process follows the shared limit');
    // two seconds later (both clocks moved rather than waited for), a good answer adds one slot
    await pool.query(`update onboarding.engine_limits set changed_at = now() - interval '2 seconds' where engine_id = 'x'`);
    bClock += 2_000;
    await b.run('x', 8, 'k', async () => {});
    // the raise is written after the call returns: wait for the row, not for a time
    for (let i = 0; i < 10_000 && (await limitRow()) === 4; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await limitRow(), 5);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a process releases every slot it took: many calls at once leave no lock behind', async () => {
  const a = new FleetEngineSlots({ databaseUrl: db.url });
  try {
    // more calls than slots, each lasting a database round trip, so that slot statements run
    // while this process holds slots
    await Promise.all(Array.from({ length: 30 }, () => a.run('leak', 3, 'k', async () => void (await pool.query('select pg_sleep(0.005)')))));
    // the last release is written after its call returns: wait for the lock count, not for a time
    const held = async () =>
      (
        await pool.query(
          `select count(*)::int as n from pg_locks l join pg_stat_activity s on s.pid = l.pid
           where l.locktype = 'advisory' and s.application_name = 'provisioner-engine-slots' and s.datname = current_database()`,
        )
      ).rows[0].n as number;
    for (let i = 0; i < 10_000 && (await held()) > 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await held(), 0, 'no slot lock is left once every call has ended');
  } finally {
    await a.close();
  }
});

test('a call that timed out keeps its slot as long again: the engine is still working on it', async () => {
  const a = new FleetEngineSlots({ databaseUrl: db.url });
  const b = new FleetEngineSlots({ databaseUrl: db.url });
  try {
    let inA!: () => void;
    const aStarted = new Promise<void>((r) => (inA = r));
    // the call takes 300 ms, then its caller stops waiting (the request stays in the engine)
    const aGaveUp = a
      .run('t', 1, 'k', async () => {
        inA();
        await sleep(300);
        throw new EngineTimeoutError('GET /api/resource/Company', 300);
      })
      .catch(() => performance.now());
    await aStarted;
    const bStarted = b.run('t', 1, 'k', async () => performance.now());
    const [gaveUpAt, startedAt] = await Promise.all([aGaveUp, bStarted]);
    // a lower bound only: a busy machine makes the wait longer, never shorter
    assert.ok(startedAt - gaveUpAt >= 250, `the next call started ${Math.round(startedAt - gaveUpAt)} ms after the timed-out one gave up`);
  } finally {
    await a.close();
    await b.close();
  }
});
