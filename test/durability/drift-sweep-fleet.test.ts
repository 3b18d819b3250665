/**
 * The drift sweep with several worker processes sweeping at once: every COMPLETED tenant is
 * verified once per interval (no sooner), never by two sweeps at the same time, and the engine's
 * ENGINE_MAX_CONCURRENCY holds across them. Which worker takes which tenant is PostgreSQL's and
 * the scheduler's choice: not asserted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';

const CAP = 2;
const WORKERS = 3;
const TENANTS = 5;
const INTERVAL_MS = 3_000;
/** Sweeps of every tenant the test waits for. */
const SWEEPS = 3;

let h: Harness;
before(async () => {
  // every request takes a little while, so that the sweeps' reads overlap and the limit is reached
  h = await startHarness({ proxy: true, simulator: { latency: 25 }, config: { workerInProcess: false, engineMaxConcurrency: CAP } });
  // observes the sweep's bookkeeping as it happens: each claim and each release of a tenant, with the database's clock
  await h.provisioner.db.pool.query(`
    create table public.sweep_log (n bigserial primary key, tenant_id uuid, worker text, claimed boolean, swept_at timestamptz, at timestamptz default clock_timestamp());
    create function public.log_sweep() returns trigger language plpgsql as $$
    begin
      if new.claimed_by is not null and new.swept_at is distinct from old.swept_at then
        insert into public.sweep_log (tenant_id, worker, claimed, swept_at) values (new.tenant_id, new.claimed_by, true, new.swept_at);
      elsif new.claimed_by is null and old.claimed_by is not null then
        insert into public.sweep_log (tenant_id, worker, claimed, swept_at) values (new.tenant_id, old.claimed_by, false, new.swept_at);
      end if;
      return null;
    end $$;
    create trigger log_sweep after update on onboarding.tenant_drift for each row execute function public.log_sweep();`);
});
after(() => h.close());

interface SweepEntry {
  tenant_id: string;
  worker: string;
  claimed: boolean;
  swept_at: Date;
}

const sweepLog = async (): Promise<SweepEntry[]> => (await h.provisioner.db.pool.query(`select tenant_id, worker, claimed, swept_at from public.sweep_log order by n`)).rows;

test(`${WORKERS} worker processes sweeping at once: each tenant verified once per interval, never twice at once, and the engine never over ${CAP} requests`, async () => {
  const env = {
    DATABASE_URL: h.provisioner.db.url,
    PROVISIONER_JWT_SECRET: 'unused-by-workers-0123456789abcdefghijkl',
    ENGINE_MAX_CONCURRENCY: String(CAP),
    STEP_RETRY_BASE_MS: '20',
    PROVISIONER_WEBHOOKS: 'false',
    PROVISIONER_AUTO_CONTINUE: 'false',
    PROVISIONER_DRIFT_SWEEP: 'true',
    DRIFT_SWEEP_INTERVAL_MS: String(INTERVAL_MS),
    DRIFT_SWEEP_RATE_PER_MINUTE: '6000',
  };
  const workers: ProvisionerProcess[] = [];
  try {
    for (let i = 0; i < WORKERS; i++) workers.push(spawnProvisioner(['worker'], env));
    await Promise.all(workers.map((w) => w.waitForLine(/provisioning worker started/)));
    const tenants: string[] = [];
    for (let i = 0; i < TENANTS; i++) tenants.push((await h.createTenant({ name: `Swept Fleet Shop ${i}`, country_code: 'KE' })).tenant.id);
    for (const id of tenants) {
      const status = await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL']);
      assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    }
    // from here on the engine sees the sweeps' reads only
    h.proxy!.resetPeak();
    const from = new Date((await h.provisioner.db.pool.query(`select now() as t`)).rows[0].t);

    // until every tenant has been swept SWEEPS times since (a state in the database, not a timer)
    const deadline = Date.now() + 180_000;
    let log: SweepEntry[] = [];
    for (;;) {
      log = await sweepLog();
      const released = (id: string) => log.filter((e) => e.tenant_id === id && !e.claimed && e.swept_at >= from).length;
      if (tenants.every((id) => released(id) >= SWEEPS)) break;
      assert.ok(Date.now() < deadline, `not every tenant swept ${SWEEPS} times: ${JSON.stringify(tenants.map(released))}`);
      await sleep(100);
    }

    for (const id of tenants) {
      const entries = log.filter((e) => e.tenant_id === id);
      // claim, release, claim, release...: a tenant is never claimed while a sweep holds it
      entries.forEach((e, i) => assert.equal(e.claimed, i % 2 === 0, `tenant ${id}: ${JSON.stringify(entries)}`));
      entries.forEach((e, i) => i % 2 === 1 && assert.equal(e.worker, entries[i - 1]!.worker, 'released by the worker that claimed it'));
      // once per interval: two claims of one tenant are at least the interval apart
      const claims = entries.filter((e) => e.claimed).map((e) => e.swept_at.getTime());
      for (let i = 1; i < claims.length; i++) assert.ok(claims[i]! - claims[i - 1]! >= INTERVAL_MS, `tenant ${id} swept ${claims[i]! - claims[i - 1]!} ms after its last sweep`);
    }
    const workersSweeping = new Set(log.map((e) => e.worker)).size;
    process.stdout.write(`# ${log.filter((e) => e.claimed).length} sweeps by ${workersSweeping} worker(s); peak ${h.proxy!.peakInFlight} requests in flight at the engine (cap ${CAP})\n`);
    assert.ok(h.proxy!.peakInFlight >= 1, 'the sweeps reached the engine');
    assert.ok(h.proxy!.peakInFlight <= CAP, `the engine saw ${h.proxy!.peakInFlight} requests at once`);
    // the sweeps only read
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  }
});
