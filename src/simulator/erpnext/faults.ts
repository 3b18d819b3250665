/**
 * Fault injection for tests, demos and benchmarks (product.md §8): engine down, injected error
 * statuses, lost responses (applied, then the socket dies), latency. Not a Frappe concept.
 */
import { z } from 'zod';

const httpMethod = z.enum(['GET', 'POST', 'PUT', 'DELETE']);

export const faultSpecSchema = z.object({
  /** Only requests on this doctype (resource routes). */
  doctype: z.string().optional(),
  method: httpMethod.optional(),
  /** Substring of the decoded request path, e.g. "frappe.auth.get_logged_user". */
  path: z.string().optional(),
  status: z.number().int().min(100).max(599),
  /** How many matching requests fail (Default: 1). */
  count: z.number().int().min(1).optional(),
  /** Replaces the Frappe-shaped error body. */
  body: z.record(z.string(), z.unknown()).optional(),
  /** Seconds for a Retry-After header. */
  retryAfter: z.number().min(0).optional(),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export const lostResponseSpecSchema = z.object({
  doctype: z.string().optional(),
  method: httpMethod.optional(),
  path: z.string().optional(),
  /** How many matching requests lose their response (Default: 1). */
  count: z.number().int().min(1).optional(),
});
export type LostResponseSpec = z.infer<typeof lostResponseSpecSchema>;

/** What a request is matched on. */
export interface RequestKey {
  method: string;
  path: string;
  doctype?: string;
}

interface Armed<T> {
  spec: T;
  remaining: number;
}

function matches(spec: { doctype?: string; method?: string; path?: string }, req: RequestKey): boolean {
  if (spec.method && spec.method !== req.method.toUpperCase()) return false;
  if (spec.doctype && spec.doctype.toLowerCase() !== (req.doctype ?? '').toLowerCase()) return false;
  if (spec.path && !req.path.includes(spec.path)) return false;
  return true;
}

export class FaultPlan {
  down = false;
  latencyMs = 0;
  private faults: Armed<FaultSpec>[] = [];
  private lost: Armed<LostResponseSpec>[] = [];

  addFault(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.count ?? 1 });
  }

  addLostResponse(spec: LostResponseSpec): void {
    this.lost.push({ spec, remaining: spec.count ?? 1 });
  }

  /** The first armed fault matching the request, consumed once. */
  takeFault(req: RequestKey): FaultSpec | undefined {
    return take(this.faults, req);
  }

  takeLostResponse(req: RequestKey): boolean {
    return take(this.lost, req) !== undefined;
  }

  clear(): void {
    this.faults = [];
    this.lost = [];
    this.latencyMs = 0;
    this.down = false;
  }

  describe(): { down: boolean; latencyMs: number; faults: Array<FaultSpec & { remaining: number }>; lostResponses: Array<LostResponseSpec & { remaining: number }> } {
    return {
      down: this.down,
      latencyMs: this.latencyMs,
      faults: this.faults.map((f) => ({ ...f.spec, remaining: f.remaining })),
      lostResponses: this.lost.map((f) => ({ ...f.spec, remaining: f.remaining })),
    };
  }
}

function take<T extends { doctype?: string; method?: string; path?: string }>(list: Armed<T>[], req: RequestKey): T | undefined {
  const i = list.findIndex((a) => matches(a.spec, req));
  if (i < 0) return undefined;
  const armed = list[i]!;
  armed.remaining -= 1;
  if (armed.remaining <= 0) list.splice(i, 1);
  return armed.spec;
}
