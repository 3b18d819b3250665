/**
 * The engines' current load (the dashboard's engines page): GET /api/engines and the health
 * check answer, for each engine, the requests in flight across the fleet (the engine slots held
 * in PostgreSQL) and the limit now (ENGINE_MAX_CONCURRENCY, lowered while it is overloaded).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  // a held Company insert must not run out of its time budget while the test reads the load
  h = await startHarness({ config: { engineMaxConcurrency: 6, engineBudgets: { readMs: 60_000, writeMs: 60_000, companyInsertMs: 60_000 } } });
});
after(() => h?.close());

const loadOf = async (engineId = 'default') => {
  const res = await h.call('GET', '/api/engines');
  assert.equal(res.status, 200);
  return res.body.engines.find((e: any) => e.id === engineId).load;
};

test('an idle engine: nothing in flight, every slot usable', async () => {
  assert.deepEqual(await loadOf(), { in_flight: 0, limit: 6, max: 6, reason: null });
  const health = await h.call('POST', '/api/engines/default/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.health.authenticated, true);
  // (the check's own request releases its slot as it ends: not necessarily before the answer reads the load)
  const { in_flight, ...limits } = health.body.load;
  assert.ok(in_flight === 0 || in_flight === 1, `in flight: ${in_flight}`);
  assert.deepEqual(limits, { limit: 6, max: 6, reason: null });
});

test('a request held by the engine counts as in flight until it ends', async (t) => {
  const sim = h.simulator.sim;
  sim.holdCompanyInserts();
  t.after(() => sim.releaseCompanyInserts());
  const { tenant } = await h.createTenant({ name: 'Held Load Shop', country_code: 'KE' });
  await sim.companyInsertsParked(1);
  assert.equal((await loadOf()).in_flight, 1);
  assert.ok((await h.call('POST', '/api/engines/default/health')).body.load.in_flight >= 1, 'the health answer counts it too');
  sim.releaseCompanyInserts();
  await h.waitForStatus(tenant.id, ['COMPLETED', 'PARTIAL', 'FAILED']);
  assert.equal((await loadOf()).in_flight, 0);
});

test('a lowered limit (an overloaded engine) shows with its reason, never above the maximum', async () => {
  const pool = h.provisioner.db.pool;
  // (an upsert: slow answers on a loaded machine may have lowered the limit already)
  await pool.query(
    `insert into onboarding.engine_limits (engine_id, current_limit, reason) values ('default', 2, 'ENGINE_RATE_LIMITED')
     on conflict (engine_id) do update set current_limit = 2, reason = 'ENGINE_RATE_LIMITED', changed_at = now()`,
  );
  try {
    assert.deepEqual(await loadOf(), { in_flight: 0, limit: 2, max: 6, reason: 'ENGINE_RATE_LIMITED' });
    await pool.query(`update onboarding.engine_limits set current_limit = 50, reason = 'recovering' where engine_id = 'default'`);
    assert.deepEqual(await loadOf(), { in_flight: 0, limit: 6, max: 6, reason: 'recovering' });
  } finally {
    await pool.query(`delete from onboarding.engine_limits where engine_id = 'default'`);
  }
});
