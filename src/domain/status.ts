import { STEPS, TOTAL_STEPS, stepDefinition, type StepId } from './steps/catalogue.ts';

/** Status of one step for one tenant. */
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

/**
 * Why a step was skipped: by the tenant's configuration (demo data off), by an operator
 * (skip-step), or because a step it needs failed. Only the last one makes a tenant PARTIAL.
 */
export type SkipReason = 'config' | 'operator' | 'failure';

export type ProvisioningStatus = 'NOT_STARTED' | 'IN_PROGRESS' | 'COMPLETED' | 'PARTIAL' | 'FAILED';

export interface StepState {
  id: StepId;
  status: StepStatus;
  skipReason?: SkipReason | null;
}

export interface StatusInput {
  /** Has any run ever been created for the tenant? */
  everStarted: boolean;
  /** Is a run queued or running right now? */
  activeRun: boolean;
  steps: readonly StepState[];
}

export interface DerivedStatus {
  status: ProvisioningStatus;
  stepsCompleted: number;
  progress: number;
  currentStep: StepId | null;
}

function settledByChoice(step: StepState): boolean {
  return step.status === 'completed' || (step.status === 'skipped' && step.skipReason !== 'failure');
}

/**
 * The one status function of product.md §3. Status is never stored: it is derived from the
 * step records, so it cannot disagree with them. PARTIAL requires every critical step to be
 * completed, which makes "PARTIAL with 0 steps completed" (common issue 6) impossible.
 */
export function deriveStatus(input: StatusInput): DerivedStatus {
  const byId = new Map(input.steps.map((s) => [s.id, s]));
  const ordered = STEPS.map((d) => byId.get(d.id) ?? { id: d.id, status: 'pending' as const });
  const stepsCompleted = ordered.filter((s) => s.status === 'completed').length;
  const skipped = ordered.filter((s) => s.status === 'skipped').length;
  const progress = Math.round((100 * (stepsCompleted + skipped)) / TOTAL_STEPS);
  const current =
    ordered.find((s) => s.status === 'running') ??
    ordered.find((s) => s.status === 'failed') ??
    ordered.find((s) => s.status === 'pending');
  const currentStep = current ? current.id : null;

  let status: ProvisioningStatus;
  if (input.activeRun) status = 'IN_PROGRESS';
  else if (!input.everStarted) status = 'NOT_STARTED';
  else if (ordered.every(settledByChoice)) status = 'COMPLETED';
  else if (
    ordered.every((s) => !stepDefinition(s.id).critical || s.status === 'completed') &&
    ordered.every((s) => s.status !== 'pending' && s.status !== 'running')
  )
    status = 'PARTIAL';
  else status = 'FAILED';

  return { status, stepsCompleted, progress, currentStep };
}
