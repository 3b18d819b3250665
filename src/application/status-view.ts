import { STEPS, TOTAL_STEPS, type StepId } from '../domain/steps/catalogue.ts';
import { deriveStatus, type ProvisioningStatus, type SkipReason, type StepStatus } from '../domain/status.ts';
import { checkConsistency, type ConsistencyProblem } from '../domain/consistency.ts';
import type { RunKind } from '../domain/plan.ts';
import type { DriftRecord, RunRecord, RunStatus, StepRecord, TenantRecord } from '../ports/store.ts';

export interface StepView {
  id: StepId;
  label: string;
  critical: boolean;
  status: StepStatus;
  skip_reason: SkipReason | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  message: string | null;
  error: string | null;
  code: string | null;
  hint: string | null;
}

export interface StatusView {
  tenant_id: string;
  tenant_name: string;
  status: ProvisioningStatus;
  current_step: StepId | null;
  progress: number;
  steps_completed: number;
  total_steps: number;
  errors: Array<{ step: StepId; error: string; code: string | null; hint: string | null }>;
  message: string | null;
  started_at: string | null;
  completed_at: string | null;
  estimated_completion: string | null;
  run: { id: string; kind: RunKind; status: RunStatus; created_at: string } | null;
  engine: { id: string; company: string | null; abbr: string | null; pos_profile: string | null };
  /** What the last verification found in the engine (verify, the drift sweep, a completed run). */
  drift: DriftView;
  /** Stored state that contradicts the derived status; empty when the records agree. */
  consistency: { ok: boolean; problems: ConsistencyProblem[] };
  steps: StepView[];
}

/**
 * The drift flag: whether the engine differed from what the steps ensure when the tenant was
 * last verified. Set by a verification that finds drift; cleared by one that finds none or by a
 * run that completes (its final validation verified the tenant).
 */
export interface DriftView {
  drifted: boolean;
  drifted_at: string | null;
  first_step: StepId | null;
  verified_at: string | null;
  findings: DriftRecord['findings'];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function driftView(drift: DriftRecord | null): DriftView {
  return {
    drifted: drift?.driftedAt != null,
    drifted_at: iso(drift?.driftedAt ?? null),
    first_step: drift?.firstStep ?? null,
    verified_at: iso(drift?.verifiedAt ?? null),
    findings: drift?.findings ?? [],
  };
}

/** A step's typical duration when none has finished yet, for the estimate. */
const DEFAULT_STEP_MS = 1_500;

/** The status answer of product.md §5, from the stored records and the one status function. */
export function buildStatusView(tenant: TenantRecord, steps: StepRecord[], latestRun: RunRecord | null, drift: DriftRecord | null = null, now = new Date()): StatusView {
  const activeRun = latestRun !== null && (latestRun.status === 'queued' || latestRun.status === 'running');
  const states = steps.map((s) => ({ id: s.id, status: s.status, skipReason: s.skipReason }));
  const derived = deriveStatus({ everStarted: latestRun !== null, activeRun, steps: states });
  const problems = checkConsistency({ derived: derived.status, steps: states, latestRun, now });
  const byId = new Map(steps.map((s) => [s.id, s]));
  const views: StepView[] = STEPS.map((d) => {
    const s = byId.get(d.id);
    return {
      id: d.id,
      label: d.label,
      critical: d.critical,
      status: s?.status ?? 'pending',
      skip_reason: s?.skipReason ?? null,
      attempts: s?.attempts ?? 0,
      started_at: iso(s?.startedAt ?? null),
      finished_at: iso(s?.finishedAt ?? null),
      duration_ms: s?.durationMs ?? null,
      message: s?.message ?? null,
      error: s?.status === 'failed' ? s.errorMessage : null,
      code: s?.status === 'failed' ? s.errorCode : null,
      hint: s?.status === 'failed' ? s.errorHint : null,
    };
  });
  const errors = views.filter((v) => v.status === 'failed').map((v) => ({ step: v.id, error: v.error ?? 'failed', code: v.code, hint: v.hint }));

  let estimated: string | null = null;
  if (derived.status === 'IN_PROGRESS') {
    const finished = steps.filter((s) => s.durationMs !== null && s.status === 'completed');
    const avg = finished.length ? finished.reduce((a, s) => a + (s.durationMs ?? 0), 0) / finished.length : DEFAULT_STEP_MS;
    const remaining = latestRun ? latestRun.plan.filter((id) => !['completed', 'skipped', 'failed'].includes(byId.get(id)?.status ?? 'pending')).length : TOTAL_STEPS;
    estimated = new Date(now.getTime() + Math.round(avg * remaining)).toISOString();
  }
  const terminal = derived.status === 'COMPLETED' || derived.status === 'PARTIAL' || derived.status === 'FAILED';
  return {
    tenant_id: tenant.id,
    tenant_name: tenant.name,
    status: derived.status,
    current_step: derived.status === 'COMPLETED' ? null : derived.currentStep,
    progress: derived.progress,
    steps_completed: derived.stepsCompleted,
    total_steps: TOTAL_STEPS,
    errors,
    message: tenant.note,
    started_at: iso(latestRun?.startedAt ?? latestRun?.createdAt ?? null),
    completed_at: terminal ? iso(latestRun?.finishedAt ?? null) : null,
    estimated_completion: estimated,
    run: latestRun ? { id: latestRun.id, kind: latestRun.kind, status: latestRun.status, created_at: latestRun.createdAt.toISOString() } : null,
    engine: { id: tenant.engineId, company: tenant.engineFacts.company ?? null, abbr: tenant.engineFacts.abbr ?? null, pos_profile: tenant.engineFacts.posProfile ?? null },
    drift: driftView(drift),
    consistency: { ok: problems.length === 0, problems },
    steps: views,
  };
}
