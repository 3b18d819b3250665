import type { RunKind } from '../domain/plan.ts';
import type { ProvisioningStatus } from '../domain/status.ts';
import type { StepId } from '../domain/steps/catalogue.ts';
import { toProvisionerError } from '../domain/errors.ts';
import type { EngineHandle } from '../ports/engine.ts';
import type { EngineRecord, PageKey, TenantRecord } from '../ports/store.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import type { ProvisioningService } from './provisioning-service.ts';
import type { StatusView } from './status-view.ts';

/** The bulk actions: the operator's Continue and Retry, for every tenant a filter matches. */
export type BulkAction = Extract<RunKind, 'continue' | 'retry'>;

/** Which tenants a bulk action is for; every field narrows, none means every tenant. */
export interface BulkFilter {
  status?: ProvisioningStatus;
  engineId?: string;
  /** A step that failed (one of the status's errors) or, for a tenant in progress, its current step. */
  step?: StepId;
  /** An error code among the status's errors (ENGINE_TIMEOUT...). */
  code?: string;
  createdBefore?: Date;
  createdAfter?: Date;
}

export interface BulkOutcome {
  /** The matched tenants, oldest first. */
  tenantIds: string[];
  queued: Array<{ tenantId: string; runId: string }>;
  skipped: Array<{ tenantId: string; reason: string }>;
}

/** Tenants are read this many at a time, with their statuses. */
const PAGE = 500;

function matches(tenant: TenantRecord, status: StatusView, f: BulkFilter): boolean {
  if (f.engineId !== undefined && tenant.engineId !== f.engineId) return false;
  if (f.createdBefore && !(tenant.createdAt < f.createdBefore)) return false;
  if (f.createdAfter && !(tenant.createdAt > f.createdAfter)) return false;
  if (f.status && status.status !== f.status) return false;
  if (f.step && !status.errors.some((e) => e.step === f.step) && status.current_step !== f.step) return false;
  if (f.code && !status.errors.some((e) => e.code === f.code)) return false;
  return true;
}

/**
 * Bulk Continue and Retry (issue 16): the tenants a filter matches, oldest first, and one run
 * requested for each through ProvisioningService.requestRun, the one way runs are made, so one
 * run per tenant and the status rules hold as for a single request. Each engine is checked once,
 * not once per tenant; a tenant whose engine is down is skipped with the cause. The runs are
 * queued, not run here: the workers take them and the fleet's engine slots keep each engine's
 * concurrency cap however many were queued at once.
 */
export class BulkActions {
  constructor(
    private readonly store: PostgresStore,
    private readonly service: ProvisioningService,
    private readonly engineFor: (record: EngineRecord) => EngineHandle,
  ) {}

  /** The ids of the tenants the filter matches now, oldest first. */
  async match(filter: BulkFilter): Promise<string[]> {
    const ids: string[] = [];
    let after: PageKey | null = null;
    for (;;) {
      const page = await this.store.listTenantsPage({}, { after, limit: PAGE });
      const statuses = await this.service.statuses(page.items);
      page.items.forEach((t, i) => matches(t, statuses[i]!, filter) && ids.push(t.id));
      if (!page.more) return ids;
      after = page.keys.at(-1)!;
    }
  }

  async run(action: BulkAction, filter: BulkFilter, requestedBy: string | null): Promise<BulkOutcome> {
    const ids = await this.match(filter);
    const outcome: BulkOutcome = { tenantIds: ids, queued: [], skipped: [] };
    const engineRefusal = new Map<string, string | null>();
    for (const tenantId of ids) {
      try {
        const tenant = await this.service.tenant(tenantId);
        if (!engineRefusal.has(tenant.engineId)) engineRefusal.set(tenant.engineId, await this.engineRefusal(tenant.engineId));
        const refusal = engineRefusal.get(tenant.engineId);
        if (refusal) {
          outcome.skipped.push({ tenantId, reason: refusal });
          continue;
        }
        const { run } = await this.service.requestRun(tenantId, action, { requestedBy, engineChecked: true });
        outcome.queued.push({ tenantId, runId: run.id });
      } catch (e) {
        // the tenant changed since it matched (a run started, it completed...): its error's code says how
        const err = toProvisionerError(e);
        if (err.httpStatus >= 500 && err.code !== 'ENGINE_UNAVAILABLE') throw e;
        outcome.skipped.push({ tenantId, reason: err.code });
      }
    }
    return outcome;
  }

  /** null when the engine answers its health check, else the error code that says why not. */
  private async engineRefusal(engineId: string): Promise<string | null> {
    const record = await this.store.getEngine(engineId);
    if (!record) return 'ENGINE_NOT_REGISTERED';
    try {
      await this.engineFor(record).checkHealth();
      return null;
    } catch (e) {
      return toProvisionerError(e).code;
    }
  }
}
