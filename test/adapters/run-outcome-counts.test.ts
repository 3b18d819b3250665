/**
 * The fleet's run chart reads hourly counts of runs that ended (run_outcome_counts, kept by a
 * trigger), not the runs: the counts must always equal a count of the runs themselves, from the
 * migration's backfill on, whatever changes a run and whenever a process dies.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createScratchDatabase } from '../support/database.ts';
import { createPool } from '../../src/adapters/postgres/database.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { PostgresStore } from '../../src/adapters/postgres/store.ts';
import { EngineSecrets } from '../../src/adapters/engine-secrets.ts';

let db: Awaited<ReturnType<typeof createScratchDatabase>>;
let pool: pg.Pool;
let store: PostgresStore;
before(async () => {
  db = await createScratchDatabase();
  pool = createPool(db.url);
  // the schema as the previous version left it: runs that ended before the counts existed
  await migrate(pool, { before: '016' });
  store = new PostgresStore(pool, new EngineSecrets(null));
});
after(async () => {
  await pool.end();
  await db.drop();
});

let tenants = 0;
/** A tenant with one run in `status`, ended at `finishedAt` (null: not ended). */
async function tenantWithRun(status: string, finishedAt: string | null, lockedBy: string | null = null): Promise<{ tenantId: string; runId: string }> {
  const n = ++tenants;
  const tenantId = (
    await pool.query(`insert into onboarding.tenants (name, country_code, country, currency, engine_id, config) values ($1, 'KE', 'Kenya', 'KES', 'erpnext', '{}') returning id`, [`Counted ${n}`])
  ).rows[0].id;
  const runId = (
    await pool.query(`insert into onboarding.provisioning_runs (tenant_id, kind, status, plan, config, locked_by, finished_at) values ($1, 'start', $2, '{}', '{}', $3, $4) returning id`, [tenantId, status, lockedBy, finishedAt])
  ).rows[0].id;
  return { tenantId, runId };
}

/** The counts, and the same counted from the runs: [hour, status, runs] sorted. */
async function countsAndRuns(): Promise<{ counts: string[]; runs: string[] }> {
  const counts = await pool.query(`select hour, status, runs from onboarding.run_outcome_counts where runs > 0 order by 1, 2`);
  const runs = await pool.query(
    `select to_timestamp(floor(extract(epoch from finished_at) / 3600) * 3600) as hour, status, count(*)::int as runs
     from onboarding.provisioning_runs where finished_at is not null and status in ('completed', 'partial', 'failed') group by 1, 2 order by 1, 2`,
  );
  const line = (r: { hour: Date; status: string; runs: number }) => `${r.hour.toISOString()} ${r.status} ${r.runs}`;
  return { counts: counts.rows.map(line), runs: runs.rows.map(line) };
}

async function assertCountsMatchRuns(what: string): Promise<void> {
  const { counts, runs } = await countsAndRuns();
  assert.deepEqual(counts, runs, what);
}

test('the migration counts the runs that ended before it, by whole hour (UTC) and outcome', async () => {
  await pool.query(`insert into onboarding.engines (id, kind, base_url, api_key, api_secret) values ('erpnext', 'erpnext', 'http://127.0.0.1:9', '', '')`);
  await tenantWithRun('completed', '2026-11-30T10:00:00Z');
  await tenantWithRun('completed', '2026-11-30T10:59:59.999Z');
  await tenantWithRun('failed', '2026-11-30T10:30:00Z');
  await tenantWithRun('partial', '2026-11-30T11:00:00Z');
  await tenantWithRun('running', null);
  await tenantWithRun('queued', null);
  // in a session whose time zone is not a whole hour from UTC: the hours are still UTC's
  await pool.query(`alter database ${new URL(db.url).pathname.slice(1)} set timezone = 'Asia/Kolkata'`);
  await pool.end();
  pool = createPool(db.url);
  store = new PostgresStore(pool, new EngineSecrets(null));

  await migrate(pool);

  const { counts } = await countsAndRuns();
  assert.deepEqual(counts, ['2026-11-30T10:00:00.000Z completed 2', '2026-11-30T10:00:00.000Z failed 1', '2026-11-30T11:00:00.000Z partial 1']);
});

test('every change of a run moves its count: an end, another outcome or time, a deletion, a truncation', async () => {
  const a = await tenantWithRun('running', null, 'w1');
  await pool.query(`update onboarding.provisioning_runs set status = 'completed', finished_at = now() where id = $1`, [a.runId]);
  await assertCountsMatchRuns('a run that ended is counted');
  await pool.query(`update onboarding.provisioning_runs set status = 'failed' where id = $1`, [a.runId]);
  await assertCountsMatchRuns('its outcome changed: counted under the new one only');
  await pool.query(`update onboarding.provisioning_runs set finished_at = finished_at - interval '3 hours' where id = $1`, [a.runId]);
  await assertCountsMatchRuns('its end moved to another hour');
  await pool.query(`update onboarding.provisioning_runs set lease_until = now() where id = $1`, [a.runId]);
  await assertCountsMatchRuns('a change of another column changes no count');
  await pool.query(`update onboarding.provisioning_runs set status = 'running', finished_at = null where id = $1`, [a.runId]);
  await assertCountsMatchRuns('a run that no longer has an end is no longer counted');
  await pool.query(`insert into onboarding.provisioning_runs (tenant_id, kind, status, plan, config, finished_at) values ($1, 'retry', 'partial', '{}', '{}', now())`, [a.tenantId]);
  await pool.query(`delete from onboarding.tenants where id = $1`, [a.tenantId]);
  await assertCountsMatchRuns("a tenant's deletion takes its runs' counts with them");
  assert.ok((await countsAndRuns()).counts.length > 0, 'the runs of the first test are still counted');

  await pool.query(`truncate onboarding.provisioning_runs cascade`);
  assert.deepEqual((await pool.query(`select * from onboarding.run_outcome_counts`)).rows, [], 'truncated with the runs');
});

test("a run's end and its count commit together: a session killed before its commit leaves neither, a second end counts nothing", async () => {
  const run = await tenantWithRun('running', null, 'w1');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const lost = new Promise<Error>((resolve) => client.on('error', resolve));
  await client.query('begin');
  await client.query(`update onboarding.provisioning_runs set status = 'completed', finished_at = now() where id = $1`, [run.runId]);
  const pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
  // the process dies mid-way: its session ends, its transaction with it
  await pool.query('select pg_terminate_backend($1)', [pid]);
  await lost;
  await client.end().catch(() => {});
  assert.equal((await pool.query(`select status from onboarding.provisioning_runs where id = $1`, [run.runId])).rows[0].status, 'running');
  await assertCountsMatchRuns('neither the end nor its count');

  // the worker that resumes it ends it; the end of an ended run (a stale worker) changes nothing
  const event = { tenantId: run.tenantId, runId: run.runId, type: 'run_finished', level: 'info', status: 'COMPLETED', message: 'Run finished: completed' } as const;
  assert.ok(await store.finishRun(run.runId, 'w1', 'completed', event));
  assert.equal(await store.finishRun(run.runId, 'w1', 'completed', event), null);
  await assertCountsMatchRuns('counted once');
  const hour = (await pool.query(`select runs from onboarding.run_outcome_counts where status = 'completed' and hour = onboarding.run_outcome_hour(now())`)).rows[0];
  assert.equal(hour.runs, 1);
});

test("the fleet's outcomes from the counts are the outcomes of all its runs, in the chart's buckets", async () => {
  const mine = await tenantWithRun('failed', '2026-12-01T05:10:00Z');
  await tenantWithRun('completed', '2026-12-01T06:20:00Z');
  await tenantWithRun('completed', '2026-12-01T11:59:00Z');
  const since = new Date('2026-12-01T00:00:00Z');
  const everyTenant = (await pool.query(`select id from onboarding.tenants`)).rows.map((r) => r.id as string);
  const line = (o: { bucket: Date; status: string; runs: number }) => `${o.bucket.toISOString()} ${o.status} ${o.runs}`;
  for (const bucket of [3600, 6 * 3600]) {
    const fleet = (await store.runOutcomes(null, since, bucket)).map(line);
    assert.deepEqual(fleet, (await store.runOutcomes(everyTenant, since, bucket)).map(line));
    assert.ok(fleet.includes(`2026-12-01T${bucket === 3600 ? '05' : '00'}:00:00.000Z failed 1`), fleet.join(', '));
  }
  assert.deepEqual((await store.runOutcomes([mine.tenantId], since, 3600)).map(line), ['2026-12-01T05:00:00.000Z failed 1']);
  await assert.rejects(store.runOutcomes(null, new Date('2026-12-01T00:30:00Z'), 3600), /whole hours/);
});
