import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { createScratchDatabase } from '../support/database.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';

/**
 * The README's walkthrough and failure demo, run as written through bash against a real
 * `provisioner serve` in demo mode with its built-in simulator. Only the two addresses are
 * replaced (localhost:4000 and 127.0.0.1:8000): the tests cannot own those ports.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const hasJq = spawnSync('jq', ['--version']).status === 0;

let server: ProvisionerProcess;
let api: string;
let simulator: string;
let dropDb: () => Promise<void>;
let dataDir: string;

before(async () => {
  const db = await createScratchDatabase();
  dropDb = db.drop;
  dataDir = await mkdtemp(path.join(tmpdir(), 'provisioner-readme-'));
  server = spawnProvisioner(['serve'], { DATABASE_URL: db.url, PROVISIONER_DEMO: 'true', PROVISIONER_DATA_DIR: dataDir, PORT: '0', SIMULATOR_PORT: '0' });
  simulator = JSON.parse(await server.waitForLine(/built-in ERPNext simulator started/, 60_000)).url;
  api = JSON.parse(await server.waitForLine(/Provisioner API listening/, 60_000)).url;
});
after(async () => {
  server?.kill('SIGTERM');
  await server?.exited;
  await dropDb?.();
  await rm(dataDir, { recursive: true, force: true });
});

/** The bash block of README.md that follows the line containing `marker`. */
async function readmeBlock(marker: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README.md has "${marker}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `a bash block after "${marker}"`);
  return block[1]!;
}

/** Async: the snippets call the server while it runs. PATH as a user's shell has it (no node_modules/.bin). */
async function bash(script: string): Promise<string> {
  const local = script.replaceAll('http://localhost:4000', api).replaceAll('http://127.0.0.1:8000', simulator);
  const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.endsWith(path.join('node_modules', '.bin'))).join(path.delimiter);
  // the CLI's default API address is the README's http://localhost:4000/api, replaced the same way
  const env = { ...process.env, PATH, API_URL: `${api}/api`, PROVISIONER_CONFIG_DIR: dataDir };
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', local], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return stdout;
}

test('demo mode puts the built-in simulator where the README\'s failure demo sends its faults: 127.0.0.1:8000', () => {
  assert.equal(loadConfig({ PROVISIONER_DATA_DIR: dataDir }).simulatorPort, 8000);
  assert.match(simulator, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('the walkthrough, as written: log in, create a tenant, status and logs', { skip: !hasJq && 'jq is not installed' }, async () => {
  const out = await bash(`${await readmeBlock('## Walkthrough')}\necho "TENANT=$TENANT_ID"`);
  const id = /TENANT=([0-9a-f-]{36})/.exec(out)?.[1];
  assert.ok(id, out);
  assert.match(out, /"status":"(IN_PROGRESS|COMPLETED)"/);
  assert.match(out, /"logs": \[/);
});

test('the failure demo, as written: FAILED at step_8_pos_profile with code and hint, then continue completes it', { skip: !hasJq && 'jq is not installed' }, async () => {
  const login = (await readmeBlock('## Walkthrough')).split('\n\n')[0]!; // the guide's login command
  assert.match(login, /TOKEN=\$\(curl/);
  const out = await bash(`${login}\n${await readmeBlock('To see a failure and its resolution')}\necho "TENANT=$TENANT_ID"`);
  const failed = JSON.parse(/\{\n  "status": "FAILED"[\s\S]*?\n\}/.exec(out)?.[0] ?? 'null');
  assert.ok(failed, out);
  assert.equal(failed.current_step, 'step_8_pos_profile');
  assert.equal(failed.errors[0].code, 'ENGINE_VALIDATION');
  assert.ok(failed.errors[0].hint);
  assert.match(out, /"kind":"continue"/);
  assert.match(out, /Broken Shop \(.*\): COMPLETED, 10\/11 steps completed/);
});
