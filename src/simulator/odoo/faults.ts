/**
 * Fault injection for the Odoo simulator, in the style of the ERPNext simulator's (faults.ts
 * there; docs/simulator.md): one seeded PRNG (mulberry32) for every random choice, one-shot
 * faults (`count`) or rates, matched on a JSON-RPC call's service, model and method.
 *
 *   error      an HTTP `status` (the reverse proxy's page for 502/503/504) or an Odoo `exception`
 *              answered as Odoo does (HTTP 200, error envelope); not applied
 *   timeout    held, never answered, not applied
 *   reset      the connection is reset, not applied
 *   lost       applied, then the connection is dropped
 */
import { z } from 'zod';
import { mulberry32 } from '../erpnext/faults.ts';

export { mulberry32 };

const selector = {
  /** "common" or "object". */
  service: z.enum(['common', 'object']).optional(),
  /** e.g. "res.company" (execute_kw only). */
  model: z.string().min(1).optional(),
  /** The service method ("version", "login") or the model method ("create", "try_loading"). */
  method: z.string().min(1).optional(),
};
export type OdooSelector = { service?: 'common' | 'object'; model?: string; method?: string };

export const ODOO_FAULT_KINDS = ['error', 'timeout', 'reset', 'lost'] as const;
export type OdooFaultKind = (typeof ODOO_FAULT_KINDS)[number];
/** HTTP statuses a rate of errors may answer: what a proxy or an overloaded Odoo gives. */
export const ODOO_RATE_ERROR_STATUSES = [429, 500, 502, 503, 504] as const;

export const odooFaultSpecSchema = z
  .object({
    ...selector,
    kind: z.enum(ODOO_FAULT_KINDS).optional(),
    /** HTTP status of an error fault. */
    status: z.number().int().min(400).max(599).optional(),
    /** An Odoo exception answered with HTTP 200, e.g. {"name": "psycopg2.errors.SerializationFailure", "message": "..."}. */
    exception: z.object({ name: z.string().min(1), message: z.string().optional() }).strict().optional(),
    count: z.number().int().min(1).optional(),
    rate: z.number().min(0).max(1).optional(),
    /** Seconds for a Retry-After header (Default for 429 and 503: 1). */
    retryAfter: z.number().int().min(0).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const kind = f.kind ?? 'error';
    if (kind === 'error' && (f.status === undefined) === (f.exception === undefined)) ctx.addIssue({ code: 'custom', path: ['status'], message: 'an error fault needs a status (400-599) or an exception, not both' });
    if (kind !== 'error' && (f.status !== undefined || f.exception !== undefined || f.retryAfter !== undefined)) ctx.addIssue({ code: 'custom', path: ['kind'], message: `a ${kind} fault takes no status, exception or retryAfter` });
    if (f.count !== undefined && f.rate !== undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give either count (one-shot) or rate, not both' });
  });
export type OdooFaultSpec = z.input<typeof odooFaultSpecSchema>;

export const odooLatencySpecSchema = z
  .object({ ...selector, ms: z.number().int().min(0).max(600_000).optional(), min: z.number().int().min(0).max(600_000).optional(), max: z.number().int().min(0).max(600_000).optional() })
  .strict()
  .superRefine((l, ctx) => {
    const fixed = l.ms !== undefined;
    const range = l.min !== undefined || l.max !== undefined;
    if (fixed === range) ctx.addIssue({ code: 'custom', path: ['ms'], message: 'give either ms, or min and max' });
    if (range && (l.min === undefined || l.max === undefined || l.min > l.max)) ctx.addIssue({ code: 'custom', path: ['max'], message: 'min and max are both needed, min <= max' });
  });
export type OdooLatencySpec = z.input<typeof odooLatencySpecSchema>;

/** What a JSON-RPC call is matched on. */
export interface CallKey {
  service: string;
  method: string;
  model?: string;
}

export type OdooFaultDecision =
  | { kind: 'error'; status?: number; exception?: { name: string; message?: string }; retryAfter?: number }
  | { kind: 'timeout' | 'reset' | 'lost' };

interface Rule {
  selector: OdooSelector;
  kind: OdooFaultKind;
  status?: number;
  exception?: { name: string; message?: string };
  retryAfter?: number;
  remaining?: number;
  rate?: number;
}

interface LatencyRule {
  selector: OdooSelector;
  ms?: number;
  min?: number;
  max?: number;
}

const matches = (s: OdooSelector, k: CallKey) => (!s.service || s.service === k.service) && (!s.model || s.model === k.model) && (!s.method || s.method === k.method);
const specificity = (s: OdooSelector) => Number(!!s.service) + Number(!!s.model) + Number(!!s.method);
const sameSelector = (a: OdooSelector, b: OdooSelector) => a.service === b.service && a.model === b.model && a.method === b.method;
const selectorOf = (s: OdooSelector): OdooSelector => ({ ...(s.service ? { service: s.service } : {}), ...(s.model ? { model: s.model } : {}), ...(s.method ? { method: s.method } : {}) });

export interface OdooFaultState {
  seed: number;
  down: boolean;
  latency: Array<OdooSelector & { ms?: number; min?: number; max?: number }>;
  faults: Array<OdooSelector & { kind: OdooFaultKind; status?: number; exception?: { name: string; message?: string }; retryAfter?: number; rate?: number; remaining?: number }>;
}

export class OdooFaultPlan {
  /** Connections to /jsonrpc are dropped; the control API keeps answering. */
  down = false;
  private seedValue: number;
  private random: () => number;
  private rules: Rule[] = [];
  private latency: LatencyRule[] = [];

  constructor(seed?: number) {
    this.seedValue = seed ?? Math.floor(Math.random() * 0xffff_ffff);
    this.random = mulberry32(this.seedValue);
  }

  get seed(): number {
    return this.seedValue;
  }

  reseed(seed: number = this.seedValue): void {
    this.seedValue = seed;
    this.random = mulberry32(seed);
  }

  /** One-shot faults add up; a rate replaces the rate of the same kind and selector (0 removes it). */
  addFault(input: OdooFaultSpec): void {
    const spec = odooFaultSpecSchema.parse(input);
    const kind = spec.kind ?? 'error';
    const rule: Rule = { selector: selectorOf(spec), kind, status: spec.status, exception: spec.exception, retryAfter: spec.retryAfter };
    if (spec.rate === undefined) {
      this.rules.push({ ...rule, remaining: spec.count ?? 1 });
      return;
    }
    this.rules = this.rules.filter((r) => !(r.rate !== undefined && r.kind === kind && sameSelector(r.selector, rule.selector)));
    if (spec.rate > 0) this.rules.push({ ...rule, rate: spec.rate });
  }

  setLatency(input: OdooLatencySpec): void {
    const spec = odooLatencySpecSchema.parse(input);
    const rule: LatencyRule = { selector: selectorOf(spec), ms: spec.ms, min: spec.min, max: spec.max };
    this.latency = this.latency.filter((l) => !sameSelector(l.selector, rule.selector));
    if (!(rule.ms === 0 && specificity(rule.selector) === 0)) this.latency.push(rule);
  }

  latencyFor(key: CallKey): number {
    let best: LatencyRule | undefined;
    for (const l of this.latency) if (matches(l.selector, key) && (!best || specificity(l.selector) >= specificity(best.selector))) best = l;
    if (!best) return 0;
    if (best.ms !== undefined) return best.ms;
    return best.min! + Math.floor(this.random() * (best.max! - best.min! + 1));
  }

  /** One-shot faults first (in the order added), then each matching rate draws once. */
  decide(key: CallKey): OdooFaultDecision | undefined {
    const i = this.rules.findIndex((r) => r.remaining !== undefined && matches(r.selector, key));
    if (i >= 0) {
      const rule = this.rules[i]!;
      rule.remaining! -= 1;
      if (rule.remaining! <= 0) this.rules.splice(i, 1);
      return decision(rule);
    }
    for (const rule of this.rules) if (rule.rate !== undefined && matches(rule.selector, key) && this.random() < rule.rate) return decision(rule);
    return undefined;
  }

  clear(): void {
    this.rules = [];
    this.latency = [];
    this.down = false;
  }

  describe(): OdooFaultState {
    return {
      seed: this.seedValue,
      down: this.down,
      latency: this.latency.map((l) => ({ ...l.selector, ...(l.ms !== undefined ? { ms: l.ms } : { min: l.min, max: l.max }) })),
      faults: this.rules.map((r) => ({
        ...r.selector,
        kind: r.kind,
        ...(r.status !== undefined ? { status: r.status } : {}),
        ...(r.exception !== undefined ? { exception: r.exception } : {}),
        ...(r.retryAfter !== undefined ? { retryAfter: r.retryAfter } : {}),
        ...(r.rate !== undefined ? { rate: r.rate } : { remaining: r.remaining }),
      })),
    };
  }
}

function decision(rule: Rule): OdooFaultDecision {
  if (rule.kind !== 'error') return { kind: rule.kind };
  const retryAfter = rule.retryAfter ?? (rule.status === 429 || rule.status === 503 ? 1 : undefined);
  return { kind: 'error', status: rule.status, exception: rule.exception, retryAfter };
}
