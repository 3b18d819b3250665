/** A guessable signing secret lets anyone sign an admin token: outside demo mode it stops the start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config.ts';

const env = (secret: string, demo = 'false') => ({ DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_DEMO: demo, PROVISIONER_JWT_SECRET: secret });

test('low-entropy secrets of 32 characters or more are refused with CONFIG_INVALID and how to make one', () => {
  for (const weak of ['changeme-changeme-changeme-changeme', 'abcdefgh'.repeat(4), '0123456789abcdef0123456789abcdef', 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz', 'a'.repeat(64), 'password'.repeat(5)]) {
    assert.throws(
      () => loadConfig(env(weak)),
      (e: unknown) => e instanceof ConfigError && /too weak/.test(e.message) && /openssl rand -hex 32/.test(e.hint),
      weak,
    );
  }
});

test('openssl rand -hex 32 and base64 of 32 random bytes pass, every time', () => {
  for (let i = 0; i < 300; i++) {
    for (const secret of [randomBytes(32).toString('hex'), randomBytes(32).toString('base64')]) {
      assert.equal(loadConfig(env(secret)).jwtSecret, secret);
    }
  }
});

test('demo mode, on localhost only, keeps accepting a secret the operator chose', () => {
  assert.equal(loadConfig({ ...env('abcdefgh'.repeat(4), 'true'), HOST: '127.0.0.1' }).jwtSecret, 'abcdefgh'.repeat(4));
});
