import type { Engine, EngineTimeBudgets } from '../ports/engine.ts';
import type { EngineRecord } from '../ports/store.ts';
import { ErpnextEngine } from './erpnext/erpnext-engine.ts';
import { OdooEngine } from './odoo/odoo-engine.ts';
import type { EngineCall } from './erpnext/frappe-client.ts';
import { ProvisionerError } from '../domain/errors.ts';
import type { EngineGates } from './engine-gate.ts';
import type { EngineUrlPolicy } from './engine-url-policy.ts';
import type { SiteCaches } from './site-cache.ts';

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
export function createEngine(record: EngineRecord, opts: EngineFactoryOptions): Engine {
  const gates = opts.gates;
  // keyed by the address too: an engine registered again elsewhere is another site
  const siteCache = opts.siteCaches?.for(`${record.id}\u0000${record.baseUrl}\u0000${record.database ?? ''}`);
  const { apiKey, apiSecret } = record.credentials();
  // what every adapter gets: the address, time budgets, call log, URL rules and the engine's slots
  const shared = {
    baseUrl: record.baseUrl,
    budgets: opts.budgets,
    onCall: opts.onCall,
    urlPolicy: opts.urlPolicy,
    gate: gates ? <T>(fn: () => Promise<T>, kind: string) => gates.run(record.id, fn, kind) : undefined,
    serialize: gates ? <T>(lane: string, fn: () => Promise<T>) => gates.serial(record.id, lane, fn) : undefined,
    siteCache,
  };
  if (record.kind === 'erpnext') {
    return new ErpnextEngine({ ...shared, apiKey, apiSecret });
  }
  if (!record.database || !record.login) {
    throw new ProvisionerError('ENGINE_MISCONFIGURED', `Odoo engine "${record.id}" has no database or login`, 'Register it again (POST /api/engines) with its database, login and API key, then use "Continue".', { httpStatus: 400 });
  }
  return new OdooEngine({ ...shared, db: record.database, login: record.login, apiKey });
}
