import { createPool } from '../../src/adapters/postgres/database.ts';
import { PostgresStore } from '../../src/adapters/postgres/store.ts';
import { createEngine } from '../../src/adapters/engine-factory.ts';
import { Journal } from '../../src/observability/journal.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Worker } from '../../src/runner/worker.ts';
import type { EngineSecrets } from '../../src/adapters/engine-secrets.ts';
import { TEST_ENGINE_URL_POLICY, type ProvisionerHarness } from './harness.ts';

export interface TestWorker {
  worker: Worker;
  /** Stops claiming and hands current runs back, as on SIGTERM. */
  stop(): Promise<void>;
  /**
   * The worker loses its database for good at this instant, as a SIGKILLed process does:
   * nothing it does afterwards is recorded, its leases expire, and another worker resumes.
   */
  crash(): Promise<void>;
}

/** A worker of its own (own pool, own id) on the harness's database and engines. */
export function startWorker(h: Pick<ProvisionerHarness, 'provisioner'>, opts: { leaseMs?: number; pollMs?: number; workerId?: string; engineSecrets?: EngineSecrets } = {}): TestWorker {
  // the default 4 runs hold a connection each for their tenant locks, and need more to write
  const pool = createPool(h.provisioner.db.url, { max: 8 });
  // the harness's keys unless told otherwise: the engines it registered are encrypted with them
  const store = new PostgresStore(pool, opts.engineSecrets ?? h.provisioner.db.store.engineSecrets);
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const journal = new Journal(store, logger);
  const worker = new Worker({
    store,
    journal,
    engineFor: (record, onCall) => createEngine(record, { budgets: { readMs: 2_000, writeMs: 2_000, companyInsertMs: 2_000 }, onCall, urlPolicy: TEST_ENGINE_URL_POLICY }),
    retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
    databaseUrl: h.provisioner.db.url,
    logger,
    leaseMs: opts.leaseMs ?? 1_000,
    pollMs: opts.pollMs ?? 50,
    workerId: opts.workerId,
  });
  worker.start();
  let ended = false;
  const endPool = async () => {
    if (ended) return;
    ended = true;
    await pool.end().catch(() => {});
  };
  return {
    worker,
    async stop() {
      await worker.stop();
      await endPool();
    },
    async crash() {
      // every query from now on fails; in-flight engine calls still land, like a real crash
      const fail = () => Promise.reject(new Error('worker crashed (test)'));
      (pool as unknown as { query: unknown }).query = fail;
      (pool as unknown as { connect: unknown }).connect = fail;
      void worker.stop().catch(() => {});
      await endPool();
    },
  };
}
