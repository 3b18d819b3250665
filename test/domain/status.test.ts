import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deriveStatus, type StepState, type StepStatus, type SkipReason } from '../../src/domain/status.ts';
import { STEPS, STEP_IDS } from '../../src/domain/steps/catalogue.ts';

const stepState = (id: (typeof STEP_IDS)[number]) =>
  fc.oneof(
    fc.constantFrom<StepStatus>('pending', 'running', 'completed', 'failed').map((status): StepState => ({ id, status })),
    fc.constantFrom<SkipReason>('config', 'operator', 'failure').map((skipReason): StepState => ({ id, status: 'skipped', skipReason })),
  );
const anySteps = fc.tuple(...STEP_IDS.map(stepState));
const input = fc.record({ everStarted: fc.boolean(), activeRun: fc.boolean(), steps: anySteps });

test('PARTIAL is never derived unless every critical step completed (so never with 0 steps completed)', () => {
  fc.assert(
    fc.property(input, (i) => {
      const d = deriveStatus(i);
      if (d.status !== 'PARTIAL') return;
      for (const def of STEPS.filter((s) => s.critical)) assert.equal(i.steps.find((s) => s.id === def.id)!.status, 'completed');
      assert.ok(d.stepsCompleted >= STEPS.filter((s) => s.critical).length);
    }),
    { numRuns: 5000 },
  );
});

test('an active run is IN_PROGRESS whatever the steps say', () => {
  fc.assert(fc.property(anySteps, fc.boolean(), (steps, ever) => assert.equal(deriveStatus({ everStarted: ever, activeRun: true, steps }).status, 'IN_PROGRESS')));
});

test('never started and no active run is NOT_STARTED', () => {
  fc.assert(fc.property(anySteps, (steps) => assert.equal(deriveStatus({ everStarted: false, activeRun: false, steps }).status, 'NOT_STARTED')));
});

test('COMPLETED exactly when every step is completed or skipped on purpose', () => {
  fc.assert(
    fc.property(anySteps, (steps) => {
      const d = deriveStatus({ everStarted: true, activeRun: false, steps });
      const allDone = steps.every((s) => s.status === 'completed' || (s.status === 'skipped' && s.skipReason !== 'failure'));
      assert.equal(d.status === 'COMPLETED', allDone);
    }),
    { numRuns: 3000 },
  );
});

test('progress counts completed and skipped steps over 11, steps_completed counts completed only', () => {
  fc.assert(
    fc.property(input, (i) => {
      const d = deriveStatus(i);
      const completed = i.steps.filter((s) => s.status === 'completed').length;
      const skipped = i.steps.filter((s) => s.status === 'skipped').length;
      assert.equal(d.stepsCompleted, completed);
      assert.equal(d.progress, Math.round((100 * (completed + skipped)) / 11));
      assert.ok(d.progress >= 0 && d.progress <= 100);
    }),
  );
});

test('a failed critical step makes a finished run FAILED', () => {
  const steps: StepState[] = STEP_IDS.map((id) => ({ id, status: id === 'step_2_company' ? 'failed' : id < 'step_2' ? 'completed' : 'pending' }));
  assert.equal(deriveStatus({ everStarted: true, activeRun: false, steps }).status, 'FAILED');
});

test('a failed non-critical step with every other step done is PARTIAL', () => {
  const steps: StepState[] = STEP_IDS.map((id) => ({ id, status: id === 'step_7_customer' ? 'failed' : 'completed' }));
  const d = deriveStatus({ everStarted: true, activeRun: false, steps });
  assert.equal(d.status, 'PARTIAL');
  assert.equal(d.currentStep, 'step_7_customer');
});

test('demo data skipped by configuration still makes COMPLETED', () => {
  const steps: StepState[] = STEP_IDS.map((id) => (id === 'step_6_items' ? { id, status: 'skipped', skipReason: 'config' } : { id, status: 'completed' }));
  assert.equal(deriveStatus({ everStarted: true, activeRun: false, steps }).status, 'COMPLETED');
});
