/**
 * What the benchmarks share: their section of docs/benchmarks.md, and a scratch database.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { canConnect, startEmbeddedPostgres } from '../src/adapters/postgres/embedded.ts';

export const root = path.resolve(import.meta.dirname, '..');
const DOC = path.join(root, 'docs/benchmarks.md');
const HEADER = '# Benchmarks\n\nWritten by the benchmarks themselves; the machine is shared and noisy: compare ratios, not absolute times.\n';

/**
 * Writes a benchmark's own section of docs/benchmarks.md, between its markers (`<!-- name:begin … -->`
 * and `<!-- name:end -->`), the rest of the file kept; a new section goes at the end.
 */
export function writeBenchmarkSection(name: string, lines: string[]): void {
  const begin = `<!-- ${name}:begin (written by npm run bench:${name}) -->`;
  const end = `<!-- ${name}:end -->`;
  const section = [begin, ...lines, end].join('\n');
  const before = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  const at = before.indexOf(begin);
  const stop = before.indexOf(end);
  writeFileSync(DOC, at >= 0 && stop > at ? before.slice(0, at) + section + before.slice(stop + end.length) : `${before.trimEnd()}\n\n${section}\n`);
  process.stdout.write(`written to ${path.relative(root, DOC)}\n`);
}

/**
 * A database of its own on the server at `CHAOS_ADMIN_DATABASE_URL` (default: the local one at
 * 127.0.0.1:5432), else on an embedded PostgreSQL in .data/<name>-pg; drop() removes it (and
 * stops the embedded server).
 */
export async function scratchDatabase(name: string, embeddedPort: number): Promise<{ url: string; drop(): Promise<void> }> {
  let adminUrl = process.env.CHAOS_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let stopEmbedded = async () => {};
  if (!(await canConnect(adminUrl))) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, `.data/${name}-pg`), port: embeddedPort, database: 'postgres' });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  const dbName = `provisioner_${name}_${Date.now().toString(36)}`;
  await admin(`create database ${dbName}`);
  return {
    url: Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString(),
    async drop() {
      await admin(`drop database if exists ${dbName} with (force)`);
      await stopEmbedded();
    },
  };
}

/**
 * CPU time (user + system, ms) of the PostgreSQL backends serving one database, summed over every
 * backend seen while sampling: call sample() often (a backend's time is lost once it exits
 * unseen). Reads /proc/<pid>/stat, so only for a server on this machine; null elsewhere.
 */
export function databaseCpu(pool: pg.Pool): { sample(): Promise<void>; totalMs(): number | null } {
  const ticksPerSecond = 100; // USER_HZ: 100 on Linux x86-64
  const lastByPid = new Map<number, number>();
  let readable = true;
  return {
    async sample() {
      if (!readable) return;
      const { rows } = await pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`);
      for (const { pid } of rows) {
        try {
          // fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          lastByPid.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond);
        } catch {
          if (!existsSync('/proc/self/stat')) readable = false;
        }
      }
    },
    totalMs: () => (readable ? [...lastByPid.values()].reduce((a, b) => a + b, 0) : null),
  };
}
