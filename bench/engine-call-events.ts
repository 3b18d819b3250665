/**
 * Engine-call event rows (issue 13 item 3): what writing one events row per engine call costs a
 * run. The same tenants provisioned at 20 ms engine latency with the calls written `each` (one
 * INSERT + NOTIFY per call, as before), `batched` (a step's calls in one INSERT, the default) and
 * `off` (none), in interleaved rounds in one run (the machine is shared: compare ratios); wall
 * time from the worker's start to the last COMPLETED. Writes docs/benchmarks.md between its markers.
 *
 *   npm run bench:engine-call-events -- [--tenants 16] [--rounds 3] [--latency 20] [--no-write]
 *
 * Only 127.0.0.1 is ever a target.
 */
import { DEFAULT_RESUME_SETTLE_MS } from '../src/runner/run-executor.ts';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { root, scratchDatabase, writeBenchmarkSection } from './support.ts';
import { startProvisioner, createWorker, engineFactory, DEMO_ADMIN } from '../src/provisioner.ts';
import { createLogger } from '../src/observability/logger.ts';
import { Journal, type EngineCallEvents } from '../src/observability/journal.ts';
import { startErpnextSimulator } from '../src/simulator/erpnext/index.ts';
import { DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS, DEFAULT_LOGIN_THROTTLE, type Config } from '../src/config.ts';
import { DEFAULT_AUTO_CONTINUE_POLICY } from '../src/domain/auto-continue.ts';
import { DEFAULT_DRIFT_SWEEP_POLICY } from '../src/runner/drift-sweeper.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../src/runner/webhook-deliverer.ts';

const { values: opt } = parseArgs({
  options: {
    tenants: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    latency: { type: 'string', default: '20' },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(opt.tenants);
const rounds = Number(opt.rounds);
const latencyMs = Number(opt.latency);
const MODES: EngineCallEvents[] = ['each', 'batched', 'off'];

const scratch = await scratchDatabase('calls', 54352);
const sim = await startErpnextSimulator({ port: 0, latency: latencyMs });
const config: Config = {
  port: 0,
  host: '127.0.0.1',
  databaseUrl: scratch.url,
  dataDir: path.join(root, '.data/engine-call-events'),
  embeddedPgPort: 0,
  databasePoolMax: 10,
  allowNewerSchema: false,
  demo: true,
  jwtSecret: 'bench-secret-0123456789abcdefghijklmnopqrstuv',
  encryptionKeys: { current: randomBytes(32), previous: [] },
  trustProxy: false,
  erpnext: { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret },
  engineAllowedHosts: ['127.0.0.1'],
  readinessCacheMs: 5_000,
  tenantFilterScanLimit: 2_000,
  simulatorPort: 0,
  odooDemoPort: null,
  workerInProcess: false,
  leaseMs: 30_000,
  resumeSettleMs: DEFAULT_RESUME_SETTLE_MS,
  engineBudgets: { readMs: 5_000, writeMs: 5_000, companyInsertMs: 10_000 },
  engineMaxConcurrency: 8,
  eventStreamsPerUser: 10,
  eventStreamsMax: 500,
  retryPolicy: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2000 },
  loginThrottle: DEFAULT_LOGIN_THROTTLE,
  eventStreamTokenCheckMs: DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS,
  autoContinue: { ...DEFAULT_AUTO_CONTINUE_POLICY, enabled: false, intervalMs: 5_000 },
  driftSweep: { ...DEFAULT_DRIFT_SWEEP_POLICY, enabled: false },
  webhooks: DEFAULT_WEBHOOK_POLICY,
  logLevel: 'silent',
  logPretty: false,
};
const logger = createLogger({ level: 'silent' });
const app = await startProvisioner(config, logger);
const db = app.db.pool;
const api = async (method: string, p: string, body?: unknown, token?: string) => {
  const res = await fetch(`${app.url}${p}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const token = (await api('POST', '/api/auth/login', DEMO_ADMIN)).body.access_token as string;
const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function round(mode: EngineCallEvents, r: number): Promise<{ ms: number; rows: number }> {
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const created = await api('POST', '/api/tenants', { name: `Calls ${mode} ${r} ${i + 1}`, country_code: 'KE' }, token);
    if (created.status !== 201) throw new Error(`tenant creation answered ${created.status}: ${JSON.stringify(created.body)}`);
    ids.push(created.body.tenant.id);
  }
  const journal = new Journal(app.db.store, logger, mode);
  const engineFor = engineFactory(config, app.db, logger);
  const worker = createWorker(config, app.db, journal, engineFor, logger);
  const started = performance.now();
  worker.start();
  for (;;) {
    const { rows } = await db.query(`select count(*) filter (where status in ('queued', 'running'))::int as active from onboarding.provisioning_runs where tenant_id = any($1)`, [ids]);
    if (rows[0].active === 0) break;
    await sleep(50);
  }
  const ms = performance.now() - started;
  await worker.stop();
  await journal.flushEngineCalls();
  await engineFor.close();
  const done = (await db.query(`select count(*)::int as n from onboarding.provisioning_runs where tenant_id = any($1) and status = 'completed'`, [ids])).rows[0].n;
  if (done !== N) throw new Error(`${mode}: ${done}/${N} COMPLETED`);
  const rows = (await db.query(`select count(*)::int as n from onboarding.provisioning_events where tenant_id = any($1) and type = 'engine_call'`, [ids])).rows[0].n;
  return { ms, rows };
}

const results = new Map<EngineCallEvents, Array<{ ms: number; rows: number }>>(MODES.map((m) => [m, []]));
await round('batched', 0); // warm-up: connections, JIT, the site's first company
for (let r = 1; r <= rounds; r++) {
  // a different order each round, so no mode always runs first
  for (const mode of r % 2 ? MODES : [...MODES].reverse()) {
    const result = await round(mode, r);
    results.get(mode)!.push(result);
    process.stdout.write(`round ${r} ${mode.padEnd(8)} ${result.ms.toFixed(0)} ms, ${result.rows} engine_call rows\n`);
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const off = median(results.get('off')!.map((x) => x.ms));
const lines = MODES.map((m) => {
  const ms = median(results.get(m)!.map((x) => x.ms));
  return { mode: m, ms, ratio: ms / off, rows: median(results.get(m)!.map((x) => x.rows)) };
});
const loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(' ');
process.stdout.write(`\n${lines.map((l) => `${l.mode.padEnd(8)} median ${l.ms.toFixed(0)} ms  × off ${l.ratio.toFixed(3)}  engine_call rows ${l.rows}`).join('\n')}\n`);

if (!opt['no-write']) {
  const each = lines.find((l) => l.mode === 'each')!;
  const batched = lines.find((l) => l.mode === 'batched')!;
  writeBenchmarkSection('engine-call-events', [
    '## Engine-call event rows',
    '',
    `\`npm run bench:engine-call-events -- --tenants ${N} --rounds ${rounds}\` on ${new Date().toISOString().slice(0, 10)}: ${os.availableParallelism()} CPUs, Node ${process.version},`,
    `load average ${loadBefore} at the start, ${loadAfter} at the end. ${N} tenants per round, simulator latency ${latencyMs} ms per call, one worker`,
    `(4 runs at once), engine cap 8; the three ways of writing engine calls in interleaved rounds of one run; median wall time of ${rounds} rounds.`,
    '',
    '| engine calls written | median wall ms | × off | engine_call rows per round |',
    '|---|---:|---:|---:|',
    ...lines.map((l) => `| ${l.mode} | ${l.ms.toFixed(0)} | ${l.ratio.toFixed(3)} | ${l.rows} |`),
    '',
    `One row and one NOTIFY per call (\`each\`, as before) cost ${((each.ratio - 1) * 100).toFixed(1)}% of the wall time; batched, ${((batched.ratio - 1) * 100).toFixed(1)}%.`,
    'Batched: a step\'s calls are written in one INSERT with one NOTIFY when the step settles (before its outcome, so they keep their place in the logs),',
    'or when 200 are waiting, or 250 ms after the first. A crash loses only the calls of the step it interrupted, which runs again.',
  ]);
}
await app.close();
await sim.close();
await scratch.drop();
process.exit(0);
