import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { resource, type Hold } from '../support/engine-proxy.ts';
import { cli, run, useCliServer } from './support.ts';
import { startOdooSimulator, type RunningOdooSimulator } from '../../src/simulator/odoo/index.ts';

/**
 * The guide's commands (provisioning-resolution-guide.md) that use the two scripts, as written,
 * through bash from the repository root. Only the base URL is the test server's (API_URL for the
 * scripts, replaced in curl lines), and <tenant_id> a real id. The guide's curl-only commands are
 * run in test/api/guide-commands.test.ts.
 */
const hasJq = spawnSync('jq', ['--version']).status === 0;

// no cached login, no token: the CLI finds its own credentials
const server = useCliServer(() => ({ PROVISIONER_TOKEN: undefined, PROVISIONER_EMAIL: undefined, PROVISIONER_PASSWORD: undefined }));

/** Runs a guide snippet through bash; `<tenant_id>` becomes TENANT and localhost:4000 the test server. */
function guide(snippet: string, tenantId = '', extraEnv: Record<string, string | undefined> = {}, onOutput?: (chunk: string) => void) {
  const script = snippet.replaceAll('http://localhost:4000', server.h.api).replaceAll('<tenant_id>', tenantId);
  return run('bash', ['-c', script], { ...server.env, ...extraEnv }, { timeoutMs: 90_000, onOutput });
}

/** Releases `hold` once the output so far matches `pattern`: the engine waits until the script has seen the run. */
function releaseOnOutput(hold: Hold, pattern: RegExp): (chunk: string) => void {
  let output = '';
  return (chunk) => {
    output += chunk;
    if (pattern.test(output)) hold.release();
  };
}

async function failedTenant(name: string): Promise<string> {
  server.h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 500, count: 100 });
  try {
    const id = (await server.h.createTenant({ name, country_code: 'UG' })).tenant.id;
    await server.h.waitForStatus(id, ['FAILED']);
    return id;
  } finally {
    server.h.simulator.sim.clearFaults();
  }
}

test('both scripts are executable files at the repository root', async () => {
  for (const name of ['check_provisioning_status.sh', 'monitor_provisioning.sh']) {
    const mode = (await stat(path.resolve(import.meta.dirname, '../..', name))).mode;
    assert.equal(mode & 0o111, 0o111, `${name} is executable`);
  }
});

test('Check Status: ./check_provisioning_status.sh admin@moran.com admin123 <tenant_id> prints status, progress, steps, errors with hints and the exact resolving commands', async () => {
  const id = await failedTenant('Checked Shop');
  const r = await guide('./check_provisioning_status.sh admin@moran.com admin123 <tenant_id>', id);
  assert.equal(r.code, 12, `FAILED exits 12: ${r.stderr}`);
  assert.match(r.stdout, /Checked Shop \(/);
  assert.match(r.stdout, /Status:\s+FAILED/);
  assert.match(r.stdout, /Progress:\s+\[.+\]\s+\d+%\s+7\/11 steps completed/);
  assert.match(r.stdout, /Current step:\s+step_8_pos_profile/);
  assert.match(r.stdout, /step_2_company\s+completed/);
  assert.match(r.stdout, /step_8_pos_profile\s+failed/);
  assert.match(r.stdout, /error \[ENGINE_ERROR\] step_8_pos_profile: .*\n\s+hint: /);
  assert.match(r.stdout, new RegExp(`curl -X POST "${server.h.api}/api/provisioning/tenants/${id}/continue" \\\\\\n\\s+-H "Authorization: Bearer \\$TOKEN" \\\\\\n\\s+-H "Content-Type: application/json"`));
  assert.deepEqual(await readdir(server.dir), [], 'credentials given as arguments are not cached');

  // the printed continue command, run as printed (TOKEN from the guide's login), resolves the failure
  const printed = r.stdout.match(/\$ (curl -X POST "[^"]+\/continue" \\\n[^\n]+\\\n[^\n]+)/)![1]!.replace(/\n\s+/g, '\n  ');
  const login = `TOKEN=$(curl -s -X POST "http://localhost:4000/api/auth/login" -H "Content-Type: application/json" -d '{"email":"admin@moran.com","password":"admin123"}' | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`;
  const continued = await guide(`${login}\n${printed.replaceAll(server.h.api, 'http://localhost:4000')}`, id);
  assert.match(continued.stdout, /"kind":"continue"/, continued.stdout + continued.stderr);
  assert.equal((await server.h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');

  const again = await guide('./check_provisioning_status.sh admin@moran.com admin123 <tenant_id>', id);
  assert.equal(again.code, 0, 'COMPLETED exits 0');
  assert.match(again.stdout, /Status:\s+COMPLETED/);
});

test('Getting Help: ./check_provisioning_status.sh > provisioning_diagnostic.txt, with no arguments and no terminal, reports every tenant not COMPLETED', async () => {
  const failed = await failedTenant('Help Needed Shop');
  const waiting = (await server.h.createTenant({ name: 'Waiting Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  const file = path.join(server.dir, 'provisioning_diagnostic.txt');
  const r = await guide(`./check_provisioning_status.sh > ${file}`);
  assert.equal(r.code, 12, `the worst status decides: ${r.stderr}`);
  assert.match(r.stderr, /using the local demo account/, 'on a local API without credentials: the demo account');
  const text = await readFile(file, 'utf8');
  assert.match(text, /Provisioning status report/);
  assert.match(text, /readiness: \{"status":"ready"/);
  assert.match(text, /\d+ tenant\(s\): .*FAILED.*NOT_STARTED|\d+ tenant\(s\): .*NOT_STARTED.*FAILED/);
  assert.match(text, new RegExp(`Help Needed Shop \\(${failed}\\)`));
  assert.match(text, new RegExp(`Waiting Shop \\(${waiting}\\)`));
  assert.match(text, new RegExp(`provisioner start ${waiting}`));
  assert.match(text, /error \[ENGINE_ERROR\]/);
  assert.ok(!text.includes('\x1b['), 'no color codes in the file');
  assert.ok(!text.includes('admin123'), 'no password in the file');
});

test('the check script: credentials from PROVISIONER_EMAIL/PROVISIONER_PASSWORD; wrong ones exit 4; bad arguments exit 2; an API that does not answer exits 8', async () => {
  const id = (await server.h.createTenant({ name: 'Env Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  const byEnv = await guide('./check_provisioning_status.sh <tenant_id>', id, { PROVISIONER_EMAIL: 'admin@moran.com', PROVISIONER_PASSWORD: 'admin123' });
  assert.equal(byEnv.code, 13, byEnv.stderr);
  assert.ok(!byEnv.stderr.includes('demo account'));
  const wrong = await guide('./check_provisioning_status.sh admin@moran.com wrong <tenant_id>', id);
  assert.equal(wrong.code, 4);
  assert.match(wrong.stderr, /error \[INVALID_CREDENTIALS\]/);
  const bad = await guide('./check_provisioning_status.sh not-a-tenant');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /is not a tenant id/);
  const tooMany = await guide('./monitor_provisioning.sh nope');
  assert.equal(tooMany.code, 2);
  const down = await guide('./check_provisioning_status.sh', '', { API_URL: 'http://127.0.0.1:9/api' });
  assert.equal(down.code, 8);
  assert.match(down.stderr, /error \[API_UNREACHABLE\]/);
  assert.equal((await guide('./check_provisioning_status.sh --help')).code, 0);
});

test('Monitor in Real-Time: ./monitor_provisioning.sh follows every IN_PROGRESS tenant until it settles', async () => {
  const companyInsert = server.h.proxy!.hold(resource('POST', 'Company')); // in flight until the monitor has seen it
  let id: string;
  try {
    id = (await server.h.createTenant({ name: 'Monitored Shop', country_code: 'KE' })).tenant.id;
    await companyInsert.arrived;
    const r = await guide('./monitor_provisioning.sh', '', {}, releaseOnOutput(companyInsert, /Monitored Shop {2}IN_PROGRESS/));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Monitored Shop {2}IN_PROGRESS/);
    assert.match(r.stdout, /Monitored Shop {2}COMPLETED {2}100%/);
  } finally {
    companyInsert.release();
  }
  const named = await guide('./monitor_provisioning.sh <tenant_id>', id);
  assert.equal(named.code, 0);
  assert.match(named.stdout, /Monitored Shop \(.*\): COMPLETED/);
});

test('Example Workflow, as written: check, log in and continue with curl, monitor', { skip: !hasJq && 'jq is not installed' }, async () => {
  const id = await failedTenant('Workflow Shop');
  // the continued run waits at its POS Profile insert until step 3's monitor has seen it going
  const posProfileInsert = server.h.proxy!.hold(resource('POST', 'POS Profile'));
  const r = await guide(
    `# 1. Check status
./check_provisioning_status.sh admin@moran.com admin123 <tenant_id>

# 2. If PARTIAL or FAILED, continue
TOKEN=$(curl -s -X POST "http://localhost:4000/api/auth/login" \\
  -H "Content-Type: application/json" \\
  -d '{"email":"admin@moran.com","password":"admin123"}' | jq -r '.access_token')

curl -X POST "http://localhost:4000/api/provisioning/tenants/<tenant_id>/continue" \\
  -H "Authorization: Bearer $TOKEN"

# 3. Monitor progress
./monitor_provisioning.sh`,
    id,
    {},
    releaseOnOutput(posProfileInsert, /Workflow Shop {2}IN_PROGRESS/),
  ).finally(() => posProfileInsert.release());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Status:\s+FAILED/);
  assert.match(r.stdout, /"kind":"continue"/);
  assert.match(r.stdout, /Workflow Shop .*: COMPLETED/);
  assert.equal((await server.h.call('GET', `/api/provisioning/tenants/${id}/status`)).body.status, 'COMPLETED');
});

let odoo: RunningOdooSimulator | null = null;
after(() => odoo?.close());

test('an Odoo tenant: the check script and provisioner status answer as for ERPNext, and the printed continue command resolves its failure', async () => {
  odoo = await startOdooSimulator();
  const registered = await server.h.call('POST', '/api/engines', { id: 'odoo-guide', kind: 'odoo', base_url: odoo.url, database: odoo.db, login: odoo.login, api_key: odoo.apiKey });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  // Odoo refuses the tenant's M-Pesa payment method: step_8 fails with Odoo's own message
  odoo.sim.injectFault({ model: 'pos.payment.method', method: 'create', exception: { name: 'odoo.exceptions.UserError', message: 'Injected refusal' }, count: 100 });
  const id = (await server.h.createTenant({ name: 'Odoo Guide Shop', country_code: 'KE', engine_id: 'odoo-guide' })).tenant.id;
  assert.equal((await server.h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'FAILED');
  odoo.sim.clearFaults();

  const r = await guide('./check_provisioning_status.sh admin@moran.com admin123 <tenant_id>', id);
  assert.equal(r.code, 12, `FAILED exits 12: ${r.stdout} ${r.stderr}`);
  assert.match(r.stdout, /Status:\s+FAILED/);
  assert.match(r.stdout, /step_2_company\s+completed/);
  assert.match(r.stdout, /step_8_pos_profile\s+failed/);
  assert.match(r.stdout, /error \[ENGINE_VALIDATION\] step_8_pos_profile: .*Injected refusal.*\n\s+hint: /);
  const status = await cli(['status', id], { ...server.env, PROVISIONER_TOKEN: server.h.token });
  assert.equal(status.code, 12, status.stdout);
  assert.match(status.stdout, /step_8_pos_profile\s+failed/);

  const printed = r.stdout.match(/\$ (curl -X POST "[^"]+\/continue" \\\n[^\n]+\\\n[^\n]+)/)![1]!.replace(/\n\s+/g, '\n  ');
  const login = `TOKEN=$(curl -s -X POST "http://localhost:4000/api/auth/login" -H "Content-Type: application/json" -d '{"email":"admin@moran.com","password":"admin123"}' | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`;
  const continued = await guide(`${login}\n${printed.replaceAll(server.h.api, 'http://localhost:4000')}`, id);
  assert.match(continued.stdout, /"kind":"continue"/, continued.stdout + continued.stderr);
  assert.equal((await server.h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');

  const again = await guide('./check_provisioning_status.sh admin@moran.com admin123 <tenant_id>', id);
  assert.equal(again.code, 0, 'COMPLETED exits 0');
  assert.match(again.stdout, /Status:\s+COMPLETED/);
  assert.equal((await cli(['status', id], { ...server.env, PROVISIONER_TOKEN: server.h.token })).code, 0);
  assert.deepEqual(odoo.sim.duplicates(), []);
});
