/**
 * A database that refuses connections is a matter of waiting, never of the request: its errors
 * become DATABASE_UNAVAILABLE (transient: steps retry, auto-continue heals, the API answers 503),
 * not INTERNAL. Seen under load: "sorry, too many clients already" (53300) failed steps for good.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { toProvisionerError } from '../../src/domain/errors.ts';

const adminUrl = () => process.env.TEST_DATABASE_URL!;
const role = `provisioner_full_${randomBytes(3).toString('hex')}`;
const password = randomBytes(12).toString('hex');

before(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  // a role allowed no connection at all: PostgreSQL answers as it does when max_connections is reached
  await admin.query(`create role ${role} login password '${password}' connection limit 0`);
  await admin.end();
});
after(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`drop role if exists ${role}`);
  await admin.end();
});

test('PostgreSQL out of connections (SQLSTATE class 53) is DATABASE_UNAVAILABLE and transient, not INTERNAL', async () => {
  const url = new URL(adminUrl());
  url.username = role;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  const refused = await client.connect().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(refused, 'the connection was refused');
  assert.match(String((refused as { code?: string }).code), /^53/);
  const err = toProvisionerError(refused);
  assert.equal(err.code, 'DATABASE_UNAVAILABLE');
  assert.equal(err.transient, true);
  assert.equal(err.httpStatus, 503);
});

test('a connection refused at the socket is DATABASE_UNAVAILABLE too; a query error is not', async () => {
  const closed = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:9/none', connectionTimeoutMillis: 5_000 });
  const refused = await closed.connect().then(
    () => null,
    (e: unknown) => e,
  );
  assert.equal(toProvisionerError(refused).code, 'DATABASE_UNAVAILABLE');

  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  const syntax = await admin.query('selec 1').then(
    () => null,
    (e: unknown) => e,
  );
  await admin.end();
  assert.equal(toProvisionerError(syntax).code, 'INTERNAL');
});
