import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canConnect, startEmbeddedPostgres } from '../../src/adapters/postgres/embedded.ts';
import { freePort } from '../support/ports.ts';

test('a server left running on the port is reused only when it serves our own data folder', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'provisioner-embedded-'));
  chmodSync(root, 0o755); // postgres runs as its own user and must reach its data folder
  const port = await freePort();
  const first = await startEmbeddedPostgres({ dataDir: path.join(root, 'a'), port });
  try {
    // the orphan of a kill -9'd run of the same folder: reused
    const again = await startEmbeddedPostgres({ dataDir: path.join(root, 'a'), port });
    assert.equal(again.url, first.url);
    // another clone's folder on the same port: refused, with the way out
    await assert.rejects(startEmbeddedPostgres({ dataDir: path.join(root, 'b'), port }), /used by another PostgreSQL .* PROVISIONER_PG_PORT/);
  } finally {
    await first.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// issue 11 item 15: the library's stop() waited for the exit of the process it had started, which
// had already happened, so a SIGTERM stopped the worker but the process never exited
test('after the database was killed and started again, stop() ends the one running now', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'provisioner-embedded-'));
  chmodSync(root, 0o755);
  const dir = path.join(root, 'pg');
  const port = await freePort();
  const admin = `postgres://postgres:password@127.0.0.1:${port}/postgres`;
  const postmaster = () => Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const first = await startEmbeddedPostgres({ dataDir: dir, port });
  try {
    const killed = postmaster();
    process.kill(killed, 'SIGKILL');
    while (alive(killed) || (await canConnect(admin))) await new Promise((resolve) => setImmediate(resolve));
    // started again: its background processes may take a moment to notice their postmaster died
    let again: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
    for (let attempt = 0; !again; attempt++) {
      again = await startEmbeddedPostgres({ dataDir: dir, port }).catch((e) => {
        if (attempt > 50) throw e;
        return null;
      });
    }
    const restarted = postmaster();
    assert.notEqual(restarted, killed);
    assert.equal(await canConnect(admin), true);

    await first.stop();
    assert.equal(alive(restarted), false, 'the server running now was stopped');
    assert.equal(await canConnect(admin), false);
    await again.stop();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
