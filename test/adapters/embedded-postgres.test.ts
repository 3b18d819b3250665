import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/adapters/postgres/embedded.ts';

test('a server left running on the port is reused only when it serves our own data folder', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'provisioner-embedded-'));
  chmodSync(root, 0o755); // postgres runs as its own user and must reach its data folder
  const port = 54_900 + Math.floor(Math.random() * 90);
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
