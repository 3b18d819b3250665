/**
 * The README's test command. Finds a PostgreSQL for the tests (TEST_DATABASE_URL, else the
 * server at 127.0.0.1:5432 when it answers, else an embedded one), runs every test file with
 * node's test runner, and fails when no test ran. Each test file makes its own scratch database.
 * The CLI processes the tests start run in the repository: PROVISIONER_ENV_FILE=/dev/null keeps a
 * developer's ./.env out of them (test/cli/env-file.test.ts unsets it where the file is the point).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { canConnect, startEmbeddedPostgres } from '../src/adapters/postgres/embedded.ts';

const root = path.resolve(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return testFiles(full);
    return entry.endsWith('.test.ts') ? [full] : [];
  });
}


let adminUrl = process.env.TEST_DATABASE_URL;
let stop = async () => {};
if (!adminUrl) {
  const local = 'postgres://postgres@127.0.0.1:5432/test';
  // TEST_EMBEDDED_PG=1 forces the fallback, to check it where a server does run
  if (process.env.TEST_EMBEDDED_PG !== '1' && (await canConnect(local))) adminUrl = local;
  else {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, '.data/test-pg'), port: 54339, database: 'postgres' });
    adminUrl = embedded.url;
    stop = embedded.stop;
    process.stdout.write('# using an embedded PostgreSQL for the tests\n');
  }
}

const filter = process.argv.slice(2);
const files = testFiles(path.join(root, 'test'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  process.stderr.write('no test files found\n');
  process.exit(1);
}

let output = '';
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  env: { ...process.env, TEST_DATABASE_URL: adminUrl, PROVISIONER_ENV_FILE: '/dev/null' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
child.stdout.on('data', (chunk: Buffer) => {
  output += chunk.toString();
  process.stdout.write(chunk);
});
const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
await stop();

const count = (label: string) => Number(new RegExp(`^ℹ ${label} (\\d+)`, 'm').exec(output)?.[1] ?? NaN);
const [tests, pass, fail, skipped] = [count('tests'), count('pass'), count('fail'), count('skipped')];
if (!(tests > 0)) {
  process.stdout.write('\nno test was executed: failing the run\n0 passed, 1 failed\n');
  process.exit(1);
}
process.stdout.write(`\n${pass} passed, ${fail} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(code);
