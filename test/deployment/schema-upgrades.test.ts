/**
 * Upgrades and rollbacks of the database schema (docs/operations.md, "Upgrades"): migrations run
 * at every start under an advisory lock, forward only, and an older version refuses a database
 * that a newer one migrated, unless the operator says otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openDatabase } from '../../src/provisioner.ts';
import { knownMigrations, SchemaNewerThanCodeError } from '../../src/adapters/postgres/migrate.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createScratchDatabase } from '../support/database.ts';
import { cli } from '../cli/support.ts';

const silent = createLogger({ level: 'silent' });
const settings = (url: string, allowNewerSchema = false) => ({ databaseUrl: url, dataDir: '.data/test', embeddedPgPort: 0, databasePoolMax: 5, allowNewerSchema });

async function applied(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ name: string }>('select name from public.provisioner_migrations order by name')).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** A database migrated by this version, then by a "newer" one that added a migration this code does not ship. */
async function databaseFromTheFuture() {
  const db = await createScratchDatabase();
  const opened = await openDatabase(settings(db.url), silent);
  await opened.pool.query(`insert into public.provisioner_migrations (name) values ('999_future_change.sql')`);
  await opened.close();
  return db;
}

test('processes starting at once apply each migration exactly once, and a restart applies nothing', async () => {
  const db = await createScratchDatabase();
  try {
    const opened = await Promise.all([1, 2, 3].map(() => openDatabase(settings(db.url), silent)));
    await Promise.all(opened.map((o) => o.close()));
    assert.deepEqual(await applied(db.url), knownMigrations());
    const again = await openDatabase(settings(db.url), silent);
    await again.close();
    assert.deepEqual(await applied(db.url), knownMigrations());
  } finally {
    await db.drop();
  }
});

test('an older version refuses a database that has migrations it does not know, naming them (SCHEMA_NEWER_THAN_CODE)', async () => {
  const db = await databaseFromTheFuture();
  try {
    await assert.rejects(openDatabase(settings(db.url), silent), (e: unknown) => {
      assert.ok(e instanceof SchemaNewerThanCodeError);
      assert.equal(e.code, 'SCHEMA_NEWER_THAN_CODE');
      assert.match(e.message, /999_future_change\.sql/);
      assert.match(e.hint, /PROVISIONER_ALLOW_NEWER_SCHEMA=true/);
      assert.match(e.hint, /restore the backup/);
      return true;
    });
    // the refusal changed nothing
    assert.deepEqual(await applied(db.url), [...knownMigrations(), '999_future_change.sql']);
  } finally {
    await db.drop();
  }
});

test('the CLI stops with the error and its hint; PROVISIONER_ALLOW_NEWER_SCHEMA=true starts with a warning naming the migrations', async () => {
  const db = await databaseFromTheFuture();
  const env = { DATABASE_URL: db.url, LOG_PRETTY: 'false' };
  try {
    const refused = await cli(['migrate'], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^error \[SCHEMA_NEWER_THAN_CODE\]: .*999_future_change\.sql/m);
    assert.match(refused.stderr, /^hint: .*PROVISIONER_ALLOW_NEWER_SCHEMA=true/m);

    const allowed = await cli(['migrate'], { ...env, PROVISIONER_ALLOW_NEWER_SCHEMA: 'true' });
    assert.equal(allowed.code, 0, allowed.stderr);
    const warning = allowed.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.unknown_migrations);
    assert.ok(warning, allowed.stdout);
    assert.equal(warning.level, 40);
    assert.deepEqual(warning.unknown_migrations, ['999_future_change.sql']);
  } finally {
    await db.drop();
  }
});
