import { assertRunAllowed, planRun, type RunKind } from '../domain/plan.ts';
import type { ProvisioningStatus } from '../domain/status.ts';
import { STEP_IDS, type StepId } from '../domain/steps/catalogue.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig, type TenantProfile } from '../domain/steps/step.ts';
import { driftFindings, inspectSteps, isLasting, planOperations, type DriftFinding, type PlannedOperation } from '../domain/inspection.ts';
import { InvalidTransitionError, ProvisionerError, RunConflictError, StateChangedError } from '../domain/errors.ts';
import type { Engine } from '../ports/engine.ts';
import type { DriftRecord, EngineRecord, RunRecord, StepRecord, TenantRecord } from '../ports/store.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import type { Journal } from '../observability/journal.ts';
import { buildStatusView } from './status-view.ts';
import { EngineNotFoundError, TenantNotFoundError, type ProvisioningService } from './provisioning-service.ts';

/** Heal asked of a tenant whose last verification found no drift. */
export class NotDriftedError extends ProvisionerError {
  constructor(tenantId: string) {
    super('NOT_DRIFTED', `Tenant ${tenantId} has no drift to heal`, 'Verify it first (POST …/verify, provisioner verify ID): heal re-runs the tenant from the first step the verification found broken.', { httpStatus: 409 });
  }
}

export interface Verification {
  tenantId: string;
  drifted: boolean;
  firstStep: StepId | null;
  findings: DriftFinding[];
  verifiedAt: Date;
}

/** requested_by of the verifications the sweep makes. */
export const DRIFT_SWEEP_REQUESTER = 'drift-sweep';

/**
 * Drift check, heal and plan (issue 16 items 2 and 4), shared by the API, the CLI (through the
 * API) and the drift sweep. All three run the steps' own ensures against a DryRunEngine, which
 * reads the engine and holds every write back (domain/inspection.ts): nothing is written to the
 * engine, and what a step would write is exactly what differs.
 */
export class DriftChecks {
  constructor(
    private readonly store: PostgresStore,
    private readonly service: ProvisioningService,
    private readonly journal: Journal,
    private readonly engineFor: (record: EngineRecord) => Engine,
  ) {}

  /**
   * Re-reads a COMPLETED tenant's records and links, records what was found (the drift flag of
   * the status and lists) and answers it. Other statuses are refused: a run in progress with
   * RUN_ACTIVE, the rest with INVALID_TRANSITION (their own status already says what is wrong).
   * Every completed step is checked but those whose records do not last (step_9's session);
   * final validation (step_10) runs too, read-only as it always is, for the links between them.
   */
  async verify(tenantId: string, requestedBy: string | null): Promise<Verification> {
    const { tenant, steps, run } = await this.records(tenantId);
    const status = buildStatusView(tenant, steps, run).status;
    if (status === 'IN_PROGRESS' && run) throw new RunConflictError(run.id);
    if (status !== 'COMPLETED') throw new InvalidTransitionError('verify', status, ['COMPLETED']);
    const completed = new Set(steps.filter((s) => s.status === 'completed').map((s) => s.id));
    const engine = await this.engine(tenant);
    const checked = STEP_IDS.filter((id) => completed.has(id) && isLasting(engine.kind, id));
    const inspections = await inspectSteps(checked, { tenant: profileOf(tenant), config: configOf(tenant), facts: tenant.engineFacts, engine });
    const findings = driftFindings(engine.kind, inspections);
    const firstStep = findings[0]?.step ?? null;
    const by = requestedBy ? ` (${requestedBy})` : '';
    const recorded = await this.store.recordVerification(
      tenantId,
      run?.id ?? null,
      { firstStep, findings },
      {
        drifted: {
          tenantId,
          stepId: firstStep,
          type: 'tenant_drifted',
          level: 'warn',
          status: 'drifted',
          code: 'DRIFT_DETECTED',
          message: `Drift found${by}: ${findings.length} record(s) differ from what the steps ensure, first at ${firstStep}: ${findings[0]?.problem}`,
          hint: `Heal it (provisioner heal ${tenantId}): a retry from ${firstStep} recreates what is missing.`,
        },
        cleared: { tenantId, type: 'tenant_drift_cleared', level: 'info', status: 'verified', message: `No drift any more${by}: the engine has every record the steps ensure` },
      },
    );
    // a run was made while we read: its own end says what is true now
    if (!recorded) throw new StateChangedError((await this.store.findActiveRun(tenantId))?.id ?? null);
    if (recorded.event) this.journal.published(recorded.event);
    return { tenantId, drifted: firstStep !== null, firstStep, findings, verifiedAt: recorded.drift.verifiedAt ?? new Date() };
  }

  /**
   * Heal = Retry from the first broken step that the last verification recorded. Not Continue:
   * continue resumes PARTIAL or FAILED tenants at their first failed or pending step, and a
   * drifted tenant is COMPLETED with every step completed, so there is nothing for it to resume;
   * retry with a step re-runs that step and every one after it, which also re-checks the later
   * records that link to the broken one. One run per tenant holds as for any retry.
   */
  async heal(tenantId: string, opts: { idempotencyKey?: string | null; requestedBy?: string | null } = {}): Promise<{ run: RunRecord; created: boolean; fromStep: StepId }> {
    if (opts.idempotencyKey) {
      const prior = await this.store.findRunByIdempotencyKey(tenantId, opts.idempotencyKey);
      if (prior) return { run: prior, created: false, fromStep: prior.plan[0]! };
    }
    const { drift } = await this.records(tenantId);
    if (!drift?.firstStep) throw new NotDriftedError(tenantId);
    const { run, created } = await this.service.requestRun(tenantId, 'retry', { fromStep: drift.firstStep, idempotencyKey: opts.idempotencyKey, requestedBy: opts.requestedBy });
    return { run, created, fromStep: drift.firstStep };
  }

  /**
   * What a run of `kind` would do now, from reads only (issue 16 item 4): refused as the run
   * itself would be (INVALID_TRANSITION, RUN_ACTIVE), then each planned step inspected in order.
   */
  async plan(tenantId: string, asked: RunKind | null, fromStep: StepId | null = null): Promise<{ kind: RunKind; steps: StepId[]; operations: PlannedOperation[]; problems: DriftFinding[] }> {
    const { tenant, steps, run } = await this.records(tenantId);
    if (run && (run.status === 'queued' || run.status === 'running')) throw new RunConflictError(run.id);
    const status = buildStatusView(tenant, steps, run).status;
    const kind = asked ?? NEXT_RUN[status] ?? 'retry';
    assertRunAllowed(kind, status);
    const planned = planRun(kind, steps, fromStep);
    const inspections = await inspectSteps(planned, { tenant: profileOf(tenant), config: configOf(tenant), facts: kind === 'start' ? {} : tenant.engineFacts, engine: await this.engine(tenant) });
    const problems = inspections.flatMap((i) => i.problems.map((p) => ({ ...p, step: p.step as StepId })));
    return { kind, steps: planned, operations: planOperations(inspections), problems };
  }

  private async records(tenantId: string): Promise<{ tenant: TenantRecord; steps: StepRecord[]; run: RunRecord | null; drift: DriftRecord | null }> {
    const records = await this.store.tenantStatusRecords(tenantId);
    if (!records) throw new TenantNotFoundError(tenantId);
    return records;
  }

  private async engine(tenant: TenantRecord): Promise<Engine> {
    const record = await this.store.getEngine(tenant.engineId);
    if (!record) throw new EngineNotFoundError(tenant.engineId);
    return this.engineFor(record);
  }
}

/** The run a plan is for when none is named: the one the status allows next. */
const NEXT_RUN: Partial<Record<ProvisioningStatus, RunKind>> = { NOT_STARTED: 'start', PARTIAL: 'continue', FAILED: 'continue', COMPLETED: 'retry' };

const profileOf = (t: TenantRecord): TenantProfile => ({ id: t.id, name: t.name, countryCode: t.countryCode, country: t.country, currency: t.currency });
/** The configuration of the tenant's latest start or retry, as a run gets it. */
const configOf = (t: TenantRecord): RunConfig => ({ ...DEFAULT_RUN_CONFIG, ...t.config });
