/**
 * API processes keep users' token states (src/adapters/postgres/token-state-cache.ts) only while
 * they hear of every change of a user: a token revoked through one process, or by plain SQL, is
 * refused by every other as soon as the notice arrives, and a process whose LISTEN connection is
 * lost keeps nothing it could have missed a change of.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startHarness, startProvisionerHarness, type Harness, type ProvisionerHarness } from '../support/harness.ts';
import { callAs, userWithToken } from '../support/accounts.ts';

let a: Harness;
let b: ProvisionerHarness;
let sql: pg.Pool;
before(async () => {
  a = await startHarness();
  // a second API process on the same database (its own cache and LISTEN connection)
  b = await startProvisionerHarness({ engine: { url: a.simulator.url, apiKey: a.simulator.apiKey, apiSecret: a.simulator.apiSecret }, database: { url: a.provisioner.db.url, drop: async () => {} } });
  sql = new pg.Pool({ connectionString: a.provisioner.db.url, max: 2 });
});
after(async () => {
  await sql.end();
  await b.close();
  await a.close();
});

/** Asks with the token until it is refused (each request is the wait); the answer, or the last one after `ms`. */
async function refusedBy(h: ProvisionerHarness, token: string, ms = 10_000): Promise<{ status: number; body: any }> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await callAs(h, token, 'GET', '/api/auth/me');
    if (r.status !== 200 || Date.now() > until) return r;
  }
}

test('a token revoked through one API process is refused by another that had checked it', async () => {
  const u = await userWithToken(a, { email: 'across@example.com', role: 'platform_viewer' });
  assert.equal((await callAs(b, u.token, 'GET', '/api/auth/me')).status, 200);
  assert.equal((await callAs(b, u.token, 'GET', '/api/auth/me')).status, 200, 'checked twice: kept by process b');
  assert.equal((await a.call('PATCH', `/api/users/${u.id}`, { disabled: true })).status, 200);
  const r = await refusedBy(b, u.token);
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'TOKEN_REVOKED');
  assert.equal((await callAs(a, u.token, 'GET', '/api/auth/me')).body.code, 'TOKEN_REVOKED', 'at once by the process that made the change');
});

test('a change made by plain SQL revokes the tokens in every process', async () => {
  const u = await userWithToken(a, { email: 'by-sql@example.com', role: 'platform_viewer' });
  for (const h of [a, b]) assert.equal((await callAs(h, u.token, 'GET', '/api/auth/me')).status, 200);
  await sql.query(`update onboarding.users set token_version = token_version + 1 where id = $1`, [u.id]);
  for (const h of [a, b]) assert.equal((await refusedBy(h, u.token)).body.code, 'TOKEN_REVOKED');
});

test('a process whose LISTEN connection is lost keeps no token state: a revocation it could not hear is refused', async () => {
  const u = await userWithToken(a, { email: 'unheard@example.com', role: 'platform_viewer' });
  for (const h of [a, b]) assert.equal((await callAs(h, u.token, 'GET', '/api/auth/me')).status, 200);
  // the LISTEN connections die (a network cut, a failover); the change is made while nobody listens
  const listeners = await sql.query(`select pid from pg_stat_activity where application_name = 'provisioner-token-states' and datname = current_database()`);
  assert.equal(listeners.rows.length, 2, 'one LISTEN connection per API process');
  await sql.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'provisioner-token-states' and datname = current_database()`);
  await sql.query(`update onboarding.users set disabled_at = now(), token_version = token_version + 1 where id = $1`, [u.id]);
  for (const h of [a, b]) assert.equal((await refusedBy(h, u.token)).body.code, 'TOKEN_REVOKED');
});
