/**
 * The `.env` file read at start (docs/operations.md, "The .env file"): the real CLI in a
 * working directory of its own. `whoami` against an address nothing listens on shows the
 * API_URL it used in its error, without a server; one test starts `serve` from a .env alone.
 */
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '../support/database.ts';
import { spawnProvisioner } from '../support/processes.ts';
import { CLI, run } from './support.ts';
import { freePort } from '../support/ports.ts';

let cwd: string;
before(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'provisioner-env-file-'));
});
after(() => rm(cwd, { recursive: true, force: true }));

/** Nothing listens there: the CLI's error names the API_URL it was given. */
const nowhere = (port: number) => `http://127.0.0.1:${port}/api`;

/** The CLI in `dir`, without the test command's PROVISIONER_ENV_FILE=/dev/null unless given. */
const cliIn = (dir: string, args: string[], env: Record<string, string | undefined> = {}) =>
  run(process.execPath, [CLI, ...args], { PROVISIONER_ENV_FILE: undefined, API_URL: undefined, PROVISIONER_CONFIG_DIR: path.join(dir, 'config'), ...env }, { cwd: dir });

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(cwd, 'wd-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

test('./.env in the working directory is read at start', async () => {
  const dir = await dirWith({ '.env': `# the API this shell talks to\nAPI_URL=${nowhere(59_001)}\n` });
  const r = await cliIn(dir, ['whoami']);
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /API_UNREACHABLE.*127\.0\.0\.1:59001\/api/);
});

test('a variable already in the environment wins over the file', async () => {
  const dir = await dirWith({ '.env': `API_URL=${nowhere(59_002)}\n` });
  const r = await cliIn(dir, ['whoami'], { API_URL: nowhere(59_003) });
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /127\.0\.0\.1:59003\/api/);
  // also when the environment has it empty: set is set
  const empty = await cliIn(dir, ['whoami'], { API_URL: '' });
  assert.doesNotMatch(empty.stderr, /59002/);
});

test('PROVISIONER_ENV_FILE names the file (relative to the working directory), and ./.env is then not read', async () => {
  const dir = await dirWith({ '.env': `API_URL=${nowhere(59_004)}\n`, 'deploy/provisioner.env': `export API_URL="${nowhere(59_005)}"\n` });
  const r = await cliIn(dir, ['whoami'], { PROVISIONER_ENV_FILE: 'deploy/provisioner.env' });
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /127\.0\.0\.1:59005\/api/);
});

test('PROVISIONER_ENV_FILE naming a missing file stops every command with CONFIG_INVALID (exit 3)', async () => {
  const dir = await dirWith({});
  const r = await cliIn(dir, ['--version'], { PROVISIONER_ENV_FILE: 'missing.env' });
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error \[CONFIG_INVALID\]: PROVISIONER_ENV_FILE names .*missing\.env, which does not exist$/m);
  assert.match(r.stderr, /^hint: /m);
});

test('a malformed file stops with the line number and never prints a value', async () => {
  const secret = 'sup3r-s3cret-value-0123456789abcdef';
  // a line without "=": Node's parser would join it to the next name and lose that variable silently
  const noEquals = await dirWith({ '.env': `PROVISIONER_JWT_SECRET=${secret}\nPORT 4000\nHOST=127.0.0.1\n` });
  const r = await cliIn(noEquals, ['--version']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^error \[CONFIG_INVALID\]: .*\.env, line 2: not NAME=value/m);
  assert.ok(!`${r.stdout}${r.stderr}`.includes(secret) && !r.stderr.includes('4000'), 'no value is printed');

  for (const bad of [`=${secret}\n`, `\tPORT=4000\n`, `MY-VAR=${secret}\n`]) {
    const dir = await dirWith({ '.env': `A=1\n${bad}` });
    const out = await cliIn(dir, ['--version']);
    assert.equal(out.code, 3, JSON.stringify(bad));
    assert.match(out.stderr, /line 2: not NAME=value/, JSON.stringify(bad));
    assert.ok(!out.stderr.includes(secret));
  }
});

test('comments, blank lines, export, quotes and multi-line quoted values are read as Node reads them', async () => {
  const dir = await dirWith({ '.env': `\n# comment\n\nexport LOG_LEVEL=info\nMULTI="line one\nline two"\nAPI_URL='${nowhere(59_006)}' # trailing comment\n` });
  const r = await cliIn(dir, ['whoami']);
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /127\.0\.0\.1:59006\/api/);
});

test('a line that Node 20 reads together with the next one (spaces on a blank line, an indented #) is named, not silently misread', async () => {
  for (const text of ['A=1\n   \nB=2\n', 'A=1\n  # note\nB=2\n']) {
    const dir = await dirWith({ '.env': text });
    const r = await cliIn(dir, ['--version']);
    // Node versions whose parser reads these lines right load the file; the others must say where
    if (r.code === 0) continue;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\.env, line 2: spaces on a blank line or before a #; this Node's loader then reads line 3 \(B\) wrongly/);
  }
});


test('serve starts from a .env alone: database, secret and address, and logs which file it read without a value', async () => {
  const db = await createScratchDatabase();
  const port = await freePort();
  const secret = TEST_JWT_SECRET;
  const dir = await dirWith({ '.env': `DATABASE_URL=${db.url}\nPROVISIONER_JWT_SECRET=${secret}\nHOST=127.0.0.1\nPORT=${port}\nLOG_LEVEL=info\n` });
  const server = spawnProvisioner(['serve'], { PROVISIONER_ENV_FILE: undefined, DATABASE_URL: undefined, PROVISIONER_JWT_SECRET: undefined, HOST: undefined, PORT: undefined, LOG_LEVEL: undefined }, { cwd: dir });
  try {
    const read = JSON.parse(await server.waitForLine(/settings read from/, 30_000));
    assert.equal(read.env_file, path.join(dir, '.env'));
    assert.deepEqual(read.variables, ['DATABASE_URL', 'PROVISIONER_JWT_SECRET', 'HOST', 'PORT', 'LOG_LEVEL']);
    const listening = JSON.parse(await server.waitForLine(/Provisioner API listening/, 30_000));
    assert.equal(listening.url, `http://127.0.0.1:${port}`);
    assert.equal((await fetch(`${listening.url}/api/health`)).status, 200);
  } finally {
    server.kill('SIGTERM');
    const exit = await server.exited;
    await db.drop();
    assert.equal(exit.code, 0, server.lines.join('\n'));
  }
  assert.ok(!server.lines.join('\n').includes(secret), 'the secret is never printed');
});
