import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../src/adapters/postgres/database.ts';
import { PostgresStore } from '../../src/adapters/postgres/store.ts';
import { EngineSecrets } from '../../src/adapters/engine-secrets.ts';
import { Journal } from '../../src/observability/journal.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Worker } from '../../src/runner/worker.ts';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/retry-policy.ts';

// Each run holds a pooled connection for its tenant lock for as long as it runs and needs
// another one for every write: with as many runs as connections, all of them wait for a
// connection none will free (12 runs on a pool of 10 made almost no progress for minutes).
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function workerOn(poolMax: number, concurrency: number) {
  const pool = createPool(url, { max: poolMax });
  // no engine is read in these tests: no key is needed
  const store = new PostgresStore(pool, new EngineSecrets(null));
  const logger = createLogger({ level: 'silent' });
  const make = () => new Worker({ store, journal: new Journal(store, logger), engineFor: () => {
    throw new Error('no run is claimed in these tests');
  }, retryPolicy: DEFAULT_RETRY_POLICY, databaseUrl: url, logger, concurrency });
  return { make, end: () => pool.end() };
}

test('a worker refuses to run as many runs at once as its pool has connections', async () => {
  const w = workerOn(10, 10);
  try {
    assert.throws(w.make, (e: any) => e.code === 'CONFIG_INVALID' && /DATABASE_POOL_MAX above 10/.test(e.hint));
  } finally {
    await w.end();
  }
});

test('a worker with a connection to spare for its writes is accepted', async () => {
  const w = workerOn(10, 9);
  try {
    assert.doesNotThrow(w.make);
  } finally {
    await w.end();
  }
});
