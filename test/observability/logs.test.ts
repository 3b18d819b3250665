import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startProvisioner, DEMO_ADMIN, type RunningProvisioner } from '../../src/provisioner.ts';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';
import { createScratchDatabase } from '../support/database.ts';
import { EventFeed, relayRunEvents } from '../../src/observability/event-feed.ts';

// the harness's set-up, with the log lines captured (every level) instead of discarded
const lines: string[] = [];
let provisioner: RunningProvisioner;
let simulator: RunningSimulator;
let dropDb: () => Promise<void>;
let api: string;
let token: string;

before(async () => {
  const db = await createScratchDatabase();
  dropDb = db.drop;
  simulator = await startErpnextSimulator({ port: 0 });
  // loadConfig, so that every setting has its default (settings others add included)
  const config: Config = {
    ...loadConfig({
      DATABASE_URL: db.url,
      PROVISIONER_DEMO: 'true',
      HOST: '127.0.0.1',
      PORT: '0',
      PROVISIONER_JWT_SECRET: TEST_JWT_SECRET,
      ERPNEXT_URL: simulator.url,
      ERPNEXT_API_KEY: simulator.apiKey,
      ERPNEXT_API_SECRET: simulator.apiSecret,
      PROVISIONER_DATA_DIR: '.data/test',
      PROVISIONER_LEASE_MS: '5000',
      ENGINE_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'trace',
      LOG_PRETTY: 'false',
    }),
    retryPolicy: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
  };
  provisioner = await startProvisioner(config, createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } }));
  api = provisioner.url;
  const login = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_ADMIN) });
  token = ((await login.json()) as { access_token: string }).access_token;
});
after(async () => {
  await provisioner.close();
  await simulator.close();
  await dropDb();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as any };
};

async function waitForEnd(tenantId: string): Promise<any> {
  const deadline = Date.now() + 120_000; // a bound for a stuck run, not a speed requirement
  while (Date.now() < deadline) {
    const { body } = await call('GET', `/api/provisioning/tenants/${tenantId}/status`);
    if (['COMPLETED', 'PARTIAL', 'FAILED'].includes(body.status)) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run did not end: ${JSON.stringify((await call("GET", `/api/provisioning/tenants/${tenantId}/status`)).body).slice(0, 600)}`);
}

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

test('every log line about a run carries tenant_id and run_id, and step lines their step and attempt', async () => {
  const { body } = await call('POST', '/api/tenants', { name: 'Log Lines Shop', country_code: 'KE' });
  const tenantId = body.tenant.id;
  assert.equal((await waitForEnd(tenantId)).status, 'COMPLETED');
  const runLines = parsed().filter((l) => l.tenant_id === tenantId && typeof l.event === 'string' && l.event !== 'tenant_created');
  assert.ok(runLines.length > 20, String(runLines.length));
  for (const l of runLines) {
    assert.equal(typeof l.run_id, 'string', JSON.stringify(l));
    if (/^step_|^note$|^engine_call$/.test(String(l.event))) {
      assert.match(String(l.step), /^step_\d+_/, JSON.stringify(l));
      assert.equal(typeof l.attempt, 'number', JSON.stringify(l));
    }
  }
  assert.ok(runLines.some((l) => l.event === 'engine_call' && l.level === 20), 'engine calls are logged at debug');
});

test('passwords, tokens and engine secrets never reach the logs, not even a token in an SSE URL', async () => {
  const password = 'a-login-password-that-must-stay-secret';
  const engineSecret = 'engine-secret-that-must-stay-secret-42';
  await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password }) });
  await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"email":"x@example.com","password":"${password}"` });
  await call('POST', '/api/users', { email: 'ops@example.com', password, role: 'platform_admin' });
  await call('POST', '/api/engines', { id: 'secret-engine', kind: 'erpnext', base_url: 'http://127.0.0.1:9/', api_key: 'k', api_secret: engineSecret });
  await call('POST', '/api/engines/secret-engine/health');
  const sse = new AbortController();
  const stream = await fetch(`${api}/api/provisioning/events?access_token=${token}`, { signal: sse.signal });
  assert.equal(stream.status, 200);
  sse.abort();
  await fetch(`${api}/api/provisioning/events?access_token=${token}x`);

  const text = lines.join('');
  assert.ok(text.includes('/api/provisioning/events?access_token=[redacted]'), 'the SSE request is logged, its token redacted');
  for (const secret of [password, engineSecret, simulator.apiSecret, token, DEMO_ADMIN.password]) {
    assert.ok(!text.includes(secret), `a secret appears in the logs: ${secret.slice(0, 6)}…`);
  }
});

test('the guide\'s grep -i "provisioning\\|error\\|failed" finds the failed step with its code and hint', async () => {
  simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 503, count: 100 });
  try {
    const { body } = await call('POST', '/api/tenants', { name: 'Grep Shop', country_code: 'UG' });
    assert.equal((await waitForEnd(body.tenant.id)).status, 'FAILED');
    const grepped = lines.filter((l) => /provisioning|error|failed/i.test(l)).map((l) => JSON.parse(l));
    const failure = grepped.find((l) => l.event === 'step_failed' && l.tenant_id === body.tenant.id);
    assert.ok(failure, 'the step failure line');
    assert.equal(failure.step, 'step_8_pos_profile');
    assert.equal(failure.level, 50);
    assert.ok(failure.code && failure.hint && failure.run_id && failure.attempt, JSON.stringify(failure));
    assert.ok(grepped.some((l) => l.event === 'step_retrying' && l.tenant_id === body.tenant.id), 'the retries too');
    assert.ok(grepped.some((l) => l.event === 'run_finished' && l.tenant_id === body.tenant.id && l.status === 'FAILED'), 'and the run end');
  } finally {
    simulator.sim.clearFaults();
  }
});

test('an API whose workers run separately logs their run lines too, so grep over the API log finds the failures', async () => {
  // what startProvisioner does with PROVISIONER_WORKER=false: relay the events other processes write
  const relayed: string[] = [];
  const feed = new EventFeed({ store: provisioner.db.store, databaseUrl: provisioner.db.url, logger: createLogger({ level: 'silent' }) });
  await relayRunEvents(feed, createLogger({ level: 'info', destination: { write: (line: string) => void relayed.push(line) } }));
  simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 1 });
  try {
    const { body } = await call('POST', '/api/tenants', { name: 'Relay Shop', country_code: 'RW' });
    assert.equal((await waitForEnd(body.tenant.id)).status, 'FAILED');
    const deadline = Date.now() + 60_000;
    const failure = () => relayed.filter((l) => /provisioning|error|failed/i.test(l)).map((l) => JSON.parse(l)).find((l) => l.event === 'step_failed' && l.tenant_id === body.tenant.id);
    while (!failure() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const line = failure();
    assert.ok(line, 'the relayed step failure');
    assert.equal(line.relayed, true);
    assert.equal(line.step, 'step_8_pos_profile');
    assert.ok(line.run_id && line.attempt && line.code && line.hint, JSON.stringify(line));
    assert.ok(!relayed.some((l) => /"event":"(run_queued|tenant_created|engine_call)"/.test(l)), 'the API\'s own lines are not repeated');
  } finally {
    simulator.sim.clearFaults();
    await feed.close();
  }
});

test('a token under a percent-encoded query key (access%5Ftoken, %61ccess_token) is accepted by the stream but never logged', async () => {
  const before = lines.length;
  for (const key of ['access%5Ftoken', '%61ccess_token', 'ACCESS%5FTOKEN']) {
    const sse = new AbortController();
    const stream = await fetch(`${api}/api/provisioning/events?since_id=0&${key}=${token}`, { signal: sse.signal });
    // the upper-case key is another parameter to the server: no token, 401; the others are the token
    assert.equal(stream.status, key === 'ACCESS%5FTOKEN' ? 401 : 200, key);
    sse.abort();
  }
  const text = lines.slice(before).join('');
  assert.ok(text.includes('access%5Ftoken=[redacted]') && text.includes('%61ccess_token=[redacted]'), 'the requests are logged with their tokens redacted');
  assert.ok(!text.includes(token), 'the token is in no log line');
});
