import { STEPS, type StepId } from './steps/catalogue.ts';
import type { ProvisioningStatus, StepState } from './status.ts';

export interface ConsistencyInput {
  derived: ProvisioningStatus;
  steps: readonly StepState[];
  /** The tenant's latest run, when there is one. */
  latestRun: { status: 'queued' | 'running' | 'completed' | 'partial' | 'failed'; leaseUntil: Date | null } | null;
  now: Date;
}

export interface ConsistencyProblem {
  code: string;
  message: string;
}

/** Derived statuses a finished run may leave (an operator's skip-step can turn PARTIAL into COMPLETED). */
const STATUSES_AFTER_RUN: Record<'completed' | 'partial' | 'failed', readonly ProvisioningStatus[]> = {
  completed: ['COMPLETED'],
  partial: ['PARTIAL', 'COMPLETED'],
  failed: ['FAILED'],
};

/**
 * Flags stored state that contradicts the derived status (common issue 6: "0 steps
 * completed but PARTIAL", steps tracked wrongly, a run stuck without a worker). An empty list
 * means the records tell one story.
 */
export function checkConsistency(input: ConsistencyInput): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = [];
  const ids = new Set(input.steps.map((s) => s.id));
  const missing = STEPS.filter((d) => !ids.has(d.id)).map((d) => d.id);
  if (missing.length) problems.push({ code: 'STEP_RECORDS_MISSING', message: `No record for ${missing.join(', ')}` });
  if (input.steps.length > STEPS.length) problems.push({ code: 'STEP_RECORDS_EXTRA', message: `${input.steps.length} step records for ${STEPS.length} steps` });

  const active = input.latestRun !== null && (input.latestRun.status === 'queued' || input.latestRun.status === 'running');
  const running = input.steps.filter((s) => s.status === 'running').map((s) => s.id);
  if (running.length && !active) problems.push({ code: 'STEP_RUNNING_WITHOUT_RUN', message: `${running.join(', ')} marked running but no run is active` });
  if (running.length > 1) problems.push({ code: 'STEPS_RUNNING_AT_ONCE', message: `${running.join(', ')} are running at the same time` });

  if (input.derived === 'PARTIAL') {
    const incomplete: StepId[] = STEPS.filter((d) => d.critical && input.steps.find((s) => s.id === d.id)?.status !== 'completed').map((d) => d.id);
    if (incomplete.length) problems.push({ code: 'PARTIAL_WITHOUT_CRITICAL_STEPS', message: `PARTIAL while critical step(s) ${incomplete.join(', ')} are not completed` });
  }
  const run = input.latestRun;
  if (run && (run.status === 'completed' || run.status === 'partial' || run.status === 'failed') && !STATUSES_AFTER_RUN[run.status].includes(input.derived)) {
    problems.push({ code: 'RUN_OUTCOME_MISMATCH', message: `The latest run ended ${run.status} but the steps say ${input.derived}` });
  }
  if (run?.status === 'running' && run.leaseUntil && run.leaseUntil < input.now) {
    problems.push({ code: 'RUN_LEASE_EXPIRED', message: `The run's lease expired at ${run.leaseUntil.toISOString()}: its worker died; a worker resumes it at its next claim (is any worker running?)` });
  }
  if (input.derived === 'NOT_STARTED' && input.steps.some((s) => s.status !== 'pending')) {
    problems.push({ code: 'STEPS_CHANGED_WITHOUT_RUN', message: 'Steps changed although no run was ever started' });
  }
  return problems;
}
