import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resource } from '../support/engine-proxy.ts';
import { cli, startCli, useCliServer } from './support.ts';

const server = useCliServer();

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

async function createTenant(name: string, extra: string[] = []): Promise<string> {
  const r = await cli(['tenants', 'create', '--name', name, '--country', 'KE', '--json', ...extra], server.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).tenant.id;
}

/** A tenant FAILED at step_8 (every POS Profile insert refused), the refusal gone since. */
async function failedTenant(name: string): Promise<string> {
  server.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 100 });
  try {
    const id = await createTenant(name);
    await server.h.waitForStatus(id, ['FAILED']);
    return id;
  } finally {
    server.h.simulator.sim.clearFaults();
  }
}

test('tenants create, list and show print tables, and --json is exactly the API\'s JSON', async () => {
  const created = await cli(['tenants', 'create', '--name', 'Listed Shop', '--country', 'ke', '--no-auto-start'], server.env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created tenant Listed Shop .* \(KE, KES\); status NOT_STARTED/);
  const id = created.stdout.match(UUID)![0];

  const list = await cli(['tenants', 'list'], server.env);
  assert.match(list.stdout, new RegExp(`${id}\\s+Listed Shop\\s+NOT_STARTED`));
  const json = JSON.parse((await cli(['tenants', 'list', '--json', '--status', 'NOT_STARTED'], server.env)).stdout);
  assert.deepEqual(json, (await server.h.call('GET', '/api/tenants?status=NOT_STARTED')).body);

  const show = await cli(['tenants', 'show', id], server.env);
  assert.equal(show.code, 0);
  assert.match(show.stdout, /Status:\s+NOT_STARTED/);
  assert.deepEqual(JSON.parse((await cli(['tenants', 'show', id, '--json'], server.env)).stdout), (await server.h.call('GET', `/api/tenants/${id}`)).body);
});

test('status exits 13 for NOT_STARTED with the guide\'s start command, 10 while running, 0 once COMPLETED', async () => {
  const id = await createTenant('Status Shop', ['--no-auto-start']);
  const before = await cli(['status', id], server.env);
  assert.equal(before.code, 13);
  assert.match(before.stdout, /Status:\s+NOT_STARTED/);
  assert.match(before.stdout, new RegExp(`curl -X POST "${server.h.api}/api/provisioning/tenants/${id}/start"`));
  assert.match(before.stdout, /"include_demo_data": false,/);
  assert.match(before.stdout, new RegExp(`npx provisioner start ${id}`));

  const companyInsert = server.h.proxy!.hold(resource('POST', 'Company')); // the run stays at step_2 until released
  try {
    const started = await cli(['start', id], server.env);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /Provisioning start queued: run/);
    await companyInsert.arrived;
    const running = await cli(['status', id], server.env);
    assert.equal(running.code, 10, running.stdout);
    assert.match(running.stdout, /Status:\s+IN_PROGRESS/);
    assert.match(running.stdout, /Current step:\s+step_2_company/);
  } finally {
    companyInsert.release();
  }
  await server.h.waitForStatus(id, ['COMPLETED']);
  const done = await cli(['status', id], server.env);
  assert.equal(done.code, 0);
  assert.match(done.stdout, /Status:\s+COMPLETED/);
  assert.match(done.stdout, /Progress:\s+\[.+\] 100%\s+10\/11 steps completed/);
  assert.match(done.stdout, /step_2_company\s+completed\s+1 attempt/);
  assert.match(done.stdout, /step_6_items\s+skipped \(config\)/);
  assert.ok(!done.stdout.includes('\x1b['), 'no color codes off a terminal');
  assert.deepEqual(JSON.parse((await cli(['status', id, '--json'], server.env)).stdout).steps, (await server.h.call('GET', `/api/provisioning/tenants/${id}/status`)).body.steps);
});

test('a FAILED tenant: status exits 12 with the error code, hint and the continue and retry commands; continue resolves it', async () => {
  const id = await failedTenant('Broken Shop');
  const r = await cli(['status', id], server.env);
  assert.equal(r.code, 12);
  assert.match(r.stdout, /Current step:\s+step_8_pos_profile/);
  assert.match(r.stdout, /error \[ENGINE_ERROR\] step_8_pos_profile: /);
  assert.match(r.stdout, /hint: .*Continue/);
  assert.match(r.stdout, new RegExp(`curl -X POST "${server.h.api}/api/provisioning/tenants/${id}/continue"`));
  assert.match(r.stdout, new RegExp(`curl -X POST "${server.h.api}/api/provisioning/tenants/${id}/retry"`));

  const all = await cli(['status'], server.env);
  assert.equal(all.code, 12, 'without ids: the worst status of every tenant not COMPLETED');
  assert.match(all.stdout, /Broken Shop/);

  const resumed = await cli(['continue', id, '--wait'], server.env);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, /Broken Shop .*: COMPLETED/);
});

test('continue on a COMPLETED tenant exits 7 with error [INVALID_TRANSITION] and its hint; an unknown tenant exits 6', async () => {
  const id = await createTenant('Done Shop');
  await server.h.waitForStatus(id, ['COMPLETED']);
  const r = await cli(['continue', id], server.env);
  assert.equal(r.code, 7);
  assert.match(r.stderr, /^error \[INVALID_TRANSITION\]: Cannot continue a tenant whose status is COMPLETED\nhint: continue is allowed when the status is PARTIAL or FAILED/m);
  const missing = await cli(['status', '00000000-0000-4000-8000-000000000000'], server.env);
  assert.equal(missing.code, 6);
  assert.match(missing.stderr, /error \[TENANT_NOT_FOUND\]/);
});

test('a PARTIAL tenant exits 11; skip-step of the failed optional step makes it COMPLETED', async () => {
  server.h.simulator.sim.injectFault({ doctype: 'POS Opening Entry', method: 'POST', status: 417, count: 100 });
  let id: string;
  try {
    id = await createTenant('Partial Shop');
    await server.h.waitForStatus(id, ['PARTIAL', 'FAILED']);
  } finally {
    server.h.simulator.sim.clearFaults();
  }
  const r = await cli(['status', id], server.env);
  assert.equal(r.code, 11, r.stdout);
  assert.match(r.stdout, new RegExp(`provisioner skip-step ${id} step_9_pos_session`));
  const skipped = await cli(['skip-step', id, 'step_9_pos_session'], server.env);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stdout, /Skipped step_9_pos_session/);
  assert.equal((await cli(['status', id], server.env)).code, 0);
});

test('logs filter by step and level; --json is the API\'s answer; --follow --until-done ends with the run', async () => {
  const id = await createTenant('Logged Shop');
  await server.h.waitForStatus(id, ['COMPLETED']);
  const step = await cli(['logs', id, '--step', 'step_2_company'], server.env);
  assert.equal(step.code, 0, step.stderr);
  const lines = step.stdout.trim().split('\n');
  assert.ok(lines.length >= 2 && lines.every((l) => l.includes('step_2_company')), step.stdout);
  const json = JSON.parse((await cli(['logs', id, '--json', '--limit', '5'], server.env)).stdout);
  assert.deepEqual(json, (await server.h.call('GET', `/api/provisioning/tenants/${id}/logs?limit=5`)).body);
  const warn = await cli(['logs', id, '--level', 'warn'], server.env);
  assert.match(warn.stdout, /No log entries match/);

  server.h.simulator.sim.injectLatency(40);
  try {
    assert.equal((await cli(['retry', id], server.env)).code, 0);
    const followed = await cli(['logs', id, '--follow', '--until-done'], server.env, { timeoutMs: 60_000 });
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /run_finished\s+Provisioning completed/);
    assert.match(followed.stdout, /Provisioning COMPLETED \(100%\)/);
  } finally {
    server.h.simulator.sim.clearFaults();
  }
});

test('logs --wait-next on a FAILED tenant waits for the continue pressed later, prints its run and exits with its status', async () => {
  const id = await failedTenant('Waiting Logs Shop');
  const logs = startCli(['logs', id, '--wait-next'], server.env);
  await logs.printed(new RegExp(`FAILED, no active run: waiting for the next one, e.g. npx provisioner continue ${id}`));
  assert.equal((await server.h.call('POST', `/api/provisioning/tenants/${id}/continue`)).status, 202);
  const r = await logs.done;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /run_started/);
  assert.match(r.stdout, /step_8_pos_profile\s+.*completed/);
  assert.match(r.stdout, /Provisioning COMPLETED \(100%\)/);
});

test('retry --step re-runs from that step and --wait exits with the final status', async () => {
  const id = await createTenant('Retried Shop');
  await server.h.waitForStatus(id, ['COMPLETED']);
  const r = await cli(['retry', id, '--step', 'step_8_pos_profile', '--wait'], server.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /steps step_8_pos_profile, step_9_pos_session, step_10_post_sale_updates/);
  assert.match(r.stdout, /COMPLETED/);
  const json = JSON.parse((await cli(['retry', id, '--json', '--idempotency-key', 'k-1'], server.env)).stdout);
  assert.equal(json.run.kind, 'retry');
  const again = JSON.parse((await cli(['retry', id, '--json', '--idempotency-key', 'k-1'], server.env)).stdout);
  assert.equal(again.run.id, json.run.id, 'the same Idempotency-Key answers the same run');
});

test('bad arguments exit 2 with a usage message, before any request', async () => {
  const id = '00000000-0000-4000-8000-000000000000';
  const cases: string[][] = [
    ['status', 'not-a-uuid'],
    ['status', '--bogus'],
    ['logs', id, '--level', 'loud'],
    ['logs', id, '--limit', '0'],
    ['logs', id, '--since', 'yesterday'],
    ['logs'],
    ['skip-step', id, 'step_2_company'],
    ['tenants', 'create', '--name', 'No Country'],
    ['tenants', 'create', '--name', 'Bad Country', '--country', 'KEN'],
    ['tenants', 'list', '--status', 'DONE'],
    ['retry', id, '--step', 'step_99'],
    ['monitor', '--timeout', 'soon'],
    ['diagnose', 'x'],
    ['webhooks', 'deliveries', id, '--limit', '0'],
    ['webhooks', 'update', id, '--enable', '--disable'],
    ['webhooks', 'update', id, '--rotate-secret', '--secret-file', '/dev/null'],
  ];
  for (const args of cases) {
    const r = await cli(args, { ...server.env, API_URL: 'http://127.0.0.1:9/api' });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /error/, args.join(' '));
    assert.match(r.stderr, /Usage: provisioner /, args.join(' '));
  }
  // input the API refuses (400) is a usage error too
  const refused = await cli(['tenants', 'create', '--name', '!', '--country', 'KE'], server.env);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /error \[VALIDATION_FAILED\]: body\.name/);
});

test('every client command has --help with examples and the exit codes', async () => {
  const commands = [['login'], ['logout'], ['whoami'], ['tenants', 'list'], ['tenants', 'create'], ['tenants', 'show'], ['status'], ['logs'], ['start'], ['continue'], ['retry'], ['skip-step'], ['verify'], ['heal'], ['plan'], ['monitor'], ['diagnose'], ['users', 'list'], ['users', 'add'], ['engines', 'list'], ['engines', 'health'], ['engines', 'delete'], ['webhooks', 'list'], ['webhooks', 'update'], ['webhooks', 'deliveries']];
  await Promise.all(
    commands.map(async (c) => {
      const r = await cli([...c, '--help'], server.env);
      assert.equal(r.code, 0, c.join(' '));
      assert.match(r.stdout, /Examples:\n {2}\$ .*provisioner /, c.join(' '));
      assert.match(r.stdout, /Exit codes:/, c.join(' '));
      assert.match(r.stdout, /--json/, c.join(' '));
    }),
  );
});

test('users list and add, engines list and health go through the API', async () => {
  const add = await cli(['users', 'add', '--email', 'ops@example.com', '--role', 'platform_admin'], { ...server.env, PROVISIONER_NEW_PASSWORD: 'a-Long-and-strong-pass-42' });
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /Created platform_admin ops@example\.com/);
  const dup = await cli(['users', 'add', '--email', 'ops@example.com'], { ...server.env, PROVISIONER_NEW_PASSWORD: 'a-Long-and-strong-pass-42' });
  assert.equal(dup.code, 7);
  assert.match(dup.stderr, /error \[USER_EXISTS\]/);
  const users = await cli(['users', 'list'], server.env);
  assert.match(users.stdout, /ops@example\.com\s+platform_admin/);
  assert.ok(!users.stdout.includes('a-Long-and-strong-pass-42'));

  const engines = await cli(['engines', 'list'], server.env);
  assert.match(engines.stdout, new RegExp(`default\\s+erpnext\\s+${server.h.proxy!.url}`), 'the address Provisioner reaches the engine at');
  const health = await cli(['engines', 'health', 'default'], server.env);
  assert.equal(health.code, 0, health.stderr);
  assert.match(health.stdout, /authenticated: yes/);
  assert.ok(!health.stdout.includes(server.h.simulator.apiSecret), 'engine secrets never reach the output');
  const unknown = await cli(['engines', 'health', 'nope'], server.env);
  assert.equal(unknown.code, 6, 'the API answers 404 for an engine id it does not know (exit 6, not found)');
  assert.match(unknown.stderr, /error \[ENGINE_NOT_REGISTERED\]/);
});
