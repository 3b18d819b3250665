import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRun, assertRunAllowed } from '../../src/domain/plan.ts';
import { STEP_IDS, type StepId } from '../../src/domain/steps/catalogue.ts';
import type { StepState } from '../../src/domain/status.ts';

const states = (f: (id: StepId, i: number) => Partial<StepState>): StepState[] => STEP_IDS.map((id, i) => ({ id, status: 'pending', ...f(id, i) }));

test('start plans every step in order', () => {
  assert.deepEqual(planRun('start', states(() => ({}))), [...STEP_IDS]);
});

test('continue keeps completed steps and resumes at the first failed one', () => {
  const s = states((_, i) => (i < 8 ? { status: 'completed' } : i === 8 ? { status: 'failed' } : {}));
  assert.deepEqual(planRun('continue', s), ['step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates']);
});

test('continue skips steps skipped on purpose but re-runs those skipped after a failure', () => {
  const s = states((id) =>
    id === 'step_6_items' ? { status: 'skipped', skipReason: 'config' } : id === 'step_9_pos_session' ? { status: 'skipped', skipReason: 'failure' } : id === 'step_7_customer' ? { status: 'failed' } : { status: 'completed' },
  );
  assert.deepEqual(planRun('continue', s), ['step_7_customer', 'step_9_pos_session', 'step_10_post_sale_updates']);
});

test('continue always ends with the final validation', () => {
  const s = states((id) => (id === 'step_4_warehouses' ? { status: 'failed' } : { status: 'completed' }));
  assert.deepEqual(planRun('continue', s), ['step_4_warehouses', 'step_10_post_sale_updates']);
});

test('retry re-runs every step, or a step and the ones after it', () => {
  const s = states(() => ({ status: 'completed' }));
  assert.deepEqual(planRun('retry', s), [...STEP_IDS]);
  assert.deepEqual(planRun('retry', s, 'step_8_pos_profile'), ['step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates']);
});

test('operations are allowed only from the statuses of the contract', () => {
  assert.doesNotThrow(() => assertRunAllowed('start', 'NOT_STARTED'));
  assert.throws(() => assertRunAllowed('start', 'FAILED'), { code: 'INVALID_TRANSITION' });
  assert.throws(() => assertRunAllowed('continue', 'COMPLETED'), { code: 'INVALID_TRANSITION' });
  assert.throws(() => assertRunAllowed('continue', 'NOT_STARTED'), { code: 'INVALID_TRANSITION' });
  assert.doesNotThrow(() => assertRunAllowed('retry', 'COMPLETED'));
  assert.throws(() => assertRunAllowed('retry', 'IN_PROGRESS'), { code: 'INVALID_TRANSITION' });
});
