import pLimit, { type LimitFunction } from 'p-limit';
import type { FleetEngineSlots } from './postgres/engine-slots.ts';

/**
 * At most `limit` requests in flight to one engine, so that hundreds of tenants provisioned at
 * once queue here instead of flooding one ERPNext. With `fleet`, the limit holds across every
 * process sharing the database (and adapts to the engine's answers, see FleetEngineSlots);
 * without it, per process only. Either way this process queues its own calls first, so it never
 * asks PostgreSQL for more slots than the limit.
 */
export class EngineGates {
  private readonly gates = new Map<string, LimitFunction>();
  private readonly lanes = new Map<string, LimitFunction>();

  constructor(
    readonly limit: number,
    private readonly fleet?: FleetEngineSlots,
  ) {}

  /** Runs `fn` when the engine has a free slot. */
  run<T>(engineId: string, fn: () => Promise<T>, kind = ''): Promise<T> {
    let gate = this.gates.get(engineId);
    if (!gate) {
      gate = pLimit(this.limit);
      this.gates.set(engineId, gate);
    }
    const fleet = this.fleet;
    return gate(fleet ? () => fleet.run(engineId, this.limit, kind, fn) : fn);
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
