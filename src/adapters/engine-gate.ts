import pLimit, { type LimitFunction } from 'p-limit';

/**
 * At most `limit` requests in flight to one engine from this process, so that hundreds of
 * tenants provisioned at once queue here instead of flooding one ERPNext. The limit is per
 * process: K worker processes allow up to K × limit concurrent requests to an engine.
 */
export class EngineGates {
  private readonly gates = new Map<string, LimitFunction>();
  private readonly lanes = new Map<string, LimitFunction>();

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

  /**
   * One at a time per engine and lane: for operations that the engine serializes anyway, where
   * running them side by side only produces lock waits and deadlocks (see ErpnextEngine).
   */
  serial<T>(engineId: string, lane: string, fn: () => Promise<T>): Promise<T> {
    const key = `${engineId}\u0000${lane}`;
    let gate = this.lanes.get(key);
    if (!gate) {
      gate = pLimit(1);
      this.lanes.set(key, gate);
    }
    return gate(fn);
  }

  /** Requests waiting for a slot, by engine (for metrics). */
  pending(): Record<string, number> {
    return Object.fromEntries([...this.gates].map(([id, g]) => [id, g.pendingCount]));
  }
}
