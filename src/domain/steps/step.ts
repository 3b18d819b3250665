import type { Engine, EngineHandle } from '../../ports/engine.ts';
import type { StepId } from './catalogue.ts';

/**
 * How old a successful health check of the engine may be for this step to take its answer: the
 * start request's pre-flight check (ProvisioningService) ran the same calls a moment ago,
 * and any engine error since then forgets it (SiteCache).
 */
export const RECENT_HEALTH_CHECK_MS = 10_000;

/** How a tenant's workspace is provisioned; fixed per run. */
export interface RunConfig {
  includeDemoData: boolean;
  posStoreEnabled: boolean;
  /** Chart template name, or a country code; null = the engine's standard chart (ERPNext "Standard", Odoo "generic_coa"). */
  countryTemplate: string | null;
  /** Payment methods of the POS profile; the first is the default. */
  paymentMethods: string[];
  /** Continue automatically after a transient failure (src/domain/auto-continue.ts); not a step setting. */
  autoContinue: boolean;
}

export const DEFAULT_RUN_CONFIG: RunConfig = {
  includeDemoData: false,
  posStoreEnabled: true,
  countryTemplate: null,
  paymentMethods: ['Cash', 'M-Pesa'],
  autoContinue: true,
};

export interface TenantProfile {
  id: string;
  name: string;
  countryCode: string;
  country: string;
  currency: string;
}

/** What the steps learned about the tenant's records in the engine; kept on the tenant. */
export interface EngineFacts {
  company?: string;
  abbr?: string;
  chartOfAccounts?: string;
  mainWarehouse?: string;
  posWarehouse?: string | null;
  cashAccount?: string;
  writeOffAccount?: string;
  roundOffAccount?: string;
  costCenter?: string;
  items?: string[];
  customer?: string;
  posProfile?: string;
  posSession?: string;
  engineUser?: string;
  engineVersions?: Record<string, string>;
  verifiedAt?: string;
  /** Odoo only: the ids of the tenant's records (Odoo scopes every call by the company's id). */
  odoo?: OdooFacts;
}

/** The Odoo records of a tenant, by id. */
export interface OdooFacts {
  companyId?: number;
  currencyId?: number;
  countryId?: number | null;
  mainWarehouseId?: number;
  posWarehouseId?: number | null;
  customerId?: number;
  productIds?: number[];
  paymentMethodIds?: number[];
  posConfigId?: number;
  posSessionId?: number;
}

/** A step of one engine kind runs over that kind's port (ports/erpnext.ts, ports/odoo.ts). */
export interface StepContext<E extends EngineHandle = Engine> {
  readonly tenant: TenantProfile;
  readonly config: RunConfig;
  readonly facts: Readonly<EngineFacts>;
  readonly engine: E;
  /** Records an informational log line for this step attempt. */
  note(message: string): void;
}

export interface StepResult {
  outcome: 'completed' | 'skipped';
  message: string;
  facts?: Partial<EngineFacts>;
}

export interface Step<E extends EngineHandle = Engine> {
  id: StepId;
  /**
   * What the step ensures is also what it declares: a step run against its engine kind's dry run
   * (erpnext/dry-run.ts, odoo/dry-run.ts) reads the engine and says what it would write, which is
   * how verify finds drift and plan lists a run's operations.
   */
  run(ctx: StepContext<E>): Promise<StepResult>;
  /**
   * false: what the step makes does not last by design, so verify does not hold it against the
   * tenant (default true).
   */
  lasting?: boolean;
}

