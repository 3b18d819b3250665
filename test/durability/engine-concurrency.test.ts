import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';

// ENGINE_MAX_CONCURRENCY is one limit for the whole fleet: three worker processes, each able to
// run 4 tenants at once, never have more than CAP requests at the engine together.
const CAP = 2;
let h: Harness;
before(async () => {
  // every request takes a little while, so that calls overlap and the limit is reached
  h = await startHarness({ proxy: true, simulator: { latency: 25 }, config: { workerInProcess: false, engineMaxConcurrency: CAP } });
});
after(() => h.close());

test(`three worker processes share one engine limit: the engine never has more than ${CAP} requests in flight`, async () => {
  const env = {
    DATABASE_URL: h.provisioner.db.url,
    PROVISIONER_JWT_SECRET: 'unused-by-workers-0123456789abcdefghijkl',
    ENGINE_MAX_CONCURRENCY: String(CAP),
    STEP_RETRY_BASE_MS: '20',
  };
  const workers: ProvisionerProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) workers.push(spawnProvisioner(['worker'], env));
    await Promise.all(workers.map((w) => w.waitForLine(/provisioning worker started/)));
    h.proxy!.resetPeak();
    const tenants = [];
    for (let i = 0; i < 9; i++) tenants.push((await h.createTenant({ name: `Fleet Limit Shop ${i}`, country_code: 'KE' })).tenant);
    for (const t of tenants) {
      const status = await h.waitForStatus(t.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
      assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    }
    // Which workers claim which runs is up to the scheduler: on a busy machine two workers can
    // claim all nine before the third polls (a CI run saw exactly that). Two processes running
    // tenants at once are enough to prove the limit is shared across processes.
    const { rows } = await h.provisioner.db.pool.query(`select count(distinct locked_by)::int as n from onboarding.provisioning_runs`);
    assert.ok(rows[0].n >= 2, `tenants ran in ${rows[0].n} worker process(es), not several`);
    process.stdout.write(`# peak ${h.proxy!.peakInFlight} requests in flight at the engine (cap ${CAP}, 3 workers × 4 runs)\n`);
    assert.ok(h.proxy!.peakInFlight <= CAP, `the engine saw ${h.proxy!.peakInFlight} requests at once`);
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  }
});
