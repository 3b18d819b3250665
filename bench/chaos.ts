/**
 * Chaos harness (issue 5): N tenants provisioned by K worker processes that are SIGKILLed at
 * random and restarted, against a simulator that answers 5xx, times out and loses responses.
 * Prints tenants COMPLETED, duplicate engine documents, lost step records and how long each
 * recovery took; exits non-zero unless every tenant is COMPLETED with no duplicate and no loss.
 *
 *   npm run chaos -- --tenants 100 --workers 3 --error-rate 0.05 --lost-rate 0.02 --timeout-rate 0.01
 *   npm run chaos -- --tenants 100 --workers 3 --load
 *   npm run chaos -- --tenants 30 --workers 3 --engine odoo
 *   ODOO_DB=… ODOO_LOGIN=… ODOO_API_KEY=… npm run chaos -- --tenants 12 --engine odoo --odoo-url http://127.0.0.1:8069
 *
 * --engine odoo (issue 15): the tenants go to an engine of kind odoo, the Odoo simulator, with the
 * same faults; the ERPNext simulator stays the (idle) default engine.
 * --odoo-url: a real Odoo instead, behind a forwarding proxy on loopback that injects the faults
 * (gateway 502/503 without reaching Odoo; lost answers: Odoo did the work, the worker never hears
 * it; --timeout-rate counts as lost) and the --load outage; duplicates are read from Odoo itself
 * by the simulator's business keys, among this run's companies (names carry a random suffix). The
 * engine's time budgets are the product's defaults: a real company and chart take seconds.
 *
 * --load (issue 12 item 5): one busy-loop process per core for the whole run (killed at the end),
 * auto-continue on, and an engine outage of --outage-s seconds (default 30) once half the tenants
 * are COMPLETED; it also reports each tenant's time to COMPLETED, the auto-continues, and the
 * peak of concurrent requests the engine held against the cap (exit non-zero above it).
 *
 * Only 127.0.0.1 is ever a target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { scratchDatabase } from './support.ts';
import { startEngineProxy } from '../test/support/engine-proxy.ts';
import { OdooRpcClient } from '../src/adapters/odoo/odoo-rpc.ts';
import { BUSINESS_KEYS, type OdooDuplicate } from '../src/simulator/odoo/simulator.ts';
import { DEFAULT_ENGINE_TIME_BUDGETS } from '../src/ports/engine.ts';
import { DEFAULT_RESUME_SETTLE_MS } from '../src/runner/run-executor.ts';
import { startProvisioner, DEMO_ADMIN } from '../src/provisioner.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startErpnextSimulator } from '../src/simulator/erpnext/index.ts';
import { startOdooSimulator } from '../src/simulator/odoo/index.ts';
import { mulberry32 } from '../src/simulator/erpnext/faults.ts';
import { DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS, DEFAULT_LOGIN_THROTTLE, type Config } from '../src/config.ts';
import { DEFAULT_AUTO_CONTINUE_POLICY } from '../src/domain/auto-continue.ts';
import { DEFAULT_DRIFT_SWEEP_POLICY } from '../src/runner/drift-sweeper.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../src/runner/webhook-deliverer.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values: opt } = parseArgs({
  options: {
    tenants: { type: 'string', default: '100' },
    workers: { type: 'string', default: '3' },
    'error-rate': { type: 'string', default: '0.05' },
    'lost-rate': { type: 'string', default: '0.02' },
    'timeout-rate': { type: 'string', default: '0.01' },
    'kill-every': { type: 'string', default: '1500-5000' },
    'lease-ms': { type: 'string', default: '3000' },
    'engine-timeout-ms': { type: 'string', default: '1500' },
    latency: { type: 'string', default: '5-30' },
    seed: { type: 'string', default: '42' },
    'max-minutes': { type: 'string', default: '20' },
    load: { type: 'boolean', default: false },
    'outage-s': { type: 'string', default: '30' },
    'engine-cap': { type: 'string', default: '8' },
    engine: { type: 'string', default: 'erpnext' },
    'odoo-url': { type: 'string' },
    'resume-settle-ms': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write(`usage: npm run chaos -- [--tenants 100] [--workers 3] [--error-rate 0.05] [--lost-rate 0.02] [--timeout-rate 0.01]
                      [--kill-every 1500-5000 (ms)] [--lease-ms 3000] [--engine-timeout-ms 1500] [--latency 5-30 (ms)] [--seed 42] [--max-minutes 20]
                      [--load [--outage-s 30]] [--engine-cap 8] [--engine erpnext|odoo [--odoo-url URL (ODOO_DB, ODOO_LOGIN, ODOO_API_KEY set)]]
                      [--resume-settle-ms N (200 on a simulator; the product's 10000 on a real Odoo)]
`);
  process.exit(0);
}
function num(name: keyof typeof opt, min: number, max: number): number {
  const n = Number(opt[name]);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be a number between ${min} and ${max}\n`);
    process.exit(2);
  }
  return n;
}
function range(name: keyof typeof opt): [number, number] {
  const [a, b = a] = String(opt[name]).split('-').map(Number);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a! < 0 || b! < a!) {
    process.stderr.write(`--${name} must be MS or MIN-MAX\n`);
    process.exit(2);
  }
  return [a!, b!];
}
const N = num('tenants', 1, 5000);
const K = num('workers', 1, 32);
const errorRate = num('error-rate', 0, 0.5);
const lostRate = num('lost-rate', 0, 0.5);
const timeoutRate = num('timeout-rate', 0, 0.5);
const leaseMs = num('lease-ms', 200, 600_000);
const engineTimeoutMs = num('engine-timeout-ms', 100, 60_000);
const seed = num('seed', 0, 2 ** 32 - 1);
const maxMs = num('max-minutes', 1, 120) * 60_000;
const killEvery = range('kill-every');
const load = opt.load;
const outageMs = num('outage-s', 0, 600) * 1000;
const engineCap = num('engine-cap', 1, 64);
const latency = range('latency');
const random = mulberry32(seed);
const between = ([a, b]: [number, number]) => a + Math.floor(random() * (b - a + 1));
const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);

// ---- --load: both cores kept busy by processes of their own -------------------------------------
const busyLoops: ChildProcess[] = load ? Array.from({ length: os.availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })) : [];
const stopBusyLoops = () => {
  for (const b of busyLoops) b.kill('SIGKILL');
};
process.once('exit', stopBusyLoops);

// ---- database: a scratch database on the local server, else an embedded one -----------------
const scratch = await scratchDatabase('chaos', 54350);
const dbUrl = scratch.url;

// ---- engine, API (in this process), workers (child processes) --------------------------------
if (opt.engine !== 'erpnext' && opt.engine !== 'odoo') {
  process.stderr.write('--engine must be erpnext or odoo\n');
  process.exit(2);
}
const onOdoo = opt.engine === 'odoo';
const realOdoo = opt['odoo-url'] ? { url: opt['odoo-url'], db: process.env.ODOO_DB ?? '', login: process.env.ODOO_LOGIN ?? '', apiKey: process.env.ODOO_API_KEY ?? '' } : null;
if (realOdoo && (!onOdoo || !realOdoo.db || !realOdoo.login || !realOdoo.apiKey || new URL(realOdoo.url).hostname !== '127.0.0.1')) {
  process.stderr.write('--odoo-url needs --engine odoo, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY, and an Odoo on 127.0.0.1\n');
  process.exit(2);
}
const faults = [
  ...(errorRate > 0 ? [{ kind: 'error' as const, status: 503, rate: errorRate / 2 }, { kind: 'error' as const, status: 502, rate: errorRate / 2 }] : []),
  ...(lostRate > 0 ? [{ kind: 'lost' as const, rate: lostRate }] : []),
  ...(timeoutRate > 0 ? [{ kind: 'timeout' as const, rate: timeoutRate }] : []),
];
const sim = await startErpnextSimulator({ port: 0, seed, latency: { min: latency[0], max: latency[1] }, faults: onOdoo ? [] : faults });
const odoo = onOdoo && !realOdoo ? await startOdooSimulator({ seed, latency: { min: latency[0], max: latency[1] }, faults }) : null;
/** The engine the tenants are provisioned in: what is faulted, taken down and checked for duplicates. */
interface ChaosEngine {
  setDown(down: boolean): void;
  duplicates(): Promise<OdooDuplicate[] | unknown[]>;
  /** Requests it received, and how many of them were faulted. */
  calls(): { total: number; faulted: number };
  peak(): number;
  close(): Promise<void>;
}
const runSuffix = randomBytes(3).toString('hex');
const tenantName = (i: number) => (realOdoo ? `Chaos Tenant ${i + 1} ${runSuffix}` : `Chaos Tenant ${i + 1}`);
const simulated = (s: typeof sim.sim | NonNullable<typeof odoo>['sim']): ChaosEngine => ({
  setDown: (down) => s.setDown(down),
  duplicates: async () => s.duplicates(),
  calls: () => {
    const calls = s.calls() as Array<{ outcome?: unknown; status?: number }>;
    return { total: calls.length, faulted: calls.filter((c) => c.outcome || (c.status ?? 0) >= 500).length };
  },
  peak: () => s.concurrency().peak,
  close: async () => {},
});
async function realOdooEngine(engine: NonNullable<typeof realOdoo>): Promise<ChaosEngine & { url: string }> {
  const proxy = await startEngineProxy(engine.url);
  proxy.randomFaults({ errorRate, lostRate: lostRate + timeoutRate, random });
  const client = new OdooRpcClient({ baseUrl: engine.url, db: engine.db, login: engine.login, apiKey: engine.apiKey });
  return {
    url: proxy.url,
    setDown: (down) => proxy.setDown(down),
    // the business keys of the simulator, over this run's companies and what belongs to them
    async duplicates() {
      const names = Array.from({ length: N }, (_, i) => tenantName(i));
      const companies = await client.searchRead<{ id: number; name: string }>('res.company', [['name', 'in', names]], ['name']);
      const companyIds = companies.map((c) => c.id);
      const context = { context: { allowed_company_ids: [1, ...companyIds], active_test: true } };
      const configs = await client.searchRead<{ id: number }>('pos.config', [['company_id', 'in', companyIds]], ['id'], context);
      const scopes: Record<string, { domain: unknown[]; fields: string[] }> = {
        'res.company': { domain: [['name', 'in', names]], fields: ['name'] },
        'stock.warehouse': { domain: [['company_id', 'in', companyIds]], fields: ['company_id', 'code'] },
        'account.journal': { domain: [['company_id', 'in', companyIds]], fields: ['company_id', 'code'] },
        'pos.payment.method': { domain: [['company_id', 'in', companyIds]], fields: ['company_id', 'name'] },
        'pos.config': { domain: [['company_id', 'in', companyIds]], fields: ['company_id', 'name'] },
        'pos.session': { domain: [['config_id', 'in', configs.map((c) => c.id)]], fields: ['config_id', 'state'] },
        'res.partner': { domain: [['company_id', 'in', companyIds]], fields: ['ref', 'customer_rank', 'company_id', 'name'] },
        'product.template': { domain: [['company_id', 'in', companyIds]], fields: ['company_id', 'default_code'] },
      };
      const out: OdooDuplicate[] = [];
      for (const [model, keyOf] of Object.entries(BUSINESS_KEYS)) {
        const scope = scopes[model]!;
        const rows = await client.searchRead<Record<string, unknown>>(model, scope.domain as never, scope.fields, context);
        const byKey = new Map<string, number[]>();
        for (const r of rows) {
          // a many2one reads [id, name] from Odoo, the id alone in the simulator
          const flat = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])) as Parameters<typeof keyOf>[0];
          const key = keyOf(flat);
          if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), r.id as number]);
        }
        for (const [key, ids] of byKey) if (ids.length > 1) out.push({ model, key, ids });
      }
      if (companies.length !== new Set(companies.map((c) => c.name)).size) log('two companies of one name');
      return out;
    },
    calls: () => ({ total: proxy.seen.length, faulted: proxy.faulted.errors + proxy.faulted.lost + proxy.faulted.down }),
    peak: () => proxy.peakInFlight,
    close: () => proxy.close(),
  };
}
const real = realOdoo ? await realOdooEngine(realOdoo) : null;
// how long a step a killed worker left in flight waits before it runs again (run-executor.ts): a
// simulator's request ends within its latency (5-30 ms) and with its caller's connection; a real
// Odoo's may run on for seconds, answered to no one (the product's default)
const resumeSettleMs = opt['resume-settle-ms'] !== undefined ? num('resume-settle-ms', 0, 600_000) : real ? DEFAULT_RESUME_SETTLE_MS : 200;
const target: ChaosEngine = real ?? simulated(odoo ? odoo.sim : sim.sim);
const config: Config = {
  port: 0,
  host: '127.0.0.1',
  databaseUrl: dbUrl,
  dataDir: path.join(root, '.data/chaos'),
  embeddedPgPort: 0,
  databasePoolMax: 10,
  allowNewerSchema: false,
  demo: true,
  jwtSecret: 'chaos-secret-0123456789abcdefghijklmnopqrstuv',
  // the workers get it too (workerEnv): they read the engine the API sealed
  encryptionKeys: { current: randomBytes(32), previous: [] },
  trustProxy: false,
  erpnext: { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret },
  engineAllowedHosts: ['127.0.0.1'],
  simulatorPort: 0,
  odooDemoPort: null,
  workerInProcess: false,
  leaseMs,
  resumeSettleMs,
  engineBudgets: real ? DEFAULT_ENGINE_TIME_BUDGETS : { readMs: engineTimeoutMs, writeMs: engineTimeoutMs, companyInsertMs: engineTimeoutMs },
  engineMaxConcurrency: engineCap,
  eventStreamsPerUser: 10,
  eventStreamsMax: 500,
  retryPolicy: { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 2000 },
  loginThrottle: DEFAULT_LOGIN_THROTTLE,
  eventStreamTokenCheckMs: DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS,
  readinessCacheMs: 5_000,
  tenantFilterScanLimit: 2_000,
  // without --load the harness measures what the retries inside steps achieve; with it, what auto-continue adds
  autoContinue: { ...DEFAULT_AUTO_CONTINUE_POLICY, enabled: load, intervalMs: 5_000 },
  driftSweep: { ...DEFAULT_DRIFT_SWEEP_POLICY, enabled: false },
  webhooks: DEFAULT_WEBHOOK_POLICY,
  logLevel: 'silent',
  logPretty: false,
};
const app = await startProvisioner(config, createLogger({ level: 'silent' }));
const db = app.db.pool;
const api = async (method: string, p: string, body?: unknown, token?: string) => {
  const res = await fetch(`${app.url}${p}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const token = (await api('POST', '/api/auth/login', DEMO_ADMIN)).body.access_token as string;
if (onOdoo) {
  const engine = real && realOdoo ? { ...realOdoo, url: real.url } : { url: odoo!.url, db: odoo!.db, login: odoo!.login, apiKey: odoo!.apiKey };
  const registered = await api('POST', '/api/engines', { id: 'odoo-chaos', kind: 'odoo', base_url: engine.url, database: engine.db, login: engine.login, api_key: engine.apiKey }, token);
  if (registered.status !== 201) throw new Error(`registering the Odoo engine answered ${registered.status}: ${JSON.stringify(registered.body)}`);
}

const workerEnv = {
  ...process.env,
  DATABASE_URL: dbUrl,
  PROVISIONER_JWT_SECRET: config.jwtSecret,
  PROVISIONER_ENCRYPTION_KEY: config.encryptionKeys!.current.toString('base64'),
  PROVISIONER_LEASE_MS: String(leaseMs),
  PROVISIONER_RESUME_SETTLE_MS: String(resumeSettleMs),
  // the simulator listens on loopback over http
  PROVISIONER_ENGINE_ALLOWED_HOSTS: '127.0.0.1',
  ENGINE_TIMEOUT_MS: String(config.engineBudgets.readMs),
  ENGINE_WRITE_TIMEOUT_MS: String(config.engineBudgets.writeMs),
  ENGINE_COMPANY_TIMEOUT_MS: String(config.engineBudgets.companyInsertMs),
  STEP_MAX_ATTEMPTS: '8',
  STEP_RETRY_BASE_MS: '100',
  STEP_RETRY_MAX_MS: '2000',
  PROVISIONER_AUTO_CONTINUE: String(load),
  ENGINE_MAX_CONCURRENCY: String(engineCap),
  LOG_LEVEL: 'warn',
  LOG_PRETTY: 'false',
};
const workers = new Map<number, ChildProcess>();
// interrupted: no busy loop or worker outlives the harness
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const w of workers.values()) w.kill('SIGKILL');
    process.exit(130);
  });
}
function spawnWorker(): void {
  const child = spawn(process.execPath, [path.join(root, 'bin/provisioner.js'), 'worker'], { cwd: root, env: workerEnv, stdio: 'ignore' });
  workers.set(child.pid!, child);
  child.on('exit', () => workers.delete(child.pid!));
}
for (let i = 0; i < K; i++) spawnWorker();

// ---- tenants ----------------------------------------------------------------------------------
const started = Date.now();
const ids: string[] = [];
for (let i = 0; i < N; i++) {
  const created = await api('POST', '/api/tenants', { name: tenantName(i), country_code: 'KE', ...(onOdoo ? { engine_id: 'odoo-chaos' } : {}), provisioning: { include_demo_data: i % 3 === 0 } }, token);
  if (created.status !== 201) throw new Error(`tenant creation answered ${created.status}: ${JSON.stringify(created.body)}`);
  ids.push(created.body.tenant.id);
}
// an engine fault can fail the preflight check: an operator would press Start again
async function ensureStarted(id: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = await api('GET', `/api/provisioning/tenants/${id}/status`, undefined, token);
    if (s.body.status !== 'NOT_STARTED') return;
    startPresses++;
    await api('POST', `/api/provisioning/tenants/${id}/start`, {}, token);
    await sleep(200);
  }
}
log(`${N} tenants created; ${K} workers; faults: ${errorRate} 5xx, ${lostRate} lost responses, ${timeoutRate} timeouts; lease ${leaseMs} ms; an interrupted step waits ${resumeSettleMs} ms`);

// ---- the killer ---------------------------------------------------------------------------------
interface Kill {
  at: number;
  pid: number;
  runs: string[];
}
const kills: Kill[] = [];
let settled = false;
const killer = (async () => {
  while (!settled) {
    await sleep(between(killEvery));
    if (settled) break;
    // a worker that holds runs: one still starting (slow on a loaded machine) or idle would test nothing,
    // and killing the newcomers again and again would leave no worker up at all
    const { rows } = await db.query(`select id, locked_by from onboarding.provisioning_runs where status = 'running' and locked_by is not null`);
    const holding = (pid: number) => rows.filter((r) => String(r.locked_by).includes(`:${pid}:`)).map((r) => r.id as string);
    const busy = [...workers.keys()].filter((pid) => holding(pid).length > 0);
    const pid = busy[Math.floor(random() * busy.length)];
    if (pid === undefined) continue;
    workers.get(pid)?.kill('SIGKILL');
    kills.push({ at: Date.now(), pid, runs: holding(pid) });
    spawnWorker();
  }
})();

// ---- --load: the engine goes down for outageMs once half the tenants are COMPLETED -------------
const outage: { from: number | null; to: number | null } = { from: null, to: null };
const outageDone = (async () => {
  if (!load || outageMs === 0) return;
  while (!settled) {
    const { rows } = await db.query(`select count(*)::int as n from onboarding.provisioning_runs where status = 'completed'`);
    if (rows[0].n >= N / 2) break;
    await sleep(250);
  }
  if (settled) return;
  outage.from = Date.now();
  target.setDown(true);
  log(`engine down for ${outageMs / 1000} s`);
  await sleep(outageMs);
  target.setDown(false);
  outage.to = Date.now();
  log('engine up again');
})();

let startPresses = 0;
// with --load auto-continue is on: it also starts the tenants whose creation met a fault, so nobody presses Start
if (!load) for (const id of ids) await ensureStarted(id);
let lastReport = 0;
for (;;) {
  const { rows } = await db.query(`select count(*) filter (where status in ('queued', 'running'))::int as active from onboarding.provisioning_runs`);
  const notStarted = (await db.query(`select count(*)::int as n from onboarding.tenants t where not exists (select 1 from onboarding.provisioning_runs r where r.tenant_id = t.id)`)).rows[0].n;
  // with --load, FAILED runs wait for auto-continue: done when every tenant is COMPLETED (or time is up)
  const unfinished = load ? (await db.query(`select count(*)::int as n from onboarding.tenants t where not exists (select 1 from onboarding.provisioning_runs r where r.tenant_id = t.id and r.status = 'completed')`)).rows[0].n : 0;
  if (rows[0].active === 0 && notStarted === 0 && unfinished === 0 && (!load || outage.to !== null || outageMs === 0)) break;
  if (Date.now() - started > maxMs) {
    log(`gave up after ${opt['max-minutes']} minutes`);
    break;
  }
  if (Date.now() - lastReport > 5000) {
    lastReport = Date.now();
    log(`${rows[0].active} runs active, ${kills.length} workers killed so far`);
  }
  await sleep(250);
}
settled = true;
await killer;
await outageDone;
if (outage.from !== null && outage.to === null) target.setDown(false);
const elapsedS = (Date.now() - started) / 1000;

// ---- the verdict -----------------------------------------------------------------------------
const statuses = await Promise.all(ids.map(async (id) => (await api('GET', `/api/provisioning/tenants/${id}/status`, undefined, token)).body));
const byStatus: Record<string, number> = {};
for (const s of statuses) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
const completed = byStatus.COMPLETED ?? 0;
const duplicates = await target.duplicates();
// a step record is lost when a tenant lacks one of its 11 rows, or a COMPLETED tenant has a
// step that is neither completed nor skipped, or a settled step has no event telling it
const lost = (
  await db.query(`
    select (select count(*) from onboarding.tenants) * 11 - (select count(*) from onboarding.provisioning_steps) as missing_rows,
      (select count(*) from onboarding.provisioning_steps s where s.status in ('completed', 'skipped') and not exists (
         select 1 from onboarding.provisioning_events e where e.tenant_id = s.tenant_id and e.step_id = s.step_id and e.type in ('step_completed', 'step_skipped'))) as untold`)
).rows[0];
const lostRecords = Number(lost.missing_rows) + Number(lost.untold) + statuses.filter((s) => s.status === 'COMPLETED' && s.steps.some((x: any) => x.status !== 'completed' && x.status !== 'skipped')).length;
const recoveries: number[] = [];
for (const k of kills) {
  for (const runId of k.runs) {
    const { rows } = await db.query(`select min(created_at) as at from onboarding.provisioning_events where run_id = $1 and type = 'run_resumed' and created_at > to_timestamp($2 / 1000.0)`, [runId, k.at]);
    if (rows[0].at) recoveries.push(rows[0].at.getTime() - k.at);
  }
}
recoveries.sort((a, b) => a - b);
const pct = (p: number) => (recoveries.length ? recoveries[Math.min(recoveries.length - 1, Math.floor((p / 100) * recoveries.length))] : NaN);
const calls = target.calls();
// time from a tenant's creation to the end of its run that COMPLETED
const toCompleted = (
  await db.query(`select extract(epoch from (min(r.finished_at) - t.created_at)) * 1000 as ms from onboarding.tenants t join onboarding.provisioning_runs r on r.tenant_id = t.id and r.status = 'completed' group by t.id order by 1`)
).rows.map((r) => Number(r.ms));
const pctOf = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);
const autoContinues = (await db.query(`select count(*)::int as n, count(distinct tenant_id)::int as tenants from onboarding.provisioning_events where type = 'auto_continue'`)).rows[0];
const peak = target.peak();
const loadLines = load
  ? `  load                     ${busyLoops.length} busy-loop processes; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end
  engine outage            ${outage.from !== null ? `${outageMs / 1000} s, from ${((outage.from - started) / 1000).toFixed(1)} s into the run` : 'none (ended before half were COMPLETED)'}
  time to COMPLETED        n=${toCompleted.length} p50 ${(pctOf(toCompleted, 50) / 1000).toFixed(1)} s, p95 ${(pctOf(toCompleted, 95) / 1000).toFixed(1)} s, max ${((toCompleted.at(-1) ?? NaN) / 1000).toFixed(1)} s
  auto-continues           ${autoContinues.n} (${autoContinues.tenants} tenants, those not started at creation included); Start pressed by the harness: ${startPresses}
  engine concurrency       peak ${peak} requests at once, cap ${engineCap}
`
  : '';

process.stdout.write(`
chaos: ${N} tenants on ${opt.engine}${realOdoo ? ` (a real Odoo at ${realOdoo.url}, faults by a proxy)` : ''}, ${K} workers, seed ${seed}, ${elapsedS.toFixed(1)} s
  tenants COMPLETED        ${completed}/${N}${completed < N ? `  (${JSON.stringify(byStatus)})` : ''}
  duplicate documents      ${duplicates.length}${duplicates.length ? `  ${JSON.stringify(duplicates.slice(0, 5))}` : ''}
  lost step records        ${lostRecords}
  workers SIGKILLed        ${kills.length} (holding ${kills.reduce((a, k) => a + k.runs.length, 0)} runs)
  recovery after a kill    n=${recoveries.length} min ${pct(0)} ms, median ${pct(50)} ms, p95 ${pct(95)} ms, max ${recoveries.at(-1) ?? NaN} ms (lease ${leaseMs} ms)
  engine calls             ${calls.total}, faulted ${calls.faulted} (5xx, timeouts, resets, lost responses)
${loadLines}`);
for (const st of statuses.filter((x) => x.status !== 'COMPLETED')) {
  process.stdout.write(`  not completed: ${st.tenant_name} ${st.status} ${JSON.stringify(st.errors)}\n`);
}
const ok = completed === N && duplicates.length === 0 && lostRecords === 0 && (!load || peak <= engineCap);
process.stdout.write(ok ? 'chaos: PASS\n' : 'chaos: FAIL\n');

for (const w of workers.values()) w.kill('SIGKILL');
stopBusyLoops();
await app.close();
await sim.close();
await odoo?.close();
await real?.close();
await scratch.drop();
process.exit(ok ? 0 : 1);
