import { InvalidArgumentError } from 'commander';
import type { OdooFaultSpec, OdooLatencySpec } from '../../simulator/odoo/index.ts';
import { onShutdown } from '../shared.ts';

/** What `provisioner simulator --engine odoo` takes from the simulator command's options. */
export interface OdooSimulatorCliOptions {
  port: number;
  host: string;
  db: string;
  login: string;
  apiKey: string;
  seed?: number;
  down?: boolean;
  dataFile?: string;
  /** Selectors parsed the ERPNext way: `doctype` holds "[model] [method]", `method` an HTTP method. */
  latency?: Array<{ method?: unknown; doctype?: string; ms?: number; min?: number; max?: number }>;
  errorRate?: Array<{ method?: unknown; doctype?: string; rate: number }>;
  errorRateStatus: number;
  retryAfter?: number;
  timeoutRate?: Array<{ method?: unknown; doctype?: string; rate: number }>;
  resetRate?: Array<{ method?: unknown; doctype?: string; rate: number }>;
  lostResponseRate?: Array<{ method?: unknown; doctype?: string; rate: number }>;
}

/** Options of the ERPNext simulator that mean nothing for Odoo. */
export const ERPNEXT_ONLY_OPTIONS = ['setup', 'scenario', 'updating', 'companyInsertMs', 'apiSecret'] as const;

/**
 * "res.company create=…" → {model, method}; "create=…" → {method}; "pos.config=…" → {model}.
 * A model name has a dot, a method has none.
 */
function odooSelector(rule: { method?: unknown; doctype?: string }): { model?: string; method?: string } {
  if (rule.method) throw new InvalidArgumentError(`"${String(rule.method)}": Odoo calls are all POST /jsonrpc; select them with "[model] [method]=value", e.g. "res.company create=0.05"`);
  const words = (rule.doctype ?? '').split(/\s+/).filter(Boolean);
  if (words.length > 2) throw new InvalidArgumentError(`"${rule.doctype}": expected "[model] [method]=value"`);
  if (words.length === 2) return { model: words[0], method: words[1] };
  if (words.length === 1) return words[0]!.includes('.') ? { model: words[0] } : { method: words[0] };
  return {};
}

export async function runOdooSimulator(opts: OdooSimulatorCliOptions): Promise<void> {
  const rate = (rules: OdooSimulatorCliOptions['errorRate'], extra: Partial<OdooFaultSpec>): OdooFaultSpec[] => (rules ?? []).map((r) => ({ ...odooSelector(r), rate: r.rate, ...extra }));
  const faults: OdooFaultSpec[] = [
    ...rate(opts.errorRate, { kind: 'error', status: opts.errorRateStatus, ...(opts.retryAfter !== undefined ? { retryAfter: opts.retryAfter } : {}) }),
    ...rate(opts.timeoutRate, { kind: 'timeout' }),
    ...rate(opts.resetRate, { kind: 'reset' }),
    ...rate(opts.lostResponseRate, { kind: 'lost' }),
  ];
  const latency: OdooLatencySpec[] = (opts.latency ?? []).map((l) => ({ ...odooSelector(l), ...(l.ms !== undefined ? { ms: l.ms } : { min: l.min, max: l.max }) }));
  const [{ startOdooSimulator }, { DataFileError }] = await Promise.all([import('../../simulator/odoo/index.ts'), import('../../simulator/persistence.ts')]);
  let sim;
  try {
    sim = await startOdooSimulator({ port: opts.port, host: opts.host, db: opts.db, login: opts.login, apiKey: opts.apiKey, seed: opts.seed, dataFile: opts.dataFile, faults, latency, down: opts.down ?? false });
  } catch (e) {
    if (e instanceof DataFileError) throw new InvalidArgumentError(`--data-file: ${e.message}`);
    throw e;
  }
  const state = sim.sim.faultState();
  process.stdout.write(`Odoo simulator listening on ${sim.url} (JSON-RPC /jsonrpc; database ${sim.db}, login ${sim.login}, API key <${opts.apiKey === 'sim-odoo-key' ? 'sim-odoo-key' : 'given'}>)\n`);
  process.stdout.write(`seed ${state.seed}; ${state.faults.length} fault rule(s), ${state.latency.length} latency rule(s)${state.down ? '; engine DOWN' : ''}${opts.dataFile ? `; data in ${opts.dataFile}` : ''}\n`);
  onShutdown(sim.close);
}
