import type { EnginePort, EngineTimeBudgets } from '../ports/engine.ts';
import type { EngineRecord } from '../ports/store.ts';
import { ErpnextEngine } from './erpnext/erpnext-engine.ts';
import type { EngineCall } from './erpnext/frappe-client.ts';
import { ProvisionerError } from '../domain/errors.ts';
import type { EngineGates } from './engine-gate.ts';
import type { EngineUrlPolicy } from './engine-url-policy.ts';
import type { SiteCaches } from './erpnext/site-cache.ts';

export type { EngineCall };

export interface EngineFactoryOptions {
  budgets?: Partial<EngineTimeBudgets>;
  onCall?: (call: EngineCall) => void;
  /** Limits concurrent requests per engine in this process. (Default: no limit) */
  gates?: EngineGates;
  /** Which engine URLs may be called (checked before every request). Required: an engine made without one could be pointed anywhere. */
  urlPolicy: EngineUrlPolicy;
  /** Site-wide records remembered across the adapters of one engine in this process. (Default: none shared) */
  siteCaches?: SiteCaches;
}

/**
 * The adapter for a registered engine. Throws a typed error when its credentials cannot be
 * decrypted (ENGINE_SECRETS_UNREADABLE, ENCRYPTION_KEY_MISSING), as for a kind without an adapter.
 */
export function createEngine(record: EngineRecord, opts: EngineFactoryOptions): EnginePort {
  if (record.kind === 'erpnext') {
    const gates = opts.gates;
    const { apiKey, apiSecret } = record.credentials();
    return new ErpnextEngine({
      baseUrl: record.baseUrl,
      apiKey,
      apiSecret,
      budgets: opts.budgets,
      onCall: opts.onCall,
      urlPolicy: opts.urlPolicy,
      gate: gates ? (fn, kind) => gates.run(record.id, fn, kind) : undefined,
      serialize: gates ? (lane, fn) => gates.serial(record.id, lane, fn) : undefined,
      // keyed by the address too: an engine registered again elsewhere is another site
      siteCache: opts.siteCaches?.for(`${record.id}\u0000${record.baseUrl}`),
    });
  }
  throw new ProvisionerError('ENGINE_KIND_UNSUPPORTED', `Engine kind "${record.kind}" is not supported yet`, 'Register an ERPNext engine; Odoo support is planned.', { httpStatus: 400 });
}
