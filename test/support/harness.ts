import { TEST_ENCRYPTION_KEYS, TEST_JWT_SECRET } from './secrets.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS, DEFAULT_LOGIN_THROTTLE, type Config } from '../../src/config.ts';
import { DEFAULT_RESUME_SETTLE_MS } from '../../src/runner/run-executor.ts';
import { DEFAULT_AUTO_CONTINUE_POLICY } from '../../src/domain/auto-continue.ts';
import { DEFAULT_DRIFT_SWEEP_POLICY } from '../../src/runner/drift-sweeper.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../../src/runner/webhook-deliverer.ts';
import { DEFAULT_TENANT_SCAN_LIMIT } from '../../src/application/provisioning-service.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { startProvisioner, DEMO_ADMIN, type RunningProvisioner } from '../../src/provisioner.ts';
import { startErpnextSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/erpnext/index.ts';
import { createScratchDatabase } from './database.ts';
import type { EngineUrlPolicy } from '../../src/adapters/engine-url-policy.ts';
import { startEngineProxy, type EngineProxy } from './engine-proxy.ts';

import { TEST_ENGINE_ALLOWED_HOSTS } from './processes.ts';

export { TEST_ENGINE_ALLOWED_HOSTS };
export const TEST_ENGINE_URL_POLICY: EngineUrlPolicy = { demo: false, allowedHosts: TEST_ENGINE_ALLOWED_HOSTS };

/** A running Provisioner (API + in-process worker) and an engine it provisions into. */
export interface ProvisionerHarness {
  api: string;
  token: string;
  provisioner: RunningProvisioner;
  /** fetch against the API with the admin token; JSON in and out. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** The engine's Frappe REST API as its Administrator, to change the engine behind Provisioner's back. */
  erp(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  createTenant(body: Record<string, unknown>): Promise<any>;
  waitForStatus(tenantId: string, statuses: string[], timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export interface Harness extends ProvisionerHarness {
  simulator: RunningSimulator;
  /**
   * With `proxy: true`, the forwarding proxy Provisioner reaches the simulator through: hold a
   * request to keep a run in flight exactly as long as the test needs (no latency, no timer).
   */
  proxy: EngineProxy | null;
}

export interface EngineAccess {
  url: string;
  apiKey: string;
  apiSecret: string;
}

/**
 * A real Provisioner (real PostgreSQL scratch database, real HTTP on a random port, in-process
 * worker) against a real simulator, with fast retries so failure tests stay short.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const simulator = await startErpnextSimulator({ port: 0, ...opts.simulator });
  let proxy: EngineProxy | null = null;
  try {
    proxy = opts.proxy ? await startEngineProxy(simulator.url) : null;
    // a held request must not run out of its time budget while the test holds it
    const config = proxy ? { engineBudgets: { readMs: 60_000, writeMs: 60_000, companyInsertMs: 60_000 }, ...opts.config } : opts.config;
    const h = await startProvisionerHarness({ engine: { url: proxy?.url ?? simulator.url, apiKey: simulator.apiKey, apiSecret: simulator.apiSecret }, config, logger: opts.logger });
    return {
      ...h,
      simulator,
      proxy,
      async close() {
        await h.close();
        await proxy?.close();
        await simulator.close();
      },
    };
  } catch (e) {
    await proxy?.close();
    await simulator.close();
    throw e;
  }
}

export interface HarnessOptions {
  simulator?: SimulatorOptions;
  config?: Partial<Config>;
  logger?: Logger;
  /** Reach the simulator through a forwarding proxy (`h.proxy`) that can hold requests. */
  proxy?: boolean;
}

/** A real Provisioner against any engine (the simulator, a real ERPNext, a proxy before one). */
export async function startProvisionerHarness(opts: {
  engine: EngineAccess;
  config?: Partial<Config>;
  waitTimeoutMs?: number;
  logger?: Logger;
  /** A database to use (and drop at close) instead of a new scratch one: a restored backup. */
  database?: { url: string; drop(): Promise<void> };
}): Promise<ProvisionerHarness> {
  const db = opts.database ?? (await createScratchDatabase());
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: db.url,
    dataDir: '.data/test',
    embeddedPgPort: 0,
    databasePoolMax: 10,
    allowNewerSchema: false,
    demo: true,
    jwtSecret: TEST_JWT_SECRET,
    encryptionKeys: TEST_ENCRYPTION_KEYS,
    trustProxy: false,
    erpnext: { url: opts.engine.url, apiKey: opts.engine.apiKey, apiSecret: opts.engine.apiSecret },
    engineAllowedHosts: TEST_ENGINE_ALLOWED_HOSTS,
    simulatorPort: 0,
    odooDemoPort: null,
    workerInProcess: true,
    leaseMs: 5_000,
    resumeSettleMs: DEFAULT_RESUME_SETTLE_MS,
    engineBudgets: { readMs: 2_000, writeMs: 2_000, companyInsertMs: 2_000 },
    engineMaxConcurrency: 8,
    eventStreamsPerUser: 10,
    eventStreamsMax: 500,
    retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
    loginThrottle: DEFAULT_LOGIN_THROTTLE,
    eventStreamTokenCheckMs: DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS,
    readinessCacheMs: 5_000,
    tenantFilterScanLimit: DEFAULT_TENANT_SCAN_LIMIT,
    // off unless a test turns it on: tests that fail a tenant on purpose press Continue themselves
    autoContinue: { ...DEFAULT_AUTO_CONTINUE_POLICY, enabled: false, intervalMs: 100 },
    // off unless a test turns it on: its reads would mix with the engine calls tests count
    driftSweep: { ...DEFAULT_DRIFT_SWEEP_POLICY, enabled: false },
    // quick: tests wait for deliveries and their retries
    webhooks: { ...DEFAULT_WEBHOOK_POLICY, pollMs: 50, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 5_000 },
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    logPretty: false,
    ...opts.config,
  };
  const provisioner = await startProvisioner(config, opts.logger ?? createLogger({ level: config.logLevel }));
  const api = provisioner.url;
  const login = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_ADMIN) });
  const loggedIn = (await login.json()) as { access_token?: string };
  // without this, every call of the test would answer 401 and hide why; outside demo mode the
  // demo account is refused on purpose (test/accounts/demo-account.test.ts), and calls go without a token
  if (config.demo && (!login.ok || !loggedIn.access_token)) {
    // closed first: a provisioner left running keeps the test file's process alive for ever
    await provisioner.close();
    if (!opts.database) await db.drop();
    throw new Error(`the harness's login answered ${login.status}: ${JSON.stringify(loggedIn)}`);
  }
  const token = loggedIn.access_token ?? '';

  const call: ProvisionerHarness['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    api,
    token,
    provisioner,
    call,
    erp: (method, path, body) => engineRequest(opts.engine, method, path, body),
    async createTenant(body) {
      const res = await call('POST', '/api/tenants', body);
      if (res.status !== 201) throw new Error(`tenant creation answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async waitForStatus(tenantId, statuses, timeoutMs = opts.waitTimeoutMs ?? 120_000) {
      const deadline = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < deadline) {
        last = (await call('GET', `/api/provisioning/tenants/${tenantId}/status`)).body;
        if (statuses.includes(last.status)) return last;
        await sleep(50);
      }
      throw new Error(`tenant ${tenantId} did not reach ${statuses.join('|')}; last status: ${JSON.stringify(last, null, 1)}`);
    },
    async close() {
      await provisioner.close();
      await db.drop();
    },
  };
}

/** One request to an engine's Frappe REST API with its API key; JSON in and out. */
export async function engineRequest(engine: EngineAccess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${engine.url}${path}`, {
    method,
    headers: { authorization: `token ${engine.apiKey}:${engine.apiSecret}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* an HTML error page */
  }
  return { status: res.status, body: parsed };
}
