/**
 * An event stream ends with its token: at exp, or once its user is disabled, deleted or
 * re-roled, with a last `stream_closed` event that says why.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { sseFrames, type SseFrame } from '../../src/cli/client/events.ts';
import { userWithToken } from '../support/accounts.ts';

let h: Harness;

before(async () => {
  h = await startHarness({ config: { eventStreamTokenCheckMs: 100 } });
});
after(() => h.close());

/** Opens the all-tenants stream and reads it to its end (bounded: a stream that never ends fails). */
async function readUntilEnd(token: string, opened?: () => Promise<void>): Promise<SseFrame[]> {
  const abort = new AbortController();
  const bound = setTimeout(() => abort.abort(), 20_000);
  try {
    const res = await fetch(`${h.api}/api/provisioning/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    assert.equal(res.status, 200);
    const frames: SseFrame[] = [];
    const reading = (async () => {
      for await (const frame of sseFrames(res.body!)) frames.push(frame);
    })();
    await opened?.();
    await reading;
    return frames;
  } finally {
    clearTimeout(bound);
  }
}

test('a stream opened with a token that expires in 2 s ends at its expiry, with a stream_closed event saying so', async () => {
  const me = (await h.call('GET', '/api/auth/me')).body.user;
  const ver = JSON.parse(Buffer.from(h.token.split('.')[1]!, 'base64url').toString()).ver;
  const shortLived = h.provisioner.app.jwt.sign({ sub: me.sub, email: me.email, role: me.role, tenant_id: null, ver }, { expiresIn: 2 });
  const started = Date.now();
  const frames = await readUntilEnd(shortLived);
  assert.ok(Date.now() - started >= 900, 'not before the token expired');
  const last = frames.at(-1)!;
  assert.equal(last.event, 'stream_closed');
  assert.equal(JSON.parse(last.data).code, 'UNAUTHENTICATED');
  assert.match(JSON.parse(last.data).detail, /expired/);
});

test('a stream whose user is disabled ends with stream_closed TOKEN_REVOKED', async () => {
  const u = await userWithToken(h, { email: 'streamer@example.com', role: 'platform_viewer' });
  const frames = await readUntilEnd(u.token, async () => {
    const r = await h.call('PATCH', `/api/users/${u.id}`, { disabled: true });
    assert.equal(r.status, 200);
  });
  const last = frames.at(-1)!;
  assert.equal(last.event, 'stream_closed');
  assert.equal(JSON.parse(last.data).code, 'TOKEN_REVOKED');
});
