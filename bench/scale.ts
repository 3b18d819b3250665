/**
 * Scale benchmark (issue 12, item 4): N tenants provisioned in demo mode (the built-in simulator
 * with its data file, the API and the in-process worker in this one process, as `npm start` runs
 * them), created all at once. Reports whether every tenant COMPLETED, how step times evolve as
 * tenants accumulate (median run and step time per tenth of the tenants, in creation order: flat
 * means the last tenth costs what the first did), the event-loop delay of the process (p50, p99,
 * max), and the latency of status requests made while the runs go on; writes them into
 * docs/benchmarks.md between its scale markers.
 *
 *   npm run bench:scale -- [--tenants 1000] [--no-write]
 *
 * Only 127.0.0.1 is ever a target.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { scratchDatabase, writeBenchmarkSection } from './support.ts';
import { loadConfig } from '../src/config.ts';
import { startProvisioner, DEMO_ADMIN } from '../src/provisioner.ts';
import { createLogger } from '../src/observability/logger.ts';

const { values: opt } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    'no-write': { type: 'boolean', default: false },
    'max-minutes': { type: 'string', default: '60' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write('usage: npm run bench:scale -- [--tenants 1000] [--max-minutes 60] [--no-write]\n');
  process.exit(0);
}
const N = Number(opt.tenants);
const maxMs = Number(opt['max-minutes']) * 60_000;
if (!Number.isInteger(N) || N < 10 || N > 20_000) {
  process.stderr.write('--tenants must be an integer from 10 to 20000\n');
  process.exit(2);
}
const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---- a scratch database on the local server, else an embedded one ----------------------------
const scratch = await scratchDatabase('scale', 54351);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'provisioner-scale-'));
// interrupted (Ctrl-C, a CI timeout): the scratch database and data file go too, not only at the end
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: dropping the scratch database`);
    // the loops below still query it: their errors are expected now, the process ends right after
    process.on('unhandledRejection', () => {});
    process.on('uncaughtException', () => {});
    void (async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await scratch.drop().catch((e) => process.stderr.write(`could not drop the scratch database: ${(e as Error).message}\n`));
      process.exit(130);
    })();
  });
}

// demo mode as `npm start` runs it, on the scratch database: built-in simulator with its data file
const config = loadConfig({
  ...process.env,
  DATABASE_URL: scratch.url,
  PROVISIONER_DEMO: 'true',
  PROVISIONER_DATA_DIR: dataDir,
  PROVISIONER_ENV_FILE: '/dev/null',
  SIMULATOR_PORT: '0',
  PORT: '0',
  LOG_LEVEL: 'silent',
  LOG_PRETTY: 'false',
});
const app = await startProvisioner(config, createLogger({ level: (process.env.BENCH_LOG_LEVEL ?? 'silent') as 'silent' }));
const api = async (method: string, p: string, body?: unknown, token?: string) => {
  const res = await fetch(`${app.url}${p}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const token = (await api('POST', '/api/auth/login', DEMO_ADMIN)).body.access_token as string;

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const started = Date.now();

// ---- tenants, created at once (50 requests in flight) ----------------------------------------
const ids: string[] = [];
const creators = Array.from({ length: 50 }, async (_, k) => {
  for (let i = k; i < N; i += 50) {
    const created = await api('POST', '/api/tenants', { name: `Scale Tenant ${String(i + 1).padStart(5, '0')}`, country_code: 'KE' }, token);
    if (created.status !== 201) throw new Error(`tenant creation answered ${created.status}: ${JSON.stringify(created.body)}`);
    ids.push(created.body.tenant.id);
  }
});
await Promise.all(creators);
log(`${N} tenants created in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---- while they run: status requests, one every 200 ms --------------------------------------
const statusMs: number[] = [];
let settled = false;
const sampler = (async () => {
  while (!settled) {
    const id = ids[Math.floor(Math.random() * ids.length)]!;
    const t0 = performance.now();
    await api('GET', `/api/provisioning/tenants/${id}/status`, undefined, token);
    statusMs.push(performance.now() - t0);
    await sleep(200);
  }
})();

const db = app.db.pool;
let lastReport = 0;
for (;;) {
  const { rows } = await db.query(`select count(*) filter (where status in ('queued', 'running'))::int as active, count(*) filter (where status = 'completed')::int as completed from onboarding.provisioning_runs`);
  if (rows[0].active === 0) break;
  if (Date.now() - started > maxMs) {
    log(`gave up after ${opt['max-minutes']} minutes`);
    break;
  }
  if (Date.now() - lastReport > 15_000) {
    lastReport = Date.now();
    log(`${rows[0].completed} runs completed, ${rows[0].active} active; event-loop delay p99 so far ${(lag.percentile(99) / 1e6).toFixed(0)} ms`);
  }
  await sleep(500);
}
settled = true;
await sampler;
lag.disable();
const elapsedS = (Date.now() - started) / 1000;

// ---- the figures -----------------------------------------------------------------------------
const byStatus: Record<string, number> = Object.fromEntries(
  (await db.query(`select status, count(*)::int as n from onboarding.provisioning_runs group by status`)).rows.map((r) => [r.status, r.n]),
);
// why runs failed: the first failed step of each failed run, by step and code
const failures = (
  await db.query(`select step_id, error_code, count(*)::int as n from onboarding.provisioning_steps where status = 'failed' group by step_id, error_code order by n desc`)
).rows.map((r) => `${r.step_id} ${r.error_code} × ${r.n}`);
// per tenth of the tenants in creation order: median run time (started → finished) and median step time
const tenths = (
  await db.query(`
    with t as (select id, ntile(10) over (order by created_at, name) as tenth from onboarding.tenants),
    runs as (select r.tenant_id, extract(epoch from r.finished_at - r.started_at) * 1000 as ms from onboarding.provisioning_runs r where r.kind = 'start' and r.finished_at is not null),
    steps as (select s.tenant_id, s.duration_ms from onboarding.provisioning_steps s where s.status = 'completed' and s.duration_ms is not null)
    select t.tenth,
      (select percentile_cont(0.5) within group (order by runs.ms) from runs join t t2 on t2.id = runs.tenant_id where t2.tenth = t.tenth) as run_ms,
      (select percentile_cont(0.5) within group (order by steps.duration_ms) from steps join t t3 on t3.id = steps.tenant_id where t3.tenth = t.tenth) as step_ms
    from (select distinct tenth from t) t order by t.tenth`)
).rows.map((r) => ({ tenth: r.tenth as number, runMs: Number(r.run_ms), stepMs: Number(r.step_ms) }));
const dataFile = path.join(dataDir, 'simulator.json');
const dataFileMb = existsSync(dataFile) ? statSync(dataFile).size / 1e6 : 0;
statusMs.sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const lagMs = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
const flatness = tenths.length ? tenths.at(-1)!.stepMs / tenths[0]!.stepMs : NaN;
const completed = byStatus.completed ?? 0;

const table = [
  'tenth  median run ms  median step ms',
  ...tenths.map((t) => `${String(t.tenth).padStart(5)}  ${t.runMs.toFixed(0).padStart(13)}  ${t.stepMs.toFixed(1).padStart(14)}`),
].join('\n');
const summary = [
  `tenants COMPLETED          ${completed}/${N} (${JSON.stringify(byStatus)})`,
  `wall time                  ${elapsedS.toFixed(0)} s (${((completed / elapsedS) * 60).toFixed(1)} tenants/min)`,
  `step time, last ÷ first tenth  ${flatness.toFixed(2)}`,
  `event-loop delay           p50 ${lagMs.p50.toFixed(1)} ms, p99 ${lagMs.p99.toFixed(1)} ms, max ${lagMs.max.toFixed(0)} ms (target p99 < 100 ms)`,
  `status requests meanwhile  n=${statusMs.length}, p50 ${pct(statusMs, 50).toFixed(0)} ms, p99 ${pct(statusMs, 99).toFixed(0)} ms`,
  `simulator data file        ${dataFileMb.toFixed(1)} MB`,
  ...(failures.length ? [`failed steps               ${failures.join(', ')}`] : []),
].join('\n');
const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
process.stdout.write(`\nscale: ${N} tenants in demo mode, ${os.availableParallelism()} CPUs, Node ${process.version}, load ${load}\n\n${table}\n\n${summary}\n`);

if (!opt['no-write']) {
  writeBenchmarkSection('scale', [
    '## Scale: many tenants in demo mode',
    '',
    `\`npm run bench:scale -- --tenants ${N}\` on ${new Date().toISOString().slice(0, 10)}: ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.version},`,
    `load average ${load} at the end. Demo mode as \`npm start\` runs it (built-in simulator with its data file, API and worker in one process),`,
    `${N} tenants created at once (50 requests in flight), then provisioned by the in-process worker.`,
    '',
    '| tenth of the tenants (creation order) | median run ms | median step ms |',
    '|---:|---:|---:|',
    ...tenths.map((t) => `| ${t.tenth} | ${t.runMs.toFixed(0)} | ${t.stepMs.toFixed(1)} |`),
    '',
    '```',
    summary,
    '```',
  ]);
}

await app.close();
rmSync(dataDir, { recursive: true, force: true });
await scratch.drop();
process.exit(completed === N ? 0 : 1);
