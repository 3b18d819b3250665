import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cli, useCliServer } from './support.ts';

const server = useCliServer();

test('diagnose bundles the status and logs of every tenant not COMPLETED, readiness, engine health and server log lines, secrets redacted', async () => {
  server.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 100 });
  let failed: string;
  try {
    failed = (await server.h.createTenant({ name: 'Diagnosed Shop', country_code: 'KE' })).tenant.id;
    await server.h.waitForStatus(failed, ['FAILED']);
  } finally {
    server.h.simulator.sim.clearFaults();
  }
  const fine = (await server.h.createTenant({ name: 'Healthy Shop', country_code: 'KE' })).tenant.id;
  await server.h.waitForStatus(fine, ['COMPLETED']);

  const serverLog = path.join(server.dir, 'api.log');
  await writeFile(serverLog, [
    '{"level":30,"msg":"provisioning: step_8_pos_profile failed","tenant_id":"x"}',
    '{"level":30,"msg":"incoming request","req":{"headers":{"authorization":"Bearer eyJabc.def.ghi"}}}',
    '{"level":30,"msg":"user created","password":"hunter2-secret"}',
    `{"level":30,"msg":"incoming request","req":{"url":"/api/provisioning/events?access%5Ftoken=${server.h.token}"}}`,
    `{"level":30,"msg":"incoming request","req":{"url":"/api/provisioning/events?since_id=0&%61ccess_token=${server.h.token}&x=1"}}`,
    `curl -H "Authorization: Bearer ${server.h.token}" http://localhost:4000/api/tenants`,
    `a token on its own: ${server.h.token}`,
  ].join('\n') + '\n');

  const output = path.join(server.dir, 'provisioning_diagnostic.txt');
  const r = await cli(['diagnose', '--output', output], { ...server.env, PROVISIONER_LOG_FILE: serverLog });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Diagnostic bundle written to .*provisioning_diagnostic\.txt: 1 tenant\(s\)/);
  assert.equal((await stat(output)).mode & 0o777, 0o600);
  const text = await readFile(output, 'utf8');
  assert.match(text, /=== Readiness \(GET \/api\/ready\) ===\n\{\n {2}"http_status": 200/);
  assert.match(text, /=== Engine health/);
  assert.match(text, /"authenticated": true/);
  assert.match(text, /Diagnosed Shop \(/);
  assert.ok(!text.includes('Healthy Shop ('), 'COMPLETED tenants are left out');
  assert.match(text, /error \[ENGINE_ERROR\] step_8_pos_profile/);
  assert.match(text, /Last \d+ log entries:/);
  assert.match(text, /step_failed\s+\[ENGINE_ERROR\]/);
  assert.match(text, /provisioning: step_8_pos_profile failed/);
  assert.ok(!text.includes('eyJabc.def.ghi') && !text.includes('hunter2-secret'), 'secrets in server log lines are redacted');
  assert.ok(!text.includes(server.h.token), 'the caller\'s token is not in the bundle, whatever the server log line carried it in');
  assert.ok(!text.includes(server.h.token.split('.')[2]!), 'not even its signature');
  assert.match(text, /access%5Ftoken=\[redacted\]/);
  assert.ok(!text.includes(server.h.simulator.apiSecret), 'engine secrets are not in the bundle');

  const json = JSON.parse((await cli(['diagnose', fine, '--json'], server.env)).stdout);
  assert.equal(json.tenants.length, 1, 'one tenant when an id is given, even COMPLETED');
  assert.equal(json.tenants[0].status.status, 'COMPLETED');
  assert.equal(json.readiness.http_status, 200);
  assert.equal(json.engines[0].health.health.authenticated, true);
  assert.deepEqual(json.consistency, { ok: true, problems: [] });
  assert.equal(json.server_log, null);
});

test('diagnose flags stored state that contradicts the derived status: a step running with no active run', async () => {
  const id = (await server.h.createTenant({ name: 'Contradicted Shop', country_code: 'KE' })).tenant.id;
  await server.h.waitForStatus(id, ['COMPLETED']);
  await server.h.provisioner.db.store.pool.query(`update onboarding.provisioning_steps set status = 'running' where tenant_id = $1 and step_id = 'step_7_customer'`, [id]);

  const json = JSON.parse((await cli(['diagnose', id, '--json'], server.env)).stdout);
  const codes = json.consistency.problems.map((p: { code: string }) => p.code);
  assert.ok(codes.includes('STEP_RUNNING_WITHOUT_RUN'), JSON.stringify(json.consistency));
  assert.equal(json.consistency.ok, false);
  assert.equal(json.consistency.problems[0].tenant_id, id);

  const text = (await cli(['diagnose', id], server.env)).stdout;
  assert.match(text, /\[STEP_RUNNING_WITHOUT_RUN\] Contradicted Shop \(.*\): step_7_customer marked running but no run is active/);
});
