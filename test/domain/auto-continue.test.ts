import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoContinueDelayMs, decideAutoContinue, DEFAULT_AUTO_CONTINUE_POLICY, type SettledRun } from '../../src/domain/auto-continue.ts';

const policy = DEFAULT_AUTO_CONTINUE_POLICY;
const finishedAt = new Date('2026-12-01T03:00:00Z');
const failed = (over: Partial<SettledRun> = {}): SettledRun => ({
  tenantId: 't',
  runId: 'r',
  engineId: 'default',
  finishedAt,
  failedStep: 'step_8_pos_profile',
  cause: 'ENGINE_TIMEOUT',
  tenantAllows: true,
  continuesToday: 0,
  ...over,
});
const after = (ms: number) => new Date(finishedAt.getTime() + ms);

test('a transient failure is continued once its backoff has passed, not before', () => {
  assert.deepEqual(decideAutoContinue(policy, failed(), after(29_999)), { action: 'wait', until: after(30_000) });
  assert.deepEqual(decideAutoContinue(policy, failed(), after(30_000)), { action: 'continue', attempt: 1 });
});

test('each automatic continue of the day waits twice as long, up to the longest wait', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => autoContinueDelayMs(policy, n)), [30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  assert.deepEqual(decideAutoContinue(policy, failed({ continuesToday: 2 }), after(119_999)).action, 'wait');
  assert.deepEqual(decideAutoContinue(policy, failed({ continuesToday: 2 }), after(120_000)), { action: 'continue', attempt: 3 });
});

test('every transient cause qualifies; every other cause never does', () => {
  for (const cause of ['ENGINE_UNAVAILABLE', 'ENGINE_TIMEOUT', 'ENGINE_UPDATING', 'ENGINE_RATE_LIMITED', 'DATABASE_UNAVAILABLE']) {
    assert.equal(decideAutoContinue(policy, failed({ cause }), after(3_600_000)).action, 'continue', cause);
  }
  for (const cause of ['ENGINE_VALIDATION', 'ENGINE_AUTH_FAILED', 'ENGINE_NOT_ERPNEXT', 'ENGINE_PERMISSION', 'ABBREVIATION_EXHAUSTED', 'VERIFICATION_FAILED', 'INTERNAL', null]) {
    assert.deepEqual(decideAutoContinue(policy, failed({ cause }), after(3_600_000)), { action: 'never', reason: 'permanent_cause' }, String(cause));
  }
});

test('the daily limit, the tenant\'s switch and the global switch each stop it', () => {
  assert.deepEqual(decideAutoContinue(policy, failed({ continuesToday: 5 }), after(3_600_000)), { action: 'exhausted' });
  assert.deepEqual(decideAutoContinue(policy, failed({ tenantAllows: false }), after(3_600_000)), { action: 'never', reason: 'tenant_opted_out' });
  assert.deepEqual(decideAutoContinue({ ...policy, enabled: false }, failed(), after(3_600_000)), { action: 'never', reason: 'disabled' });
});
