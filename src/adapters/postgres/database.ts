import pg from 'pg';

/** Postgres numeric types arrive as strings by default; our counts fit in a JS number. */
pg.types.setTypeParser(20, (v) => Number(v));

export type Queryable = Pick<pg.Pool, 'query'>;

export function createPool(url: string, opts: { max?: number; applicationName?: string } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName ?? 'provisioner', connectionTimeoutMillis: 5_000 });
  // an idle client that loses its server (restart) must not crash the process; the pool replaces it
  pool.on('error', () => {});
  return pool;
}

/** Runs `fn` in a transaction on one client of the pool. (Default start: plain `begin`) */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'begin'): Promise<T> {
  const client = await pool.connect();
  // a connection lost between two statements surfaces through the next query; without a
  // listener the client's 'error' event would crash the process
  let lost: Error | undefined;
  const onError = (e: Error) => (lost = e);
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (e) {
    if (!lost) await client.query('rollback').catch(() => {});
    throw e;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}

export const isUniqueViolation = (e: unknown, constraint?: string) =>
  (e as { code?: string }).code === '23505' && (!constraint || (e as { constraint?: string }).constraint === constraint);
