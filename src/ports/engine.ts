import type { ErpnextPort } from './erpnext.ts';
import type { OdooPort } from './odoo.ts';

/**
 * What every engine offers whatever its kind: its kind and a health check. The API, readiness,
 * the pre-flight checks of start/continue/retry and bulk actions need nothing more. What a
 * provisioning step needs is engine-specific: ErpnextPort (ports/erpnext.ts) and OdooPort
 * (ports/odoo.ts), each in its engine's vocabulary (docs/architecture.md, "The engine seam").
 */

/** The kinds of engine Provisioner speaks to. */
export const ENGINE_KINDS = ['erpnext', 'odoo'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/**
 * How long one engine call may take, by kind of operation: a read answers in well under a
 * second, most inserts in one or two, but a Company insert builds the whole chart of accounts,
 * warehouses and cost centres in one request (2.5–6.5 s on a real ERPNext 15 site, erpnext.md §15)
 * and much longer on a loaded site. One global timeout fits none of them.
 */
export interface EngineTimeBudgets {
  /** Reads and health checks. (Default: 15000 ms; env ENGINE_TIMEOUT_MS) */
  readMs: number;
  /** Inserts and updates. (Default: 60000 ms; env ENGINE_WRITE_TIMEOUT_MS) */
  writeMs: number;
  /** The Company insert. (Default: 300000 ms; env ENGINE_COMPANY_TIMEOUT_MS) */
  companyInsertMs: number;
}

export const DEFAULT_ENGINE_TIME_BUDGETS: EngineTimeBudgets = { readMs: 15_000, writeMs: 60_000, companyInsertMs: 300_000 };

export interface EngineHealth {
  reachable: true;
  authenticatedAs: string;
  versions: Record<string, string>;
  latencyMs: number;
  /** Set when this is an earlier check's answer (checkHealth's maxAgeMs): how old it is. */
  ageMs?: number;
}

export interface EngineHandle {
  readonly kind: EngineKind;
  /**
   * Reachable, authenticated, the expected app installed. With `maxAgeMs`, a successful check
   * of this engine made at most that long ago (and no engine error since) may answer instead.
   */
  checkHealth(opts?: { maxAgeMs?: number }): Promise<EngineHealth>;
}

/** An engine adapter: the port of its kind, told apart by `kind`. */
export type Engine = ErpnextPort | OdooPort;
