import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { resource } from '../support/engine-proxy.ts';
import { CLI, ROOT, cli, run, startCli, useCliServer } from './support.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const server = useCliServer();

async function createTenants(names: string[]): Promise<string[]> {
  return Promise.all(names.map(async (name) => (await server.h.createTenant({ name, country_code: 'KE' })).tenant.id as string));
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

test('on a terminal, monitor redraws one progress bar per tenant with its current step, then exits 0 when all complete', { skip: !hasTmux && 'tmux is not installed' }, async () => {
  const socket = `provisioner-test-${process.pid}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
  const companyInserts = server.h.proxy!.hold(resource('POST', 'Company'), 2); // both runs wait at step_2 until the screen shows them
  try {
    await createTenants(['Monitor Alpha Shop', 'Monitor Beta Duka']);
    await companyInserts.arrived;
    const vars = Object.entries({ ...server.env, LANG: 'C.UTF-8', TERM: 'xterm-256color' }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
    const command = `cd ${quote(ROOT)} && env ${vars} ${quote(process.execPath)} ${quote(CLI)} monitor; echo MONITOR_EXIT=$?; sleep 120`;
    assert.equal((await tmux('new-session', '-d', '-s', 'monitor', '-x', '120', '-y', '40', command)).code, 0);

    const capture = async () => (await tmux('capture-pane', '-p', '-t', 'monitor')).stdout;
    let live = '';
    for (let i = 0; i < 200 && !/IN_PROGRESS\s+step_\d+/.test(live); i++) {
      await sleep(100);
      live = await capture();
    }
    assert.match(live, /Provisioner monitor\s+http:\/\/127\.0\.0\.1:\d+\/api/);
    assert.match(live, /Monitor Alpha Shop\s+\[[█░#-]+\]\s+\d+%\s+IN_PROGRESS\s+step_\d+_\w+ \(/, live);
    assert.match(live, /Monitor Beta Duka\s+\[[█░#-]+\]\s+\d+%/, live);
    assert.match(live, /2 tenant\(s\): /);

    companyInserts.release();
    let final = '';
    for (let i = 0; i < 300 && !final.includes('MONITOR_EXIT='); i++) {
      await sleep(100);
      final = await capture();
    }
    assert.match(final, /MONITOR_EXIT=0/, final);
    assert.match(final, /Monitor Alpha Shop\s+\[█{20}\] 100%\s+COMPLETED/);
    assert.match(final, /Monitor Beta Duka\s+\[█{20}\] 100%\s+COMPLETED/);
    assert.match(final, /Monitor Alpha Shop \(.*\): COMPLETED, 10\/11 steps completed/);
  } finally {
    companyInserts.release();
    await tmux('kill-server');
  }
});

test('off a terminal, monitor prints one line per change and exits 0 once every tenant IN_PROGRESS completed', async () => {
  const companyInsert = server.h.proxy!.hold(resource('POST', 'Company')); // the run waits at step_2 until the monitor printed it
  try {
    await createTenants(['Plain Monitor Shop']);
    await companyInsert.arrived;
    const monitor = startCli(['monitor'], server.env);
    await monitor.printed(/IN_PROGRESS/);
    companyInsert.release();
    const { code, stdout } = await monitor.done;
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^\d\d:\d\d:\d\d {2}Plain Monitor Shop {2}IN_PROGRESS {2}\d+% {2}step_2_company$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d {2}Plain Monitor Shop {2}COMPLETED {2}100%$/m);
    assert.ok(!stdout.includes('\x1b['), 'no escape codes in plain output');
  } finally {
    companyInsert.release();
  }
});

test('monitor exits with the worst status: 12 when a watched tenant FAILED, with its error, hint and resolving command', async () => {
  server.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 100 });
  let id: string;
  try {
    [id] = (await createTenants(['Failing Monitor Shop'])) as [string];
    await server.h.waitForStatus(id, ['FAILED']);
  } finally {
    server.h.simulator.sim.clearFaults();
  }
  const done = (await createTenants(['Fine Monitor Shop']))[0]!;
  await server.h.waitForStatus(done, ['COMPLETED']);
  const r = await cli(['monitor', id, done], server.env);
  assert.equal(r.code, 12, r.stdout + r.stderr);
  assert.match(r.stdout, /Failing Monitor Shop .*: FAILED/);
  assert.match(r.stdout, /error \[ENGINE_ERROR\] step_8_pos_profile/);
  assert.match(r.stdout, new RegExp(`resolve: npx provisioner continue ${id}`), 'the command that works in the project folder');

  const json = await cli(['monitor', done, '--json'], server.env);
  assert.equal(json.code, 0);
  assert.equal(JSON.parse(json.stdout.trim().split('\n')[0]!).status, 'COMPLETED', '--json: one status document per line');
});

test('with nothing IN_PROGRESS, monitor says so and exits 0', async () => {
  const r = await cli(['monitor'], server.env);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /No tenant is IN_PROGRESS/);
});

/** A tenant that FAILED, its cause already gone: the next Continue will complete it. */
async function failedTenant(name: string): Promise<string> {
  server.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 100 });
  try {
    const [id] = await createTenants([name]);
    await server.h.waitForStatus(id!, ['FAILED']);
    return id!;
  } finally {
    server.h.simulator.sim.clearFaults();
  }
}

test('monitor --wait-next on a FAILED tenant waits for the continue pressed later and follows it to COMPLETED', async () => {
  const id = await failedTenant('Waiting Monitor Shop');
  const monitor = startCli(['monitor', '--wait-next', id], server.env);
  await monitor.printed(/Waiting Monitor Shop {2}FAILED: waiting for its next run \(npx provisioner continue /);
  assert.equal((await server.h.call('POST', `/api/provisioning/tenants/${id}/continue`)).status, 202);
  const r = await monitor.done;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Waiting Monitor Shop {2}COMPLETED {2}100%$/m);
  assert.match(r.stdout, /Waiting Monitor Shop \(.*\): COMPLETED, 10\/11 steps completed/);
});

test('monitor --wait-next needs tenant ids (exit 2)', async () => {
  const r = await cli(['monitor', '--wait-next'], server.env);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--wait-next needs the tenant ids/);
});

test('monitor against an API that never answered exits 8 API_UNREACHABLE instead of waiting forever', async () => {
  const r = await cli(['monitor', '3f2c1a9e-0000-4000-8000-000000000000'], { ...server.env, API_URL: 'http://127.0.0.1:1/api', PROVISIONER_TOKEN: server.h.token });
  assert.equal(r.code, 8, r.stdout + r.stderr);
  assert.match(r.stderr, /error \[API_UNREACHABLE\]/);
});
