/**
 * Backups (docs/operations.md, "Backups and restore"), with the machine's own pg_dump and
 * pg_restore and the commands the docs give: tenants made through the API, one of them mid-run
 * when the backup is taken; the dump restored into an empty database; a Provisioner started on
 * the copy against the same engine.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startErpnextSimulator, type RunningSimulator } from '../../src/simulator/erpnext/index.ts';
import { createScratchDatabase } from '../support/database.ts';
import { startProvisionerHarness, type ProvisionerHarness } from '../support/harness.ts';

const run = promisify(execFile);

/** Major version of a PostgreSQL client program; null when it is not installed. */
function clientMajor(program: string): number | null {
  const r = spawnSync(program, ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /\(PostgreSQL\)\s+(\d+)/.exec(r.stdout) : null;
  return m ? Number(m[1]) : null;
}

async function serverMajor(): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return Math.floor(Number((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]!.v) / 10_000);
  } finally {
    await client.end();
  }
}

/** pg_dump refuses a newer server, and pg_restore may not read a newer dump: skip with the reason. */
const skip = await (async () => {
  const server = await serverMajor();
  for (const program of ['pg_dump', 'pg_restore']) {
    const major = clientMajor(program);
    if (major === null) return `${program} is not installed`;
    if (major < server) return `${program} ${major} is older than the PostgreSQL ${server} server the tests use`;
  }
  return false;
})();

// the commands of docs/operations.md, "Backups and restore"
const dump = (url: string, file: string, ...only: string[]) => run('pg_dump', ['--format=custom', ...only, `--file=${file}`, url]);
const restore = (url: string, file: string) => run('pg_restore', ['--exit-on-error', '--single-transaction', '--no-owner', `--dbname=${url}`, file]);
const ADVANCE_EVENT_IDS = `select setval('onboarding.provisioning_events_id_seq', (select coalesce(max(id), 0) from onboarding.provisioning_events) + 1000000)`;

const DOCTYPES = ['Company', 'Account', 'Cost Center', 'Warehouse', 'Mode of Payment', 'Customer', 'Item', 'Item Price', 'POS Profile', 'POS Opening Entry'];

let dir: string;
let sim: RunningSimulator;
let original: ProvisionerHarness;
let restored: ProvisionerHarness;
let settled: Record<string, any>;
let midRun: string;
let census: Record<string, number>;
/** The mid-run tenant's run and steps as the restored copy has them, before anything runs on it. */
let inFlight: { run: string; steps: Record<string, string>; lastEventId: number };
/** The last event id the original wrote, after the backup: ids its clients may have seen. */
let lastOriginalEventId: number;
let files: { whole: string; schema: string; migrations: string };

const countAll = () => Object.fromEntries(DOCTYPES.map((d) => [d, sim.sim.count(d)]));
const statusOf = async (h: ProvisionerHarness, id: string) => (await h.call('GET', `/api/provisioning/tenants/${id}/status`)).body;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(path.join(tmpdir(), 'provisioner-backup-'));
  files = { whole: path.join(dir, 'provisioner.dump'), schema: path.join(dir, 'onboarding.dump'), migrations: path.join(dir, 'migrations.dump') };
  sim = await startErpnextSimulator({ port: 0 });
  const engine = { url: sim.url, apiKey: sim.apiKey, apiSecret: sim.apiSecret };
  // a Company insert may stay parked while the backup is taken: give it time
  const config = { engineBudgets: { readMs: 2_000, writeMs: 2_000, companyInsertMs: 60_000 } };
  original = await startProvisionerHarness({ engine, config });

  const done = [
    (await original.createTenant({ name: 'Backup Shop One', country_code: 'KE', provisioning: { include_demo_data: true } })).tenant.id,
    (await original.createTenant({ name: 'Backup Shop Two', country_code: 'UG' })).tenant.id,
  ];
  for (const id of done) assert.equal((await original.waitForStatus(id, ['COMPLETED', 'PARTIAL', 'FAILED'])).status, 'COMPLETED');
  const waiting = (await original.createTenant({ name: 'Backup Shop Later', country_code: 'TZ', provisioning: { auto_start: false } })).tenant.id;

  // the backup is taken while this tenant's Company insert is in the engine, unanswered
  sim.sim.holdCompanyInserts();
  midRun = (await original.createTenant({ name: 'Backup Shop Midrun', country_code: 'RW' })).tenant.id;
  await sim.sim.companyInsertsParked(1);
  // the step's engine calls before the insert are written in one batch a moment later (journal.ts):
  // the three dumps must see the same rows, so the backup starts once that batch is in
  for (let polls = 0; ; polls++) {
    const { rows } = await original.provisioner.db.pool.query(`select count(*)::int as n from onboarding.provisioning_events where tenant_id = $1 and type = 'engine_call' and step_id = 'step_2_company'`, [midRun]);
    if (rows[0].n > 0) break;
    assert.ok(polls < 600, 'the engine calls before the parked Company insert were written');
    await new Promise((r) => setTimeout(r, 50));
  }
  settled = {};
  for (const id of [...done, waiting]) settled[id] = await statusOf(original, id);
  await dump(original.provisioner.db.url, files.whole);
  await dump(original.provisioner.db.url, files.schema, '--schema=onboarding');
  await dump(original.provisioner.db.url, files.migrations, '--table=public.provisioner_migrations');

  // after the backup the original finishes the run: the engine has what the copy does not know
  sim.sim.releaseCompanyInserts();
  assert.equal((await original.waitForStatus(midRun, ['COMPLETED', 'PARTIAL', 'FAILED'])).status, 'COMPLETED');
  census = countAll();
  assert.deepEqual(sim.sim.duplicates(), []);
  lastOriginalEventId = (await original.provisioner.db.pool.query('select max(id)::int as id from onboarding.provisioning_events')).rows[0].id;
  await original.close();

  const copy = await createScratchDatabase();
  await restore(copy.url, files.whole);
  const client = new pg.Client({ connectionString: copy.url });
  await client.connect();
  try {
    const runs = await client.query(`select status from onboarding.provisioning_runs where tenant_id = $1`, [midRun]);
    const steps = await client.query(`select step_id, status from onboarding.provisioning_steps where tenant_id = $1`, [midRun]);
    const events = await client.query('select max(id)::int as id from onboarding.provisioning_events');
    inFlight = { run: runs.rows.map((r) => r.status).join(','), steps: Object.fromEntries(steps.rows.map((r) => [r.step_id, r.status])), lastEventId: events.rows[0].id };
    await client.query(ADVANCE_EVENT_IDS);
  } finally {
    await client.end();
  }
  restored = await startProvisionerHarness({ engine, config, database: copy });
});

after(async () => {
  await restored?.close();
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a dump of the database holds the onboarding schema and public.provisioner_migrations, nothing else', { skip }, async () => {
  const { stdout } = await run('pg_restore', ['--list', files.whole]);
  const tables = stdout.split('\n').filter((l) => / TABLE (?!DATA)/.test(l)).map((l) => l.split(' ').slice(4, 6).join('.')).sort();
  assert.deepEqual(tables, ['onboarding.audit_log', 'onboarding.engine_limits', 'onboarding.engines', 'onboarding.login_failures', 'onboarding.provisioning_events', 'onboarding.provisioning_runs', 'onboarding.provisioning_steps', 'onboarding.run_outcome_counts', 'onboarding.tenant_drift', 'onboarding.tenants', 'onboarding.users', 'onboarding.webhook_deliveries', 'onboarding.webhooks', 'public.provisioner_migrations']);
});

test('restored into an empty database, every settled tenant\'s status document is the same as at the backup', { skip }, async () => {
  for (const [id, before] of Object.entries(settled)) assert.deepEqual(await statusOf(restored, id), before);
  const list = (await restored.call('GET', '/api/tenants')).body;
  assert.equal((Array.isArray(list) ? list : list.tenants).length, 4);
});

test('a run in flight at the backup resumes on the restored copy once its lease expires, and adopts what the engine already has', { skip }, async () => {
  // the backup holds the run as it was: claimed, at the Company step
  assert.equal(inFlight.run, 'running');
  assert.equal(inFlight.steps.step_1_platform_setup, 'completed');
  assert.equal(inFlight.steps.step_2_company, 'running');
  const status = await restored.waitForStatus(midRun, ['COMPLETED', 'PARTIAL', 'FAILED'], 30_000);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  const logs = (await restored.call('GET', `/api/provisioning/tenants/${midRun}/logs?limit=500`)).body.logs;
  assert.ok(logs.some((l: any) => /^Resuming start run/.test(l.message)), 'the same run was resumed, not a new one started');
  assert.deepEqual(countAll(), census, 'no engine record was made twice');
  assert.deepEqual(sim.sim.duplicates(), []);
  // with the event id sequence advanced, no id the original handed out after the backup comes again
  const { rows } = await restored.provisioner.db.pool.query('select min(id)::int as id from onboarding.provisioning_events where id > $1', [inFlight.lastEventId]);
  assert.ok(rows[0].id > lastOriginalEventId, `the copy's first new event id ${rows[0].id} is past the original's last, ${lastOriginalEventId}`);
});

test('a retry of every tenant on the restored copy creates no engine record', { skip }, async () => {
  for (const id of [...Object.keys(settled).filter((id) => settled[id].status === 'COMPLETED'), midRun]) {
    const retry = await restored.call('POST', `/api/provisioning/tenants/${id}/retry`);
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal((await restored.waitForStatus(id, ['COMPLETED', 'PARTIAL', 'FAILED'])).status, 'COMPLETED');
  }
  assert.deepEqual(countAll(), census);
  assert.deepEqual(sim.sim.duplicates(), []);
});

test('in a shared database: --schema=onboarding and --table=public.provisioner_migrations, dumped apart, restore the same rows', { skip }, async () => {
  const copy = await createScratchDatabase();
  try {
    await restore(copy.url, files.schema);
    await restore(copy.url, files.migrations);
    const whole = await createScratchDatabase();
    try {
      await restore(whole.url, files.whole);
      const counts = async (url: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const tables = ['onboarding.tenants', 'onboarding.provisioning_runs', 'onboarding.provisioning_steps', 'onboarding.provisioning_events', 'onboarding.users', 'onboarding.engines', 'public.provisioner_migrations'];
          return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, (await client.query(`select count(*)::int as n from ${t}`)).rows[0].n])));
        } finally {
          await client.end();
        }
      };
      assert.deepEqual(await counts(copy.url), await counts(whole.url));
    } finally {
      await whole.drop();
    }
  } finally {
    await copy.drop();
  }
});
