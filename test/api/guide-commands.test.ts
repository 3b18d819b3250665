import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startHarness, type Harness } from '../support/harness.ts';

/**
 * The curl commands of provisioning-resolution-guide.md, as written, run through bash. Only
 * the base URL is replaced by the test server's (the tests cannot own port 4000).
 */
const hasJq = spawnSync('jq', ['--version']).status === 0;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** Async on purpose: the server under test runs in this process and must keep answering. */
async function bash(script: string, env: Record<string, string> = {}): Promise<string> {
  const local = script.replaceAll('http://localhost:4000', h.api);
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', local], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return stdout;
}

const LOGIN = `TOKEN=$(curl -s -X POST "http://localhost:4000/api/auth/login" \\
  -H "Content-Type: application/json" \\
  -d '{"email":"admin@moran.com","password":"admin123"}' | jq -r '.access_token')`;

test('the guide\'s login piped to jq gives a token the other commands accept', { skip: !hasJq && 'jq is not installed' }, async () => {
  const token = await bash(`${LOGIN}\necho -n "$TOKEN"`);
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
});

test('the guide\'s status, logs, start, continue and retry commands work as written', { skip: !hasJq && 'jq is not installed' }, async () => {
  const { tenant } = await h.createTenant({ name: 'Guide Shop', country_code: 'KE', provisioning: { auto_start: false } });
  const env = { TENANT: tenant.id };
  const withToken = (cmd: string) => bash(`${LOGIN}\n${cmd.replaceAll('<tenant_id>', '$TENANT').replaceAll('<token>', '$TOKEN')}`, env);

  const start = JSON.parse(
    await withToken(`curl -s -X POST "http://localhost:4000/api/provisioning/tenants/<tenant_id>/start" \\
  -H "Authorization: Bearer <token>" \\
  -H "Content-Type: application/json" \\
  -d '{
    "include_demo_data": false,
    "pos_store_enabled": true,
    "country_template": null
  }'`),
  );
  assert.equal(start.run.kind, 'start');
  await h.waitForStatus(tenant.id, ['COMPLETED']);

  const status = JSON.parse(await withToken(`curl -s -X GET "http://localhost:4000/api/provisioning/tenants/<tenant_id>/status" \\
  -H "Authorization: Bearer <token>"`));
  assert.equal(status.status, 'COMPLETED');
  for (const field of ['status', 'progress', 'steps_completed', 'total_steps', 'current_step', 'errors']) assert.ok(field in status, field);

  const logs = JSON.parse(await withToken(`curl -s -X GET "http://localhost:4000/api/provisioning/tenants/<tenant_id>/logs" \\
  -H "Authorization: Bearer <token>" | jq .`));
  assert.ok(logs.logs.length > 10);
  for (const field of ['step', 'status', 'message']) assert.ok(field in logs.logs[0], field);

  const retry = JSON.parse(await withToken(`curl -s -X POST "http://localhost:4000/api/provisioning/tenants/<tenant_id>/retry" \\
  -H "Authorization: Bearer <token>" \\
  -H "Content-Type: application/json"`));
  assert.equal(retry.run.kind, 'retry');
  await h.waitForStatus(tenant.id, ['COMPLETED']);

  // continue on a COMPLETED tenant is refused with a reason; after a failure it resumes
  const refused = JSON.parse(await withToken(`curl -s -X POST "http://localhost:4000/api/provisioning/tenants/<tenant_id>/continue" \\
  -H "Authorization: Bearer $TOKEN"`));
  assert.equal(refused.code, 'INVALID_TRANSITION');
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'GET', status: 500, count: 100 });
  await withToken(`curl -s -X POST "http://localhost:4000/api/provisioning/tenants/<tenant_id>/retry" -H "Authorization: Bearer <token>" -H "Content-Type: application/json"`);
  assert.equal((await h.waitForStatus(tenant.id, ['FAILED', 'PARTIAL', 'COMPLETED'])).status, 'FAILED');
  h.simulator.sim.clearFaults();
  const resumed = JSON.parse(await withToken(`curl -s -X POST "http://localhost:4000/api/provisioning/tenants/<tenant_id>/continue" \\
  -H "Authorization: Bearer $TOKEN"`));
  assert.equal(resumed.run.kind, 'continue');
  assert.equal((await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
});
