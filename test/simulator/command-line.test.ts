/** `provisioner simulator`: faults from the command line; bad values are usage errors (exit 2). */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
/** The command as users run it: bin/provisioner.js, the compiled CLI. */
const BIN = path.join(root, 'bin/provisioner.js');
// only a guard against a command that hangs: a start-up can take tens of seconds on a loaded machine
const HANG_GUARD_MS = 180_000;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'simulator', ...args], { cwd: root, encoding: 'utf8', timeout: HANG_GUARD_MS });

test('--help shows the fault options with examples', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  for (const option of ['--seed', '--latency', '--error-rate', '--error-rate-status', '--timeout-rate', '--reset-rate', '--lost-response-rate', '--scenario', '--down', '--updating', '--no-setup', '--data-file', '--company-insert-ms']) {
    assert.ok(r.stdout.includes(option), option);
  }
  assert.match(r.stdout, /Examples:\n/);
  assert.ok(r.stdout.includes('$ provisioner simulator --port 8000 --seed 42 --latency 20-80 --error-rate 0.05 --error-rate-status 503'));
});

test('bad option values are usage errors with exit code 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--latency', 'soon'], /latency/],
    [['--latency', '80-20'], /min must not exceed max/],
    [['--error-rate', '5%'], /rate is a number from 0 to 1/],
    [['--error-rate', '1.5'], /rate is a number from 0 to 1/],
    [['--error-rate', '=0.1'], /expected \[METHOD\] \[Doctype\]=value/],
    [['--error-rate-status', '404'], /429, 500, 502, 503/],
    [['--seed', '-3'], /seed must be an integer/],
    [['--timeout-rate', 'x'], /rate/],
    [['--scenario', 'meteor_strike'], /unknown scenario/],
    [['--port', '70000'], /port number/],
    [['--company-insert-ms', 'slow'], /company insert time/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')} → exit ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('a standalone simulator starts with the faults of its command line', async (t) => {
  const child = spawn(
    process.execPath,
    [BIN, 'simulator', '--port', '0', '--seed', '42', '--latency', '1-3', '--error-rate', 'POST Company=0.05', '--error-rate-status', '429', '--retry-after', '2', '--lost-response-rate', '0.02', '--timeout-rate', 'PUT=0.01', '--scenario', 'abbreviation_taken', '--company-insert-ms', '250'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGTERM'));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const state = (await (await fetch(`${url}/__simulator/state`)).json()) as any;
  assert.equal(state.seed, 42);
  assert.deepEqual(state.latency, [{ min: 1, max: 3 }]);
  assert.deepEqual(state.faults, [
    { doctype: 'Company', method: 'POST', kind: 'error', status: 429, retryAfter: 2, rate: 0.05 },
    { method: 'PUT', kind: 'timeout', rate: 0.01 },
    { kind: 'lost', rate: 0.02 },
  ]);
  assert.equal(state.armedScenarios[0].name, 'abbreviation_taken');
  assert.deepEqual(state.companyInserts, { ms: 250, race: 'duplicate', held: false, parked: [] });
  assert.equal((await fetch(`${url}/api/method/ping`)).status, 200);
});
