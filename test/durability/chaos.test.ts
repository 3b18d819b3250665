import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

// A small configuration of the chaos harness (bench/chaos.ts); `npm run chaos` runs the big one.
for (const engine of ['erpnext', 'odoo'] as const) {
  test(`chaos (${engine}): workers SIGKILLed at random under engine faults, every tenant COMPLETED with no duplicate and no lost step record`, async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const adminUrl = Object.assign(new URL(process.env.TEST_DATABASE_URL!), { pathname: '/postgres' }).toString();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/chaos.ts', '--tenants', '8', '--workers', '2', '--kill-every', '600-1500', '--lease-ms', '1500', '--error-rate', '0.05', '--lost-rate', '0.02', '--timeout-rate', '0.01', '--engine-timeout-ms', '800', '--seed', '7', '--max-minutes', '4', '--engine', engine],
      { cwd: root, env: { ...process.env, CHAOS_ADMIN_DATABASE_URL: adminUrl }, timeout: 300_000 },
    );
    assert.match(stdout, /tenants COMPLETED\s+8\/8/);
    assert.match(stdout, /duplicate documents\s+0/);
    assert.match(stdout, /lost step records\s+0/);
    assert.match(stdout, /workers SIGKILLed\s+[1-9]/);
    assert.match(stdout, /chaos: PASS/);
  });
}
