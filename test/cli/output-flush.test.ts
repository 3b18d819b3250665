import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const shared = fileURLToPath(new URL('../../src/cli/shared.ts', import.meta.url));

/**
 * A pipe takes 64 KiB at once; a command's longer answer (`webhooks list --json` past 500
 * webhooks) is queued by Node, and a plain process.exit() drops the queue when the reader is slow.
 */
test('a command exits only once a slow reader has its whole output', async () => {
  const size = 300_000;
  const script = `
    import { exitWhenFlushed } from ${JSON.stringify(shared)};
    process.stdout.write('x'.repeat(${size}) + '\\n');
    process.stderr.write('written\\n');
    await exitWhenFlushed(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause(); // the reader is busy elsewhere
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const written = new Promise<void>((resolve) =>
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('written')) resolve();
    }),
  );
  const exited = once(child, 'exit');
  await Promise.race([written, exited]);
  assert.match(stderr, /written/, `the script failed: ${stderr}`);
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const ended = once(child.stdout, 'end');
  child.stdout.resume();
  const [[code]] = await Promise.all([exited, ended]);
  assert.equal(code, 0, stderr);
  assert.equal(bytes, size + 1);
});
