/**
 * Fault injection for tests, demos and benchmarks (product.md §8; erpnext.md §14.7). Not a Frappe
 * concept. Deterministic: every random choice (error rates, random latency) is drawn from one
 * seeded PRNG, so the same seed and the same sequence of requests give the same faults.
 *
 * Fault kinds, matched on a request's method, doctype and path:
 *   error    answer `status` (Frappe-shaped body, Retry-After for 429/503) without applying it
 *   timeout  hold the request, never answer, never apply it (the client gives up)
 *   reset    reset the connection before applying it
 *   lost     apply it, then drop the connection (the write commits, the answer never arrives)
 * each either one-shot (`count`, consumed) or as a `rate` (probability per matching request).
 */
import { z } from 'zod';
import { RATE_ERROR_STATUSES } from './names.ts';

const httpMethod = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['GET', 'POST', 'PUT', 'DELETE']));

/** Which requests a rule applies to; every criterion given must match. */
const selector = {
  /** Only requests on this doctype (resource routes). */
  doctype: z.string().min(1).optional(),
  method: httpMethod.optional(),
  /** Substring of the decoded request path, e.g. "frappe.auth.get_logged_user". */
  path: z.string().min(1).optional(),
};
export type Selector = { doctype?: string; method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; path?: string };

export const FAULT_KINDS = ['error', 'timeout', 'reset', 'lost'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export { RATE_ERROR_STATUSES } from './names.ts';
/** Retry-After (seconds) of injected 429 and 503 answers unless one is given. */
export const DEFAULT_RETRY_AFTER_S = 1;

export const faultSpecSchema = z
  .object({
    ...selector,
    /** Default: "error". */
    kind: z.enum(FAULT_KINDS).optional(),
    /** HTTP status of an error fault. */
    status: z.number().int().min(400).max(599).optional(),
    /** One-shot: how many matching requests fail (Default: 1 when no rate is given). */
    count: z.number().int().min(1).optional(),
    /** Probability (0..1) that a matching request fails; stays until cleared. */
    rate: z.number().min(0).max(1).optional(),
    /** Replaces the Frappe-shaped error body. */
    body: z.record(z.string(), z.unknown()).optional(),
    /** Seconds for a Retry-After header (Default for 429 and 503: 1). */
    retryAfter: z.number().int().min(0).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const kind = f.kind ?? 'error';
    if (kind === 'error' && f.status === undefined) ctx.addIssue({ code: 'custom', path: ['status'], message: 'an error fault needs a status (400-599)' });
    if (kind !== 'error' && (f.status !== undefined || f.body !== undefined || f.retryAfter !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `a ${kind} fault takes no status, body or retryAfter` });
    }
    if (f.count !== undefined && f.rate !== undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give either count (one-shot) or rate, not both' });
    if (f.rate !== undefined && kind === 'error' && f.status !== undefined && !(RATE_ERROR_STATUSES as readonly number[]).includes(f.status)) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: `a rate of errors answers one of ${RATE_ERROR_STATUSES.join(', ')}` });
    }
  });
export type FaultSpec = z.input<typeof faultSpecSchema>;

export const lostResponseSpecSchema = z
  .object({ ...selector, count: z.number().int().min(1).optional(), rate: z.number().min(0).max(1).optional() })
  .strict()
  .refine((f) => f.count === undefined || f.rate === undefined, { message: 'give either count or rate, not both', path: ['rate'] });
export type LostResponseSpec = z.input<typeof lostResponseSpecSchema>;

export const latencySpecSchema = z
  .object({
    ...selector,
    /** Fixed delay in ms. */
    ms: z.number().int().min(0).max(600_000).optional(),
    /** Random delay, uniform in min..max ms. */
    min: z.number().int().min(0).max(600_000).optional(),
    max: z.number().int().min(0).max(600_000).optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    const fixed = l.ms !== undefined;
    const range = l.min !== undefined || l.max !== undefined;
    if (fixed === range) ctx.addIssue({ code: 'custom', path: ['ms'], message: 'give either ms, or min and max' });
    if (range && (l.min === undefined || l.max === undefined || l.min > l.max)) ctx.addIssue({ code: 'custom', path: ['max'], message: 'min and max are both needed, min <= max' });
  });
export type LatencySpec = z.input<typeof latencySpecSchema>;

export const seedSchema = z.number().int().min(0).max(0xffff_ffff);

/** What a request is matched on. */
export interface RequestKey {
  method: string;
  path: string;
  doctype?: string;
}

/** What to do with a request, decided before it is applied. */
export type FaultDecision =
  | { kind: 'error'; status: number; body?: Record<string, unknown>; retryAfter?: number }
  | { kind: 'timeout' | 'reset' | 'lost' };

interface Rule {
  selector: Selector;
  kind: FaultKind;
  status?: number;
  body?: Record<string, unknown>;
  retryAfter?: number;
  /** One-shot rules: how many are left. */
  remaining?: number;
  rate?: number;
}

interface LatencyRule {
  selector: Selector;
  ms?: number;
  min?: number;
  max?: number;
}

/** mulberry32: a tiny, fast 32-bit PRNG; good enough to spread faults, trivially seedable. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(s: Selector, req: RequestKey): boolean {
  if (s.method && s.method !== req.method.toUpperCase()) return false;
  if (s.doctype && s.doctype.toLowerCase() !== (req.doctype ?? '').toLowerCase()) return false;
  if (s.path && !req.path.includes(s.path)) return false;
  return true;
}

const specificity = (s: Selector) => Number(!!s.doctype) + Number(!!s.method) + Number(!!s.path);
const sameSelector = (a: Selector, b: Selector) =>
  (a.doctype ?? '').toLowerCase() === (b.doctype ?? '').toLowerCase() && (a.method ?? '') === (b.method ?? '') && (a.path ?? '') === (b.path ?? '');
const selectorOf = (s: Selector): Selector => ({
  ...(s.doctype ? { doctype: s.doctype } : {}),
  ...(s.method ? { method: s.method } : {}),
  ...(s.path ? { path: s.path } : {}),
});

export class FaultPlan {
  /** Frappe routes get their socket destroyed (engine down); the control API keeps answering. */
  down = false;
  /** Maintenance mode: every Frappe request answers 503 SessionStopped (bench migrate). */
  updating = false;
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

  /** Restart the random sequence (same seed → same faults for the same requests). */
  reseed(seed: number = this.seedValue): void {
    this.seedValue = seedSchema.parse(seed);
    this.random = mulberry32(this.seedValue);
  }

  /**
   * One-shot faults add up; a rate replaces the rate of the same kind and selector (rate 0
   * removes it), so setting "5% of POST Company" twice does not make it 10%.
   */
  addFault(input: FaultSpec): void {
    const spec = faultSpecSchema.parse(input);
    const kind = spec.kind ?? 'error';
    const rule: Rule = { selector: selectorOf(spec), kind, status: spec.status, body: spec.body, retryAfter: spec.retryAfter };
    if (spec.rate === undefined) {
      this.rules.push({ ...rule, remaining: spec.count ?? 1 });
      return;
    }
    this.rules = this.rules.filter((r) => !(r.rate !== undefined && r.kind === kind && sameSelector(r.selector, rule.selector)));
    if (spec.rate > 0) this.rules.push({ ...rule, rate: spec.rate });
  }

  addLostResponse(input: LostResponseSpec): void {
    const spec = lostResponseSpecSchema.parse(input);
    this.addFault({ ...selectorOf(spec), kind: 'lost', ...(spec.rate !== undefined ? { rate: spec.rate } : { count: spec.count ?? 1 }) });
  }

  /** Replaces the latency of the same selector; `{ms: 0}` removes a fixed delay. */
  setLatency(input: LatencySpec): void {
    const spec = latencySpecSchema.parse(input);
    const rule: LatencyRule = { selector: selectorOf(spec), ms: spec.ms, min: spec.min, max: spec.max };
    this.latency = this.latency.filter((l) => !sameSelector(l.selector, rule.selector));
    if (!(rule.ms === 0 && specificity(rule.selector) === 0)) this.latency.push(rule);
  }

  /** Delay for a request: the most specific matching rule (latest on a tie). */
  latencyFor(req: RequestKey): number {
    let best: LatencyRule | undefined;
    for (const l of this.latency) if (matches(l.selector, req) && (!best || specificity(l.selector) >= specificity(best.selector))) best = l;
    if (!best) return 0;
    if (best.ms !== undefined) return best.ms;
    const min = best.min ?? 0;
    const max = best.max ?? min;
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /**
   * The fault for a request, if any: one-shot faults first (in the order they were added), then
   * each matching rate draws once, in order, the first that fires wins.
   */
  decide(req: RequestKey): FaultDecision | undefined {
    const i = this.rules.findIndex((r) => r.remaining !== undefined && matches(r.selector, req));
    if (i >= 0) {
      const rule = this.rules[i]!;
      rule.remaining! -= 1;
      if (rule.remaining! <= 0) this.rules.splice(i, 1);
      return decision(rule);
    }
    for (const rule of this.rules) {
      if (rule.rate === undefined || !matches(rule.selector, req)) continue;
      if (this.random() < rule.rate) return decision(rule);
    }
    return undefined;
  }

  clear(): void {
    this.rules = [];
    this.latency = [];
    this.down = false;
    this.updating = false;
  }

  describe(): FaultState {
    return {
      seed: this.seedValue,
      down: this.down,
      updating: this.updating,
      latency: this.latency.map((l) => ({ ...l.selector, ...(l.ms !== undefined ? { ms: l.ms } : { min: l.min, max: l.max }) })),
      faults: this.rules.map((r) => ({
        ...r.selector,
        kind: r.kind,
        ...(r.status !== undefined ? { status: r.status } : {}),
        ...(r.retryAfter !== undefined ? { retryAfter: r.retryAfter } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
        ...(r.rate !== undefined ? { rate: r.rate } : { remaining: r.remaining }),
      })),
    };
  }
}

export interface FaultState {
  seed: number;
  down: boolean;
  updating: boolean;
  latency: Array<Selector & { ms?: number; min?: number; max?: number }>;
  faults: Array<Selector & { kind: FaultKind; status?: number; retryAfter?: number; body?: Record<string, unknown>; rate?: number; remaining?: number }>;
}

function decision(rule: Rule): FaultDecision {
  if (rule.kind !== 'error') return { kind: rule.kind };
  const status = rule.status ?? 500;
  const retryAfter = rule.retryAfter ?? (status === 429 || status === 503 ? DEFAULT_RETRY_AFTER_S : undefined);
  return { kind: 'error', status, body: rule.body, retryAfter };
}
