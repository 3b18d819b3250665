import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { ProvisionerError } from '../../domain/errors.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Serialises concurrent start-ups (several API and worker processes) on one database. */
export const MIGRATION_LOCK = 7_402_113;
/** How often a process waiting for another's migrations tries the lock again. */
const LOCK_RETRY_MS = 100;
/**
 * First line of a migration that must run outside a transaction, one statement at a time
 * (CREATE INDEX CONCURRENTLY cannot run inside one). Its statements end with ";" at the end of a
 * line; each must be safe to run again, since a process may die between two of them (e.g. drop
 * the index concurrently if it exists, then create it: an interrupted build leaves an invalid one).
 */
export const NO_TRANSACTION = '-- provisioner:no-transaction';

/**
 * The database has migrations this code does not know: an older version started after a newer
 * one migrated it (a code-only rollback, a stale worker). Its queries may no longer fit.
 */
export class SchemaNewerThanCodeError extends ProvisionerError {
  constructor(readonly unknown: string[]) {
    super(
      'SCHEMA_NEWER_THAN_CODE',
      `The database has migrations this version of Provisioner does not know: ${unknown.join(', ')}`,
      'Deploy the version that applied them (or a later one). To run this older version anyway, only when the newer migrations were additive (docs/operations.md, "Rolling back"), set PROVISIONER_ALLOW_NEWER_SCHEMA=true; otherwise restore the backup taken before the upgrade.',
      { httpStatus: 500 },
    );
  }
}

export interface MigrationResult {
  /** Files applied now. */
  applied: string[];
  /** Migrations the database has that this code does not (only when allowed; else an error). */
  unknown: string[];
}

/** The migration files this code ships, in order. */
export function knownMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
}

/**
 * Applies the numbered SQL files of migrations/ that the database has not seen, each in its
 * own transaction (or statement by statement, see NO_TRANSACTION), under an advisory lock. Forward only: there are no down migrations. A
 * database that has migrations this code does not know is refused (SchemaNewerThanCodeError)
 * unless `allowNewerSchema`, before anything is applied.
 */
export async function migrate(pool: pg.Pool, opts: { allowNewerSchema?: boolean; before?: string } = {}): Promise<MigrationResult> {
  // `before`: only the files that sort before it (a benchmark loads data, then times the later ones)
  const files = knownMigrations().filter((f) => opts.before === undefined || f < opts.before);
  const client = await pool.connect();
  const applied: string[] = [];
  let unknown: string[] = [];
  try {
    // an operator's statement_timeout or lock_timeout (role, URL) is for the app's queries: waiting
    // for another process's migrations, or a long migration, must not fail the start
    await client.query(`set statement_timeout = 0; set lock_timeout = 0`);
    // tried, not waited for inside pg_advisory_lock: a session waiting in a statement holds a
    // snapshot, which CREATE INDEX CONCURRENTLY of the process migrating waits for (a deadlock)
    while (!(await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [MIGRATION_LOCK])).rows[0]!.ok) await sleep(LOCK_RETRY_MS);
    await client.query('create table if not exists public.provisioner_migrations (name text primary key, applied_at timestamptz not null default now())');
    const done = new Set((await client.query<{ name: string }>('select name from public.provisioner_migrations')).rows.map((r) => r.name));
    unknown = [...done].filter((name) => !files.includes(name)).sort();
    if (unknown.length > 0 && !opts.allowNewerSchema) throw new SchemaNewerThanCodeError(unknown);
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8');
      if (sql.startsWith(NO_TRANSACTION)) {
        for (const statement of statementsOf(sql)) await client.query(statement);
        await client.query('insert into public.provisioner_migrations (name) values ($1)', [file]);
        applied.push(file);
        continue;
      }
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query('insert into public.provisioner_migrations (name) values ($1)', [file]);
        await client.query('commit');
        applied.push(file);
      } catch (e) {
        await client.query('rollback');
        throw e;
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    // back to the session's own settings: the connection returns to the pool
    await client.query('reset statement_timeout; reset lock_timeout').catch(() => {});
    client.release();
  }
  return { applied, unknown };
}

/** The statements of a NO_TRANSACTION migration: split at ";" ending a line, comments-only pieces dropped. */
export function statementsOf(sql: string): string[] {
  return sql
    .split(/;[ \t]*$/m)
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}
