import type { EnginePort } from '../../ports/engine.ts';
import type { StepId } from './catalogue.ts';
import { StepPreconditionError } from '../errors.ts';

/** How a tenant's workspace is provisioned; fixed per run. */
export interface RunConfig {
  includeDemoData: boolean;
  posStoreEnabled: boolean;
  /** Chart template name, or a country code; null = ERPNext's "Standard" chart. */
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
}

export interface StepContext {
  readonly tenant: TenantProfile;
  readonly config: RunConfig;
  readonly facts: Readonly<EngineFacts>;
  readonly engine: EnginePort;
  /** Records an informational log line for this step attempt. */
  note(message: string): void;
}

export interface StepResult {
  outcome: 'completed' | 'skipped';
  message: string;
  facts?: Partial<EngineFacts>;
}

export interface Step {
  id: StepId;
  /**
   * What the step ensures is also what it declares: run against a DryRunEngine (dry-run.ts), its
   * ensure reads the engine and says what it would write, which is how verify finds drift and
   * plan lists a run's operations.
   */
  run(ctx: StepContext): Promise<StepResult>;
  /**
   * false: what the step makes does not last by design, so verify does not hold it against the
   * tenant (default true).
   */
  lasting?: boolean;
}

/** The company and its abbreviation, which every step after step_2 builds names from. */
export function requireCompany(ctx: StepContext): { company: string; abbr: string } {
  const { company, abbr } = ctx.facts;
  if (!company || !abbr) {
    throw new StepPreconditionError('The tenant has no company in the engine yet', 'step_2_company has not completed: use "Continue" to run it first.');
  }
  return { company, abbr };
}

/** ERPNext's get_name_with_abbr: "<name> - ABBR" (erpnext.md §2). */
export function withAbbr(name: string, abbr: string): string {
  return name.toUpperCase().endsWith(` - ${abbr.toUpperCase()}`) ? name : `${name} - ${abbr}`;
}

/** The inverse of withAbbr: "Main Store - ABC" → "Main Store". */
export function stripAbbr(name: string, abbr: string): string {
  const suffix = ` - ${abbr}`;
  return name.toUpperCase().endsWith(suffix.toUpperCase()) ? name.slice(0, -suffix.length) : name;
}

/** The names a tenant's records get in a shared engine (site-wide names made unique per tenant). */
export const tenantNames = {
  posProfile: (company: string) => `${company} POS`,
  walkInCustomer: (abbr: string) => `Walk-in Customer - ${abbr}`,
  itemCode: (abbr: string, code: string) => `${abbr}-${code}`,
};
