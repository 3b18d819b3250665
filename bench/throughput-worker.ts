/**
 * One worker process of the throughput part of bench/latency.ts: the worker `provisioner worker`
 * runs (createWorker's Worker, the engine factory with its fleet-wide engine slots), with the
 * run concurrency and engine cap given on the command line. Prints its RSS and CPU time once a second.
 *
 *   node --import tsx bench/throughput-worker.ts --database URL --concurrency 6 --cap 16
 */
import { parseArgs } from 'node:util';
import { createPool } from '../src/adapters/postgres/database.ts';
import { PostgresStore } from '../src/adapters/postgres/store.ts';
import { EngineSecrets, parseEncryptionKey } from '../src/adapters/engine-secrets.ts';
import { Journal } from '../src/observability/journal.ts';
import { createLogger } from '../src/observability/logger.ts';
import { engineFactory } from '../src/provisioner.ts';
import { Worker } from '../src/runner/worker.ts';
import { DEFAULT_RETRY_POLICY } from '../src/domain/retry-policy.ts';
import { DEFAULT_ENGINE_TIME_BUDGETS } from '../src/ports/engine.ts';

const { values: opt } = parseArgs({ options: { database: { type: 'string' }, concurrency: { type: 'string', default: '4' }, cap: { type: 'string', default: '16' } } });
const url = opt.database!;
const logger = createLogger({ level: 'silent' });
// one connection per run for its tenant lock, and room for the writes (the Worker checks)
const pool = createPool(url, { max: Number(opt.concurrency) + 4, applicationName: 'provisioner-bench-worker' });
// the key of the API that registered the engine (bench/latency.ts)
const store = new PostgresStore(pool, new EngineSecrets({ current: parseEncryptionKey(process.env.PROVISIONER_ENCRYPTION_KEY ?? '', 'PROVISIONER_ENCRYPTION_KEY'), previous: [] }));
const journal = new Journal(store, logger);
const engineFor = engineFactory({ engineBudgets: DEFAULT_ENGINE_TIME_BUDGETS, engineMaxConcurrency: Number(opt.cap), demo: false, engineAllowedHosts: ['127.0.0.1'] }, { url }, logger);
const worker = new Worker({ store, journal, engineFor, retryPolicy: DEFAULT_RETRY_POLICY, databaseUrl: url, logger, concurrency: Number(opt.concurrency) });
worker.start();
const reportUsage = () => {
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
};
// the first report says it is running: the benchmark's clock starts after every worker's start-up
reportUsage();
const report = setInterval(reportUsage, 1000);
process.on('SIGTERM', () => {
  clearInterval(report);
  void (async () => {
    await worker.stop();
    await engineFor.close();
    await pool.end();
    process.exit(0);
  })();
});
