/**
 * Engine cap across the fleet (issue 12 item 2): an engine with a capacity of C concurrent
 * requests (ENGINE_MAX_CONCURRENCY=C) never sees more than C, whatever the number of worker
 * processes. For 1, 3 and 6 workers (each running up to 4 tenants at once), provisions tenants
 * against the simulator and reads the peak of concurrent requests the simulator itself held
 * (sim.concurrency()). Writes docs/benchmarks.md between its markers.
 *
 *   npm run bench:engine-cap -- [--cap 4] [--tenants 12] [--workers 1,3,6] [--no-write]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { writeBenchmarkSection } from './support.ts';
import { startHarness } from '../test/support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../test/support/processes.ts';

const { values: opt } = parseArgs({
  options: {
    cap: { type: 'string', default: '4' },
    tenants: { type: 'string', default: '12' },
    workers: { type: 'string', default: '1,3,6' },
    latency: { type: 'string', default: '25' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CAP = Number(opt.cap);
const N = Number(opt.tenants);
const fleetSizes = String(opt.workers).split(',').map(Number);
const latencyMs = Number(opt.latency);
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');

const h = await startHarness({ simulator: { latency: latencyMs }, config: { workerInProcess: false, engineMaxConcurrency: CAP } });
const env = {
  DATABASE_URL: h.provisioner.db.url,
  PROVISIONER_JWT_SECRET: 'unused-by-workers-0123456789abcdefghijkl',
  ENGINE_MAX_CONCURRENCY: String(CAP),
  STEP_RETRY_BASE_MS: '20',
  LOG_LEVEL: 'info',
};
const results: Array<{ workers: number; peak: number; calls: number; ms: number; completed: number; runners: number }> = [];
try {
  for (const K of fleetSizes) {
    const workers: ProvisionerProcess[] = [];
    try {
      for (let i = 0; i < K; i++) workers.push(spawnProvisioner(['worker'], env));
      await Promise.all(workers.map((w) => w.waitForLine(/provisioning worker started/)));
      h.simulator.sim.resetPeak();
      const callsBefore = h.simulator.sim.callCount();
      const started = performance.now();
      const tenants = [];
      for (let i = 0; i < N; i++) tenants.push((await h.createTenant({ name: `Cap ${K} Workers Shop ${i}`, country_code: 'KE' })).tenant);
      let completed = 0;
      for (const t of tenants) if ((await h.waitForStatus(t.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status === 'COMPLETED') completed++;
      const ms = performance.now() - started;
      const { peak } = h.simulator.sim.concurrency();
      const runners = (await h.provisioner.db.pool.query(`select count(distinct locked_by)::int as n from onboarding.provisioning_runs where tenant_id = any($1)`, [tenants.map((t) => t.id)])).rows[0].n;
      results.push({ workers: K, peak, calls: h.simulator.sim.callCount() - callsBefore, ms, completed, runners });
      process.stdout.write(`${K} worker(s): peak ${peak} concurrent requests at the engine (cap ${CAP}), ${completed}/${N} COMPLETED, ${runners} worker(s) ran tenants, ${(ms / 1000).toFixed(1)} s\n`);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
    }
  }
} finally {
  await h.close();
}
const met = results.every((r) => r.peak <= CAP && r.completed === N);
process.stdout.write(`never above the cap: ${met ? 'yes' : 'NO'}\n`);
if (!opt['no-write']) {
  writeBenchmarkSection('engine-cap', [
    '## Engine cap across worker processes',
    '',
    `\`npm run bench:engine-cap -- --cap ${CAP} --tenants ${N}\` on ${new Date().toISOString().slice(0, 10)}: ${os.availableParallelism()} CPUs, Node ${process.version}, load average ${loadBefore} at the start.`,
    `ENGINE_MAX_CONCURRENCY=${CAP}; K worker processes, each running up to 4 tenants at once (so up to 4K runs want the engine);`,
    `${N} tenants per fleet size, simulator latency ${latencyMs} ms. Peak: the most Frappe requests the simulator held at once, as it counts them`,
    '(from arrival until the connection answers or closes).',
    '',
    '| worker processes | runs at once (max) | peak concurrent requests at the engine | cap | tenants COMPLETED | workers that ran tenants | engine calls | wall s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.workers} | ${4 * r.workers} | ${r.peak} | ${CAP} | ${r.completed}/${N} | ${r.runners} | ${r.calls} | ${(r.ms / 1000).toFixed(1)} |`),
    '',
    `Never above the cap: ${met ? 'met' : 'NOT met'}. The slots are session advisory locks in PostgreSQL shared by every process (src/adapters/postgres/engine-slots.ts).`,
  ]);
}
process.exit(met ? 0 : 1);
