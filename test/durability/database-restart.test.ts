import { DEFAULT_RESUME_SETTLE_MS } from '../../src/runner/run-executor.ts';
import { TEST_ENCRYPTION_KEYS, TEST_JWT_SECRET } from '../support/secrets.ts';
import { freePort } from '../support/ports.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmbeddedPostgres } from '../../src/adapters/postgres/embedded.ts';
import { startProvisioner, DEMO_ADMIN } from '../../src/provisioner.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS, DEFAULT_LOGIN_THROTTLE, type Config } from '../../src/config.ts';
import { DEFAULT_AUTO_CONTINUE_POLICY } from '../../src/domain/auto-continue.ts';
import { DEFAULT_DRIFT_SWEEP_POLICY } from '../../src/runner/drift-sweeper.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../../src/runner/webhook-deliverer.ts';

// A PostgreSQL of its own, so that it can be restarted without disturbing other tests.
test('a PostgreSQL restart in the middle of runs: the API and the worker reconnect and every run ends COMPLETED', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'provisioner-restart-'));
  chmodSync(dir, 0o755); // postgres runs as its own user and must reach its data folder
  // a port free now: a random one can be a local port of one of the suite's own connections (the ephemeral range)
  const port = await freePort();
  let pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port });
  const sim = await startErpnextSimulator({ port: 0 });
  sim.sim.injectLatency(40);
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: pg.url,
    dataDir: dir,
    embeddedPgPort: port,
    databasePoolMax: 10,
    allowNewerSchema: false,
    demo: true,
    jwtSecret: TEST_JWT_SECRET,
    encryptionKeys: TEST_ENCRYPTION_KEYS,
    trustProxy: false,
    erpnext: { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret },
    engineAllowedHosts: ['127.0.0.1'],
    simulatorPort: 0,
    odooDemoPort: null,
    workerInProcess: true,
    leaseMs: 2_000,
    resumeSettleMs: DEFAULT_RESUME_SETTLE_MS,
    engineBudgets: { readMs: 2_000, writeMs: 2_000, companyInsertMs: 2_000 },
    engineMaxConcurrency: 8,
    eventStreamsPerUser: 10,
    eventStreamsMax: 500,
    retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
    loginThrottle: DEFAULT_LOGIN_THROTTLE,
    eventStreamTokenCheckMs: DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS,
    readinessCacheMs: 5_000,
    tenantFilterScanLimit: 2_000,
    autoContinue: { ...DEFAULT_AUTO_CONTINUE_POLICY, enabled: false, intervalMs: 5_000 },
    driftSweep: { ...DEFAULT_DRIFT_SWEEP_POLICY, enabled: false },
    webhooks: DEFAULT_WEBHOOK_POLICY,
    logLevel: 'silent',
    logPretty: false,
  };
  const app = await startProvisioner(config, createLogger({ level: 'silent' }));
  const api = async (method: string, p: string, body?: unknown, token?: string) => {
    const res = await fetch(`${app.url}${p}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  try {
    const token = (await api('POST', '/api/auth/login', DEMO_ADMIN)).body.access_token;
    const ids: string[] = [];
    for (const name of ['Restart One', 'Restart Two', 'Restart Three']) ids.push((await api('POST', '/api/tenants', { name, country_code: 'KE' }, token)).body.tenant.id);
    // runs are under way: the first tenant has completed a step (it may have finished: no harm)
    while ((await api('GET', `/api/provisioning/tenants/${ids[0]}/status`, undefined, token)).body.steps_completed < 2) await sleep(50);

    await pg.stop();
    const during = await api('GET', `/api/provisioning/tenants/${ids[0]}/status`, undefined, token);
    assert.equal(during.status, 503, JSON.stringify(during.body));
    assert.equal(during.body.code, 'DATABASE_UNAVAILABLE');
    await sleep(1_000); // an outage of a second: workers and the event feed meet a database that is gone
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port });

    const deadline = Date.now() + 120_000;
    for (const id of ids) {
      for (;;) {
        const s = await api('GET', `/api/provisioning/tenants/${id}/status`, undefined, token);
        if (s.status === 200 && s.body.status !== 'IN_PROGRESS') {
          assert.equal(s.body.status, 'COMPLETED', JSON.stringify(s.body.errors));
          assert.equal(s.body.consistency.ok, true, JSON.stringify(s.body.consistency));
          break;
        }
        assert.ok(Date.now() < deadline, `tenant ${id} did not settle: ${JSON.stringify(s.body)}`);
        await sleep(100);
      }
    }
    assert.deepEqual(sim.sim.duplicates(), []);
  } finally {
    await app.close().catch(() => {});
    await sim.close();
    await pg.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
