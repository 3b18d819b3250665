import pLimit, { type LimitFunction } from 'p-limit';

/**
 * At most `limit` requests in flight to one engine from this process, so that hundreds of
 * tenants provisioned at once queue here instead of flooding one ERPNext. The limit is per
 * process: K worker processes allow up to K × limit concurrent requests to an engine.
 */
export class EngineGates {
  private readonly gates = new Map<string, LimitFunction>();

  constructor(readonly limit: number) {}

  /** Runs `fn` when the engine has a free slot. */
  run<T>(engineId: string, fn: () => Promise<T>): Promise<T> {
    let gate = this.gates.get(engineId);
    if (!gate) {
      gate = pLimit(this.limit);
      this.gates.set(engineId, gate);
    }
    return gate(fn);
  }

  /** Requests waiting for a slot, by engine (for metrics). */
  pending(): Record<string, number> {
    return Object.fromEntries([...this.gates].map(([id, g]) => [id, g.pendingCount]));
  }
}
