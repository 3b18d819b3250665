import { STEPS, STEP_IDS, type StepId } from './steps/catalogue.ts';
import type { ProvisioningStatus, StepState } from './status.ts';
import { InvalidTransitionError } from './errors.ts';

export type RunKind = 'start' | 'continue' | 'retry';

/** Which operations each derived status allows (product.md §4). */
const allowedFrom: Record<RunKind, readonly ProvisioningStatus[]> = {
  start: ['NOT_STARTED'],
  continue: ['PARTIAL', 'FAILED'],
  retry: ['PARTIAL', 'FAILED', 'COMPLETED'],
};

/** May a run of this kind be requested from this status? (The dashboard enables its buttons by it.) */
export function isRunAllowed(kind: RunKind, status: ProvisioningStatus): boolean {
  return allowedFrom[kind].includes(status);
}

export function assertRunAllowed(kind: RunKind, status: ProvisioningStatus): void {
  if (!isRunAllowed(kind, status)) throw new InvalidTransitionError(kind, status, allowedFrom[kind]);
}

/**
 * The steps a new run executes, in order.
 * - start: every step.
 * - continue: every step that is not completed (nor skipped on purpose), from the first
 *   failed or pending one; completed steps are kept. The final validation always re-runs,
 *   because it checks the records the earlier steps left.
 * - retry: every step from `fromStep` (default: the first), completed or not.
 */
export function planRun(kind: RunKind, steps: readonly StepState[], fromStep: StepId | null = null): StepId[] {
  if (kind === 'start') return [...STEP_IDS];
  if (kind === 'retry') return STEP_IDS.slice(fromStep ? STEP_IDS.indexOf(fromStep) : 0);
  const byId = new Map(steps.map((s) => [s.id, s]));
  const unfinished = (id: StepId) => {
    const s = byId.get(id);
    if (!s) return true;
    return !(s.status === 'completed' || (s.status === 'skipped' && s.skipReason !== 'failure'));
  };
  const plan = STEPS.map((d) => d.id).filter(unfinished);
  const last = STEP_IDS[STEP_IDS.length - 1]!;
  if (plan.length > 0 && !plan.includes(last)) plan.push(last);
  return plan;
}
