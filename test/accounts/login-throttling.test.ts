/**
 * Failed logins are throttled per account (known or unknown) and per address, in PostgreSQL,
 * with exponential lockouts answered 429 LOGIN_THROTTLED and Retry-After.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { login, userWithToken } from '../support/accounts.ts';

const PER_ACCOUNT = 3;
let h: Harness;

before(async () => {
  h = await startHarness({ config: { loginThrottle: { perAccount: PER_ACCOUNT, perAddress: 1000, baseMs: 1500, maxMs: 3000 } } });
});
after(() => h.close());

/** Logs in until the lockout has passed (bounded: a stuck lockout fails the test). */
async function loginOnceAllowed(email: string, password: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await login(h.api, email, password);
    if (r.status !== 429 || Date.now() > deadline) return r;
    await sleep(100);
  }
}

test(`${PER_ACCOUNT} wrong passwords lock the account: 429 LOGIN_THROTTLED with Retry-After, even for the right password; after the lockout the right password works`, async () => {
  const u = await userWithToken(h, { email: 'throttled@example.com', role: 'platform_admin' });
  for (let i = 0; i < PER_ACCOUNT; i++) assert.equal((await login(h.api, 'throttled@example.com', 'wrong password')).status, 401);
  const locked = await login(h.api, 'throttled@example.com', u.password);
  assert.equal(locked.status, 429);
  assert.equal(locked.body.code, 'LOGIN_THROTTLED');
  assert.match(locked.body.hint, /Retry-After/);
  const retryAfter = Number(locked.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${locked.headers.get('retry-after')}`);

  const allowed = await loginOnceAllowed('throttled@example.com', u.password);
  assert.equal(allowed.status, 200, JSON.stringify(allowed.body));

  // the success reset the count: the same number of failures is needed again
  for (let i = 0; i < PER_ACCOUNT - 1; i++) assert.equal((await login(h.api, 'throttled@example.com', 'wrong password')).status, 401);
  assert.equal((await login(h.api, 'throttled@example.com', u.password)).status, 200);
});

test('each failure past the threshold doubles the lockout', async () => {
  const u = await userWithToken(h, { email: 'doubled@example.com', role: 'platform_admin' });
  for (let i = 0; i < PER_ACCOUNT; i++) await login(h.api, 'doubled@example.com', 'wrong password');
  const first = Number((await login(h.api, 'doubled@example.com', u.password)).headers.get('retry-after'));
  // once the first lockout passes, one more failure locks for twice as long
  for (;;) {
    const r = await login(h.api, 'doubled@example.com', 'wrong password');
    if (r.status === 401) break;
    await sleep(100);
  }
  const second = Number((await login(h.api, 'doubled@example.com', u.password)).headers.get('retry-after'));
  assert.ok(second > first, `the second lockout (${second} s) is longer than the first (${first} s)`);
});

test('an unknown email is throttled exactly like a known one: same answers, same statuses', async () => {
  const answers = async (email: string) => {
    const out: Array<{ status: number; code: string; detail: string }> = [];
    for (let i = 0; i <= PER_ACCOUNT; i++) {
      const r = await login(h.api, email, 'wrong password');
      out.push({ status: r.status, code: r.body.code, detail: r.body.detail.replace(/\d+ s$/, 'N s') });
    }
    return out;
  };
  await userWithToken(h, { email: 'known@example.com', role: 'platform_admin' });
  const known = await answers('known@example.com');
  const unknown = await answers('nobody-here@example.com');
  assert.deepEqual(unknown, known);
  assert.deepEqual(known.map((a) => a.status), [...Array(PER_ACCOUNT).fill(401), 429]);
});

test('failures from one address lock that address for every account', async () => {
  const other = await startHarness({ config: { loginThrottle: { perAccount: 100, perAddress: 4, baseMs: 60_000, maxMs: 60_000 } } });
  try {
    for (let i = 0; i < 4; i++) assert.equal((await login(other.api, `spray-${i}@example.com`, 'wrong password')).status, 401);
    const r = await login(other.api, 'admin@moran.com', 'admin123');
    assert.equal(r.status, 429);
    assert.equal(r.body.code, 'LOGIN_THROTTLED');
    assert.ok(Number(r.headers.get('retry-after')) > 50);
  } finally {
    await other.close();
  }
});

test('a burst of wrong passwords at once gets no more tries than one after another; right passwords never count against the address', async () => {
  const burst = await startHarness({ config: { loginThrottle: { perAccount: PER_ACCOUNT, perAddress: PER_ACCOUNT + 2, baseMs: 60_000, maxMs: 60_000 } } });
  try {
    await userWithToken(burst, { email: 'burst@example.com', role: 'platform_admin' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(burst.api, 'burst@example.com', 'wrong password')));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [...Array(PER_ACCOUNT).fill(401), ...Array(20 - PER_ACCOUNT).fill(429)]);

    // the address now holds PER_ACCOUNT failures, 2 short of its lock: good logins add none
    const good = await userWithToken(burst, { email: 'good@example.com', role: 'platform_admin' });
    for (let i = 0; i < 5; i++) assert.equal((await login(burst.api, 'good@example.com', good.password)).status, 200);
    assert.equal((await login(burst.api, 'good-but-wrong@example.com', 'wrong password')).status, 401);
  } finally {
    await burst.close();
  }
});
