import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resource, type Hold } from '../support/engine-proxy.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';

// Workers as separate processes, killed the way deploys and crashes kill them.
let h: Harness;
const LEASE_MS = 1500;
before(async () => {
  h = await startHarness({ proxy: true, config: { workerInProcess: false } });
});
after(() => h.close());

const workerEnv = () => ({
  DATABASE_URL: h.provisioner.db.url,
  PROVISIONER_JWT_SECRET: TEST_JWT_SECRET,
  PROVISIONER_LEASE_MS: String(LEASE_MS),
  STEP_RETRY_BASE_MS: '20',
});

/** Nothing held, and no worker process left behind. */
async function cleanUp(hold: Hold, ...workers: Array<ProvisionerProcess | null>): Promise<void> {
  hold.release();
  for (const w of workers) w?.kill('SIGKILL');
  await Promise.all(workers.map((w) => w?.exited));
}

async function runningStep(tenantId: string): Promise<{ step: string; runId: string; lockedBy: string } | null> {
  const { rows } = await h.provisioner.db.pool.query(
    `select s.step_id, r.id as run_id, r.locked_by from onboarding.provisioning_steps s join onboarding.provisioning_runs r on r.id = s.run_id
     where s.tenant_id = $1 and s.status = 'running' and r.status = 'running'`,
    [tenantId],
  );
  return rows[0] ? { step: rows[0].step_id, runId: rows[0].run_id, lockedBy: rows[0].locked_by } : null;
}


test('a worker SIGKILLed in the middle of a step: another worker started after the kill resumes the run at that step', async () => {
  const companyRead = h.proxy!.hold(resource('GET', 'Company')); // the worker stays inside step_2 until killed
  let a: ProvisionerProcess | null = null;
  let b: ProvisionerProcess | null = null;
  try {
    a = spawnProvisioner(['worker'], workerEnv());
    await a.waitForLine(/provisioning worker started/);
    const { tenant } = await h.createTenant({ name: 'Killed Worker Shop', country_code: 'KE' });
    await companyRead.arrived;
    const held = (await runningStep(tenant.id))!;
    assert.equal(held.step, 'step_2_company');
    a.kill('SIGKILL');
    const killedAt = Date.now();
    assert.equal((await a.exited).signal, 'SIGKILL');
    companyRead.release(); // the dead worker's read goes through, answered to no one
    b = spawnProvisioner(['worker'], workerEnv());
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    const interrupted = status.steps.find((s: any) => s.id === held.step);
    assert.equal(interrupted.attempts, 2, `${held.step} ran again, once`);
    const logs = (await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs`)).body.logs;
    const resumed = logs.find((l: any) => l.type === 'run_resumed');
    assert.ok(resumed, 'the run was resumed, not restarted');
    assert.equal(resumed.run_id, held.runId);
    const waited = Date.parse(resumed.ts) - killedAt;
    process.stdout.write(`# resumed ${waited} ms after SIGKILL (lease ${LEASE_MS} ms)\n`);
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    await cleanUp(companyRead, a, b);
  }
});

test('a worker SIGKILLed in the middle of a step: an idle worker resumes the run long before its 30 s lease expires', async () => {
  const companyRead = h.proxy!.hold(resource('GET', 'Company')); // the worker stays inside step_2 until killed
  const env = { ...workerEnv(), PROVISIONER_LEASE_MS: '30000' };
  let a: ProvisionerProcess | null = null;
  let b: ProvisionerProcess | null = null;
  try {
    a = spawnProvisioner(['worker'], env);
    await a.waitForLine(/provisioning worker started/);
    const { tenant } = await h.createTenant({ name: 'Failover Shop', country_code: 'KE' });
    await companyRead.arrived;
    const held = (await runningStep(tenant.id))!;
    assert.equal(held.step, 'step_2_company');
    // the second worker is up and idle before the kill: what follows is failover, not start-up
    b = spawnProvisioner(['worker'], env);
    await b.waitForLine(/provisioning worker started/);
    const { rows: before } = await h.provisioner.db.pool.query(`select lease_until from onboarding.provisioning_runs where id = $1`, [held.runId]);
    const leaseUntil: Date = before[0].lease_until;
    a.kill('SIGKILL');
    assert.equal((await a.exited).signal, 'SIGKILL');
    companyRead.release(); // the dead worker's read goes through, answered to no one
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    const { rows: resumed } = await h.provisioner.db.pool.query(
      `select created_at from onboarding.provisioning_events where run_id = $1 and type = 'run_resumed'`,
      [held.runId],
    );
    assert.equal(resumed.length, 1, 'the run was resumed once, not restarted');
    // both instants are the database's clock: no stopwatch in the test
    assert.ok(resumed[0].created_at < leaseUntil, `resumed at ${resumed[0].created_at.toISOString()}, before the dead worker's lease ran out at ${leaseUntil.toISOString()}`);
    const interrupted = status.steps.find((s: any) => s.id === held.step);
    assert.equal(interrupted.attempts, 2, `${held.step} ran again, once`);
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    await cleanUp(companyRead, a, b);
  }
});

test('SIGTERM: the worker finishes its step, hands the run back and exits 0; the next worker resumes at once', async () => {
  const companyRead = h.proxy!.hold(resource('GET', 'Company')); // SIGTERM arrives while the worker is inside step_2
  let a: ProvisionerProcess | null = null;
  let b: ProvisionerProcess | null = null;
  try {
    a = spawnProvisioner(['worker'], { ...workerEnv(), PROVISIONER_LEASE_MS: '60000' });
    await a.waitForLine(/provisioning worker started/);
    const { tenant } = await h.createTenant({ name: 'Deployed Worker Shop', country_code: 'KE' });
    await companyRead.arrived;
    const held = (await runningStep(tenant.id))!;
    assert.equal(held.step, 'step_2_company');
    a.kill('SIGTERM');
    await a.waitForLine(/SIGTERM: shutting down/);
    companyRead.release(); // the step can finish now
    const exit = await a.exited;
    assert.equal(exit.code, 0);
    const { rows } = await h.provisioner.db.pool.query(`select status, lease_until < now() as released from onboarding.provisioning_runs where id = $1`, [held.runId]);
    assert.equal(rows[0].status, 'running');
    assert.equal(rows[0].released, true, 'the lease was handed back, not left to expire');
    const stepAfter = (await h.call('GET', `/api/provisioning/tenants/${tenant.id}/status`)).body.steps.find((s: any) => s.id === held.step);
    assert.equal(stepAfter.status, 'completed', 'the step in progress was finished before exiting');
    b = spawnProvisioner(['worker'], workerEnv());
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    await cleanUp(companyRead, a, b);
  }
});

test('a create the dead worker left in flight is found, not made twice: the interrupted step waits before it runs again', async () => {
  // the dead worker's POS Opening Entry reaches the engine only after the next worker has taken the run
  const openingCreate = h.proxy!.hold(resource('POST', 'POS Opening Entry'));
  const env = { ...workerEnv(), PROVISIONER_RESUME_SETTLE_MS: '5000' };
  let a: ProvisionerProcess | null = null;
  let b: ProvisionerProcess | null = null;
  try {
    a = spawnProvisioner(['worker'], env);
    await a.waitForLine(/provisioning worker started/);
    const { tenant } = await h.createTenant({ name: 'In Flight Shop', country_code: 'KE' });
    await openingCreate.arrived;
    const held = (await runningStep(tenant.id))!;
    assert.equal(held.step, 'step_9_pos_session');
    a.kill('SIGKILL');
    assert.equal((await a.exited).signal, 'SIGKILL');
    b = spawnProvisioner(['worker'], env);
    // the next worker has taken the run and says it waits; only now does the dead worker's create arrive
    const waiting = await waitForLog(
      tenant.id,
      (l) => l.type === 'note' && l.step === held.step && /interrupted by its worker's end/.test(l.message),
      (l) => l.type === 'step_started' && l.step === held.step && l.attempt === 2,
    );
    assert.match(waiting.message, /waiting 5 s/);
    openingCreate.release();
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(status.steps.find((s: any) => s.id === held.step).attempts, 2);
    assert.deepEqual(h.simulator.sim.duplicates(), [], 'one open POS Opening Entry: the one the dead worker sent');
  } finally {
    await cleanUp(openingCreate, a, b);
  }
});

/** The first log line of the tenant that `match` accepts, once it is written; fails once a line `tooLate` accepts comes without it. */
async function waitForLog(tenantId: string, match: (line: any) => boolean, tooLate: (line: any) => boolean): Promise<any> {
  for (;;) {
    const logs = (await h.call('GET', `/api/provisioning/tenants/${tenantId}/logs`)).body.logs as any[];
    const found = logs.find(match);
    if (found) return found;
    const late = logs.find(tooLate);
    if (late) assert.fail(`"${late.message}" came without the line waited for`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
