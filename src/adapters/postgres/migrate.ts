import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { ProvisionerError } from '../../domain/errors.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Serialises concurrent start-ups (several API and worker processes) on one database. */
export const MIGRATION_LOCK = 7_402_113;

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
 * own transaction, under an advisory lock. Forward only: there are no down migrations. A
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
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('create table if not exists public.provisioner_migrations (name text primary key, applied_at timestamptz not null default now())');
    const done = new Set((await client.query<{ name: string }>('select name from public.provisioner_migrations')).rows.map((r) => r.name));
    unknown = [...done].filter((name) => !files.includes(name)).sort();
    if (unknown.length > 0 && !opts.allowNewerSchema) throw new SchemaNewerThanCodeError(unknown);
    for (const file of files) {
      if (done.has(file)) continue;
      await client.query('begin');
      try {
        await client.query(readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'));
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
