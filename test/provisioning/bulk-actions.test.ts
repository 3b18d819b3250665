/**
 * Bulk Continue and Retry (issue 16 item 1): POST /api/provisioning/bulk and `provisioner bulk`
 * act on every tenant a filter matches, through the same rules as one request: one run per
 * tenant, runs only where the status allows them, the engine's fleet-wide cap kept.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';
import { cli } from '../cli/support.ts';

const CAP = 4;
const FAILED_TENANTS = 50;
let h: Harness;
let failed: string[];
let completed: string;
before(async () => {
  h = await startHarness({ proxy: true, simulator: { latency: 5 }, config: { workerInProcess: false, engineMaxConcurrency: CAP } });
});
after(() => h.close());

async function runsOf(tenantIds: string[]): Promise<number> {
  const { rows } = await h.provisioner.db.pool.query(`select count(*)::int as n from onboarding.provisioning_runs where tenant_id = any($1::uuid[])`, [tenantIds]);
  return rows[0].n;
}

test(`a bulk continue of ${FAILED_TENANTS} FAILED tenants across 3 workers makes exactly ${FAILED_TENANTS} runs, keeps the engine's cap, and all complete`, async () => {
  const env = { DATABASE_URL: h.provisioner.db.url, PROVISIONER_JWT_SECRET: 'unused-by-workers-0123456789abcdefghijkl', ENGINE_MAX_CONCURRENCY: String(CAP), STEP_RETRY_BASE_MS: '20' };
  const workers: ProvisionerProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) workers.push(spawnProvisioner(['worker'], env));
    await Promise.all(workers.map((w) => w.waitForLine(/provisioning worker started/)));

    // the engine refuses every POS Profile: each tenant ends FAILED at step_8 (a permanent cause)
    h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100_000 });
    failed = [];
    for (let i = 0; i < FAILED_TENANTS; i++) failed.push((await h.createTenant({ name: `Bulk Shop ${i}`, country_code: 'KE' })).tenant.id);
    for (const id of failed) assert.equal((await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'FAILED');
    h.simulator.sim.clearFaults();
    const runsBefore = await runsOf(failed);

    const dry = await h.call('POST', '/api/provisioning/bulk', { action: 'continue', filter: { status: 'FAILED', engine_id: 'default', step: 'step_8_pos_profile', code: 'ENGINE_VALIDATION' }, dry_run: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual({ matched: dry.body.matched, queued: dry.body.queued }, { matched: FAILED_TENANTS, queued: 0 });
    assert.deepEqual(dry.body.tenant_ids, failed, 'oldest first');
    assert.equal(await runsOf(failed), runsBefore, 'a dry run queues nothing');

    h.proxy!.resetPeak();
    const bulk = await h.call('POST', '/api/provisioning/bulk', { action: 'continue', filter: { status: 'FAILED' } });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    assert.equal(bulk.body.queued, FAILED_TENANTS);
    assert.deepEqual(bulk.body.skipped, []);
    // asked again at once: every tenant has its run (or has finished), none gets a second one
    const again = await h.call('POST', '/api/provisioning/bulk', { action: 'continue', filter: { engine_id: 'default' } });
    assert.equal(again.body.queued + (await runsOf(failed)) - runsBefore - FAILED_TENANTS, again.body.queued, 'the second request queued only what it reports');
    for (const s of again.body.skipped) assert.match(s.reason, /^(RUN_ACTIVE|INVALID_TRANSITION|STATE_CHANGED)$/);

    for (const id of failed) assert.equal((await h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
    assert.equal(again.body.queued, 0, 'no FAILED tenant was left for the second request');
    assert.equal((await runsOf(failed)) - runsBefore, FAILED_TENANTS, 'exactly one new run per tenant');
    assert.ok(h.proxy!.peakInFlight <= CAP, `the engine saw ${h.proxy!.peakInFlight} requests at once (cap ${CAP})`);
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  }
});

test('bulk refuses bad filters with 400 and is for platform admins only; the CLI lists a dry run', async () => {
  const bad = await h.call('POST', '/api/provisioning/bulk', { action: 'continue', filter: { status: 'BROKEN' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'VALIDATION_FAILED');
  const noAction = await h.call('POST', '/api/provisioning/bulk', { filter: {} });
  assert.equal(noAction.status, 400);

  const dry = await cli(['bulk', 'retry', '--status', 'COMPLETED', '--engine', 'default', '--dry-run', '--json'], { API_URL: `${h.api}/api`, PROVISIONER_TOKEN: h.token });
  assert.equal(dry.code, 0, dry.stderr);
  const answer = JSON.parse(dry.stdout);
  assert.equal(answer.dry_run, true);
  assert.equal(answer.matched, FAILED_TENANTS);
  assert.equal(answer.queued, 0);
});
