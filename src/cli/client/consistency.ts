import { checkConsistency } from '../../domain/consistency.ts';
import type { StepState } from '../../domain/status.ts';
import type { RunStatus } from '../../ports/store.ts';
import type { StatusView } from './api-types.ts';

export interface Finding {
  code: string;
  message: string;
  /** server: the API's own check (status.consistency); client: what the CLI sees in the status document */
  source: 'server' | 'client';
}

/**
 * Stored state that contradicts the derived status. The API checks its records itself
 * (status.consistency, from src/domain/consistency.ts); here only what the status document
 * itself shows is checked, and the API's checks are repeated only when it has none.
 */
export function findInconsistencies(view: StatusView): Finding[] {
  const server = (view as { consistency?: { problems: Array<{ code: string; message: string }> } }).consistency;
  const found: Finding[] = (server?.problems ?? []).map((p) => ({ ...p, source: 'server' as const }));
  const add = (code: string, message: string) => found.push({ code, message, source: 'client' });
  const completed = view.steps.filter((s) => s.status === 'completed');
  const skipped = view.steps.filter((s) => s.status === 'skipped');

  if ((view.status === 'FAILED' || view.status === 'PARTIAL') && view.errors.length === 0) {
    add('NO_ERROR_RECORDED', `${view.status} but no step records an error (guide, common issue 6): use "Retry All" and check the server log`);
  }
  if (view.status === 'COMPLETED' && view.steps.some((s) => s.status !== 'completed' && !(s.status === 'skipped' && s.skip_reason !== 'failure'))) {
    add('COMPLETED_WITH_UNFINISHED_STEPS', 'COMPLETED while a step is not completed or skipped on purpose');
  }
  if (view.steps_completed !== completed.length) add('COUNT_MISMATCH', `steps_completed is ${view.steps_completed} but ${completed.length} steps are completed`);
  const progress = Math.round((100 * (completed.length + skipped.length)) / view.total_steps);
  if (view.progress !== progress) add('PROGRESS_MISMATCH', `progress is ${view.progress}% but the steps make ${progress}%`);
  const active = view.run !== null && (view.run.status === 'queued' || view.run.status === 'running');
  if (active && view.status !== 'IN_PROGRESS') add('ACTIVE_RUN_NOT_IN_PROGRESS', `run ${view.run!.id} is ${view.run!.status} but the status is ${view.status}`);
  if (view.status === 'IN_PROGRESS' && !active) add('IN_PROGRESS_WITHOUT_RUN', 'IN_PROGRESS but the latest run is not queued or running');

  if (!server) {
    // an API without its own check: run the same one on what the status document shows
    const steps = view.steps.map((st) => ({ id: st.id, status: st.status, skipReason: st.skip_reason })) as StepState[];
    const latestRun = view.run ? { status: view.run.status as RunStatus, leaseUntil: null } : null;
    for (const p of checkConsistency({ derived: view.status, steps, latestRun, now: new Date() })) add(p.code, p.message);
  }
  return found;
}
