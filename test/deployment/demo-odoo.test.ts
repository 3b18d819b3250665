/**
 * The built-in demo runs an Odoo engine too (issue 15 item 4), on request: `provisioner serve` in
 * demo mode with PROVISIONER_DEMO_ODOO=true starts the Odoo simulator beside the ERPNext one,
 * registered as engine `odoo-demo`, its records in the data folder (0600) across restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, DEFAULT_ODOO_SIMULATOR_PORT, loadConfig } from '../../src/config.ts';
import { DEMO_ADMIN } from '../../src/provisioner.ts';
import { createScratchDatabase } from '../support/database.ts';
import { spawnProvisioner } from '../support/processes.ts';
import { TEST_JWT_SECRET } from '../support/secrets.ts';

test('the demo Odoo engine is opt-in, on 8070 by default, and for demo mode only', () => {
  assert.equal(loadConfig({}).odooDemoPort, null, 'npm start alone: one engine, as the guide has it');
  assert.equal(loadConfig({ PROVISIONER_DEMO_ODOO: 'true' }).odooDemoPort, DEFAULT_ODOO_SIMULATOR_PORT);
  assert.equal(DEFAULT_ODOO_SIMULATOR_PORT, 8070);
  assert.equal(loadConfig({ PROVISIONER_DEMO_ODOO: 'true', ODOO_SIMULATOR_PORT: '0' }).odooDemoPort, 0);
  assert.throws(() => loadConfig({ PROVISIONER_DEMO_ODOO: 'true', DATABASE_URL: 'postgres://p@db/x', PROVISIONER_JWT_SECRET: TEST_JWT_SECRET }), (e: unknown) => e instanceof ConfigError && /demo mode/.test(e.message));
});

test('demo mode with PROVISIONER_DEMO_ODOO=true: an odoo-demo tenant COMPLETES, and after a restart its records are still in the Odoo simulator', async () => {
  const db = await createScratchDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'provisioner-demo-odoo-'));
  const env = { DATABASE_URL: db.url, PROVISIONER_DEMO: 'true', PROVISIONER_DEMO_ODOO: 'true', PROVISIONER_DATA_DIR: dataDir, PORT: '0', SIMULATOR_PORT: '0', ODOO_SIMULATOR_PORT: '0' };
  const start = async () => {
    const server = spawnProvisioner(['serve'], env);
    const odoo = JSON.parse(await server.waitForLine(/built-in Odoo simulator started/, 60_000)).url as string;
    const api = JSON.parse(await server.waitForLine(/Provisioner API listening/, 60_000)).url as string;
    const token = ((await (await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_ADMIN) })).json()) as any).access_token as string;
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${api}${p}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const stop = async () => {
      server.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    };
    return { odoo, call, stop };
  };

  let running: Awaited<ReturnType<typeof start>> | null = null;
  try {
    running = await start();
    const engines = (await running.call('GET', '/api/engines')).body.engines.map((e: any) => [e.id, e.kind]);
    assert.deepEqual(engines.sort(), [['default', 'erpnext'], ['odoo-demo', 'odoo']]);
    const ready = await running.call('GET', '/api/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));

    const created = await running.call('POST', '/api/tenants', { name: 'Demo Odoo Duka', country_code: 'KE', engine_id: 'odoo-demo' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.tenant.id as string;
    let status: any;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
      status = (await running.call('GET', `/api/provisioning/tenants/${id}/status`)).body;
      if (status.status !== 'IN_PROGRESS' && status.status !== 'NOT_STARTED') break;
    }
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    await running.stop();
    running = null;

    const file = path.join(dataDir, 'odoo-simulator.json');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the Odoo simulator\'s records are for this user only');

    running = await start();
    const companies = (await (await fetch(`${running.odoo}/__simulator/records/res.company`)).json()) as { data: Array<{ name: string }> };
    assert.ok(companies.data.some((c) => c.name === 'Demo Odoo Duka'), 'the company is still there');
    const verified = await running.call('POST', `/api/provisioning/tenants/${id}/verify`);
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.deepEqual({ drifted: verified.body.drifted, findings: verified.body.findings }, { drifted: false, findings: [] }, 'every record the steps made is still there');
  } finally {
    await running?.stop().catch(() => {});
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
