import { assertRunAllowed, planRun, type RunKind } from '../domain/plan.ts';
import { stepDefinition, type StepId } from '../domain/steps/catalogue.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../domain/steps/step.ts';
import { countryFor } from '../domain/countries.ts';
import { EngineHealthCheckError, ProvisionerError, StepNotSkippableError, RunConflictError, StateChangedError, toProvisionerError } from '../domain/errors.ts';
import { ENGINE_KINDS, type EngineHandle } from '../ports/engine.ts';
import type { EngineRecord, PageKey, RunRecord, TenantRecord } from '../ports/store.ts';
import type { ProvisioningStatus } from '../domain/status.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import { isUniqueViolation } from '../adapters/postgres/database.ts';
import type { Journal } from '../observability/journal.ts';
import { buildStatusView, type StatusView } from './status-view.ts';

export class TenantNotFoundError extends ProvisionerError {
  constructor(id: string) {
    super('TENANT_NOT_FOUND', `Tenant ${id} not found`, 'Check the tenant id (GET /api/tenants lists them).', { httpStatus: 404 });
  }
}

export class EngineNotFoundError extends ProvisionerError {
  constructor(id: string) {
    const kind = (ENGINE_KINDS as readonly string[]).includes(id);
    super(
      'ENGINE_NOT_REGISTERED',
      kind ? `No engine of kind "${id}" is registered` : `Engine "${id}" is not registered`,
      kind ? `Register one with POST /api/engines (kind "${id}"), or name a registered engine (GET /api/engines).` : 'Name a registered engine or an engine kind (erpnext, odoo); GET /api/engines lists the registered engines.',
      { httpStatus: 400 },
    );
  }
}

export class UnknownCountryError extends ProvisionerError {
  constructor(code: string) {
    super('UNKNOWN_COUNTRY', `Unknown country code "${code}"`, 'Use an ISO 3166 alpha-2 code the product knows (KE, UG, TZ, RW, ET, NG, GH, ZA, IN, US, GB).', { httpStatus: 400 });
  }
}

export class TenantNameTakenError extends ProvisionerError {
  constructor(name: string) {
    super('TENANT_NAME_TAKEN', `A tenant named "${name}" already exists on this engine`, 'Each tenant becomes a company named after it: choose another name.', { httpStatus: 409 });
  }
}

export interface CreateTenantInput {
  name: string;
  countryCode: string;
  currency?: string;
  engineId?: string;
  adminEmail?: string | null;
  config?: Partial<RunConfig>;
  autoStart: boolean;
}

/**
 * Tenants one page of the tenants list looks at, at most (never fewer than its limit), however
 * few of them a filter matches: then the page holds fewer tenants, or none, and a next cursor.
 * 2,000: about 0.2 s of status reads at 100,000 tenants (bench:queries), 4 pages of the largest limit; 50 requests walk 100,000.
 */
export const DEFAULT_TENANT_SCAN_LIMIT = 2_000;

/** Which tenants a page of the tenants list is of, and where it starts. */
export interface TenantPageQuery {
  /** The tenants the caller may see; null: every tenant. */
  ids: string[] | null;
  /** Only tenants with this derived status. */
  status?: ProvisioningStatus;
  /** Only tenants whose last verification found drift (true), or did not (false). */
  drifted?: boolean;
  /** The page starts after this tenant; null: at the oldest. */
  after: PageKey | null;
  /** Matching tenants in the page, at most. */
  limit: number;
  /** Tenants looked at, matching or not, at most; at least `limit`. (Default: DEFAULT_TENANT_SCAN_LIMIT) */
  scanLimit?: number;
}

/** A page of the tenants list: the matching tenants with their statuses, and where the next page starts (null: none follows). */
export interface TenantPage {
  rows: Array<{ tenant: TenantRecord; status: StatusView }>;
  next: PageKey | null;
}

/**
 * The operations of product.md §4, shared by the HTTP API and the CLI: it validates the
 * transition against the derived status, plans the run and records it; workers do the rest.
 */
export class ProvisioningService {
  constructor(
    private readonly store: PostgresStore,
    private readonly journal: Journal,
    private readonly engineFor: (record: EngineRecord) => EngineHandle,
    private readonly defaultEngineId: string,
  ) {}

  async tenant(id: string): Promise<TenantRecord> {
    const tenant = await this.store.getTenant(id);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  }

  async status(tenantId: string): Promise<StatusView> {
    const records = await this.store.tenantStatusRecords(tenantId);
    if (!records) throw new TenantNotFoundError(tenantId);
    return buildStatusView(records.tenant, records.steps, records.run, records.drift);
  }

  async statuses(tenants: TenantRecord[]): Promise<StatusView[]> {
    const ids = tenants.map((t) => t.id);
    const { steps, runs, drift } = await this.store.provisioningSnapshot(ids);
    return tenants.map((t) => buildStatusView(t, steps.get(t.id) ?? [], runs.get(t.id) ?? null, drift.get(t.id) ?? null));
  }

  /**
   * A page of the tenants the caller may see, oldest first, with their statuses. The status is
   * derived from the steps, not stored: tenants are read page after page, with their statuses,
   * until `limit` of them match or `scanLimit` were looked at, whichever comes first (a filter
   * that few or no tenants match would otherwise read every tenant's status in one request); the
   * page ends at the last tenant looked at, matching or not, and `next` is null only when no
   * tenant follows it: a page may hold fewer than `limit` tenants, or none, and have a `next`.
   */
  async listTenants(q: TenantPageQuery): Promise<TenantPage> {
    const filter = q.ids === null ? {} : { ids: q.ids };
    const filtered = q.status !== undefined || q.drifted !== undefined;
    const scanLimit = Math.max(q.limit, q.scanLimit ?? DEFAULT_TENANT_SCAN_LIMIT);
    const rows: TenantPage['rows'] = [];
    let after = q.after;
    let more = true;
    let seen = 0;
    while (more && rows.length < q.limit && seen < scanLimit) {
      const size = Math.min(scanLimit - seen, filtered ? Math.max(q.limit, 100) : q.limit);
      const page = await this.store.listTenantsPage(filter, { after, limit: size });
      const statuses = await this.statuses(page.items);
      let looked = 0;
      while (looked < page.items.length && rows.length < q.limit) {
        const s = statuses[looked]!;
        if ((!q.status || s.status === q.status) && (q.drifted === undefined || s.drift.drifted === q.drifted)) rows.push({ tenant: page.items[looked]!, status: s });
        after = page.keys[looked]!;
        looked++;
      }
      seen += looked;
      more = looked < page.items.length || page.more;
    }
    return { rows, next: more ? after : null };
  }

  async requestRun(
    tenantId: string,
    kind: RunKind,
    opts: {
      config?: Partial<RunConfig>;
      fromStep?: StepId | null;
      idempotencyKey?: string | null;
      requestedBy?: string | null;
      /** Only when this is still the tenant's latest run (auto-continue decided on it); else STATE_CHANGED. */
      afterRunId?: string;
      /** The caller has just seen the engine healthy: skip the pre-flight health check. */
      engineChecked?: boolean;
    } = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    const tenant = await this.tenant(tenantId);
    if (opts.idempotencyKey) {
      const prior = await this.store.findRunByIdempotencyKey(tenantId, opts.idempotencyKey);
      if (prior) return { run: prior, created: false };
    }
    // one snapshot decides: the active run (the latest, when queued or running), the status, the plan
    const { steps: stepsOf, runs } = await this.store.provisioningSnapshot([tenantId]);
    const steps = stepsOf.get(tenantId) ?? [];
    const latest = runs.get(tenantId) ?? null;
    if (latest && (latest.status === 'queued' || latest.status === 'running')) throw new RunConflictError(latest.id);
    if (opts.afterRunId !== undefined && latest?.id !== opts.afterRunId) throw new StateChangedError(latest?.id ?? null);
    assertRunAllowed(kind, buildStatusView(tenant, steps, latest).status);
    if (!opts.engineChecked) await this.assertEngineHealthy(tenant, kind);
    const plan = planRun(kind, steps, opts.fromStep ?? null);
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, ...tenant.config, ...stripUndefined(opts.config ?? {}) };
    const result = await this.store.createRun({
      tenantId,
      kind,
      plan,
      config,
      idempotencyKey: opts.idempotencyKey ?? null,
      requestedBy: opts.requestedBy ?? null,
      expectedLatestRunId: latest?.id ?? null,
    });
    if (result.created) {
      await this.journal.record({
        tenantId,
        runId: result.run.id,
        type: 'run_queued',
        level: 'info',
        status: 'IN_PROGRESS',
        message: `${kind} requested${opts.requestedBy ? ` by ${opts.requestedBy}` : ''}: ${plan.length} step(s) from ${plan[0]}`,
      });
    }
    return result;
  }

  /**
   * A run against an engine that is down would only fail at step_0 after its retries: refuse
   * it at once, with the cause, and record nothing but the refusal (common issue 5).
   */
  private async assertEngineHealthy(tenant: TenantRecord, kind: RunKind): Promise<void> {
    const record = await this.store.getEngine(tenant.engineId);
    if (!record) throw new EngineNotFoundError(tenant.engineId);
    try {
      await this.engineFor(record).checkHealth();
    } catch (e) {
      const err = new EngineHealthCheckError(toProvisionerError(e));
      await this.journal.record({
        tenantId: tenant.id,
        type: 'run_refused',
        level: 'warn',
        message: `${kind} refused: ${err.message}; no run was started`,
        code: err.code,
        hint: err.hint,
        error: err.message,
      });
      throw err;
    }
  }

  async skipStep(tenantId: string, stepId: StepId, requestedBy: string | null): Promise<StatusView> {
    await this.tenant(tenantId);
    if (!stepDefinition(stepId).skippable) throw new StepNotSkippableError(stepId);
    const active = await this.store.findActiveRun(tenantId);
    if (active) throw new RunConflictError(active.id);
    if (await this.store.skipStepByOperator(tenantId, stepId)) {
      await this.journal.record({ tenantId, stepId, type: 'step_skipped', level: 'info', status: 'skipped', message: `${stepId} skipped by ${requestedBy ?? 'an operator'}` });
    }
    return this.status(tenantId);
  }

  /**
   * An engine named by its id or by its kind (the replaced system's clients send
   * `"engine": "erpnext"`): an id wins; a kind picks the default engine when it is of that kind,
   * else the first registered engine of the kind.
   */
  async resolveEngine(ref: string): Promise<EngineRecord> {
    const byId = await this.store.getEngine(ref);
    if (byId) return byId;
    if (!(ENGINE_KINDS as readonly string[]).includes(ref)) throw new EngineNotFoundError(ref);
    const ofKind = (await this.store.listEngines()).filter((e) => e.kind === ref);
    const chosen = ofKind.find((e) => e.id === this.defaultEngineId) ?? ofKind[0];
    if (!chosen) throw new EngineNotFoundError(ref);
    return chosen;
  }

  /**
   * Creates the tenant with its 11 pending steps, then starts provisioning unless told not to.
   * When the engine is down the tenant stays NOT_STARTED with a message saying why.
   */
  async createTenant(input: CreateTenantInput, requestedBy: string | null): Promise<{ tenant: TenantRecord; status: StatusView; run: RunRecord | null }> {
    const country = countryFor(input.countryCode);
    if (!country) throw new UnknownCountryError(input.countryCode);
    const engineId = (await this.resolveEngine(input.engineId ?? this.defaultEngineId)).id;
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, ...stripUndefined(input.config ?? {}) };
    let tenant: TenantRecord;
    try {
      tenant = await this.store.createTenant({
        name: input.name.trim(),
        countryCode: input.countryCode.toUpperCase(),
        country: country.country,
        currency: input.currency?.toUpperCase() ?? country.currency,
        engineId,
        adminEmail: input.adminEmail ?? null,
        config,
      });
    } catch (e) {
      if (isUniqueViolation(e, 'tenants_name_per_engine')) throw new TenantNameTakenError(input.name);
      throw e;
    }
    await this.journal.record({ tenantId: tenant.id, type: 'tenant_created', level: 'info', message: `Tenant "${tenant.name}" created${requestedBy ? ` by ${requestedBy}` : ''}` });
    let run: RunRecord | null = null;
    if (input.autoStart) {
      try {
        run = (await this.requestRun(tenant.id, 'start', { config, requestedBy })).run;
      } catch (e) {
        const err = toProvisionerError(e);
        const note = `Provisioning not started: ${err.message}. ${err.hint.replace('"Continue"', '"Start"')}`;
        await this.store.recordRefusedStart(tenant.id, note, err.code);
      }
    }
    return { tenant: (await this.store.getTenant(tenant.id))!, status: await this.status(tenant.id), run };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
