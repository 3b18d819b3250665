import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { resource } from '../support/engine-proxy.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWorker } from '../support/workers.ts';

// A worker that is alive and still holds its tenant lock, but whose lease ran out (a partition
// that stopped its heartbeats): fast failover must not take the run from it while it is inside a
// step. The next claimant sees the lock held, hands the run back, and the tenant runs once.
let h: Harness;
before(async () => {
  h = await startHarness({ proxy: true, config: { workerInProcess: false } });
});
after(() => h.close());

async function until<T>(read: () => Promise<T | null | undefined>): Promise<T> {
  for (;;) {
    const v = await read();
    if (v) return v;
    await sleep(20);
  }
}

test('lease expired while the worker still holds the tenant lock: another worker hands the run back instead of running it', async () => {
  const companyRead = h.proxy!.hold(resource('GET', 'Company'));
  const a = startWorker(h, { workerId: 'worker-a', leaseMs: 60_000 });
  let b: ReturnType<typeof startWorker> | null = null;
  try {
    const { tenant } = await h.createTenant({ name: 'Partitioned Shop', country_code: 'KE' });
    await companyRead.arrived;
    const db = h.provisioner.db.pool;
    const { rows } = await db.query(`update onboarding.provisioning_runs set lease_until = now() - interval '1 second' where tenant_id = $1 and status = 'running' returning id`, [tenant.id]);
    const runId = rows[0].id;
    b = startWorker(h, { workerId: 'worker-b', leaseMs: 60_000 });
    // worker-b claimed the expired run, found the lock held and handed it back
    await until(async () => (await db.query(`select 1 from onboarding.provisioning_runs where id = $1 and locked_by = 'worker-b' and locked_at is null`, [runId])).rows[0]);
    const step = (await db.query(`select attempts, status from onboarding.provisioning_steps where tenant_id = $1 and step_id = 'step_2_company'`, [tenant.id])).rows[0];
    assert.deepEqual(step, { attempts: 1, status: 'running' }, 'worker-b did not start the step worker-a is inside');
    companyRead.release();
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    companyRead.release();
    await a.stop();
    await b?.stop();
  }
});
