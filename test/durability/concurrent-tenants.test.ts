import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('tenants provisioned at the same moment share site-wide records without losing each other\'s rows', async () => {
  const names = Array.from({ length: 8 }, (_, i) => `Crowd Shop ${i + 1}`);
  const created = await Promise.all(names.map((name) => h.createTenant({ name, country_code: 'KE' })));
  for (const c of created) {
    const s = await h.waitForStatus(c.tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'], 30_000);
    assert.equal(s.status, 'COMPLETED', JSON.stringify(s.errors));
  }
  for (const mode of ['Cash', 'M-Pesa']) {
    const doc = h.simulator.sim.get('Mode of Payment', mode) as any;
    for (const name of names) assert.ok(doc.accounts.some((r: any) => r.company === name), `${mode} lost the row of ${name}`);
  }
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('50 concurrent continue requests on one failed tenant, over 2 API processes, make exactly one run', async () => {
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 100 });
  const { tenant } = await h.createTenant({ name: 'Stampede Shop', country_code: 'KE' });
  assert.equal((await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED'])).status, 'FAILED');
  h.simulator.sim.clearFaults();

  const env = {
    DATABASE_URL: h.provisioner.db.url,
    // demo mode like the harness that shares the database: outside it a start disables the demo account, and h.token with it
    PROVISIONER_DEMO: 'true',
    PROVISIONER_JWT_SECRET: TEST_JWT_SECRET,
    PROVISIONER_WORKER: 'false',
    ERPNEXT_URL: h.simulator.url,
    ERPNEXT_API_KEY: h.simulator.apiKey,
    ERPNEXT_API_SECRET: h.simulator.apiSecret,
    HOST: '127.0.0.1',
    PORT: '0',
  };
  const apis: ProvisionerProcess[] = [spawnProvisioner(['serve'], env), spawnProvisioner(['serve'], env)];
  try {
    const urls = await Promise.all(apis.map(async (p) => JSON.parse(await p.waitForLine(/Provisioner API listening/)).url as string));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${urls[i % 2]}/api/provisioning/tenants/${tenant.id}/continue`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
      ),
    );
    const accepted = answers.filter((a) => a.status === 202);
    assert.equal(accepted.length, 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of answers.filter((x) => x.status !== 202)) {
      assert.equal(a.status, 409);
      assert.ok(['RUN_ACTIVE', 'INVALID_TRANSITION', 'STATE_CHANGED'].includes(a.body.code), a.body.code);
    }
    const { rows } = await h.provisioner.db.pool.query(`select count(*)::int as n from onboarding.provisioning_runs where tenant_id = $1 and kind = 'continue'`, [tenant.id]);
    assert.equal(rows[0].n, 1);
    assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
  } finally {
    for (const p of apis) p.kill('SIGTERM');
    await Promise.all(apis.map((p) => p.exited));
  }
});
