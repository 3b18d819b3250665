import type { EngineKind, EngineHandle } from '../ports/engine.ts';
import type { EngineRecord } from '../ports/store.ts';
import { toProvisionerError } from '../domain/errors.ts';

/** How long one round of engine checks answers readiness. (Default: 5000 ms; env READINESS_CACHE_MS) */
export const DEFAULT_READINESS_CACHE_MS = 5_000;

/** One engine as readiness saw it. `user` and `versions` are for platform admins only. */
export interface EngineReadiness {
  id: string;
  kind: EngineKind;
  /** False for a kind this version cannot check: such an engine does not count for readiness. Every kind of ENGINE_KINDS is supported. */
  supported: boolean;
  reachable: boolean;
  authenticated: boolean;
  latency_ms: number;
  /** The error code of a failed check; never the engine's own words. */
  code?: string;
  hint?: string;
  user?: string;
  versions?: Record<string, string>;
}

export interface EngineReadinessRound {
  engines: EngineReadiness[];
  checkedAt: Date;
}

/** Does this engine keep the service from being ready? Unsupported kinds are reported, not counted. */
export const engineReady = (e: EngineReadiness): boolean => !e.supported || e.authenticated;

/**
 * The engine half of GET /api/ready: every registered engine checked live, but at most once per
 * `ttlMs`, and concurrent requests share the round in flight, so a load balancer (or anyone
 * without a token) polling readiness costs the engines one check each per TTL, not one per request.
 */
export class EngineReadinessCache {
  private last: { round: EngineReadinessRound; at: number } | null = null;
  private inFlight: Promise<EngineReadinessRound> | null = null;

  constructor(
    private readonly opts: {
      listEngines: () => Promise<EngineRecord[]>;
      engineFor: (record: EngineRecord) => EngineHandle;
      ttlMs: number;
      now?: () => number;
    },
  ) {}

  check(): Promise<EngineReadinessRound> {
    const now = this.opts.now ?? Date.now;
    if (this.last && now() - this.last.at < this.opts.ttlMs) return Promise.resolve(this.last.round);
    this.inFlight ??= this.checkAll()
      .then((round) => {
        this.last = { round, at: now() };
        return round;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private async checkAll(): Promise<EngineReadinessRound> {
    const records = await this.opts.listEngines();
    const engines = await Promise.all(records.map((r) => this.checkOne(r)));
    return { engines, checkedAt: new Date() };
  }

  private async checkOne(record: EngineRecord): Promise<EngineReadiness> {
    const base = { id: record.id, kind: record.kind };
    const started = performance.now();
    let engine: EngineHandle;
    try {
      engine = this.opts.engineFor(record);
    } catch (e) {
      // no adapter can be made for the record (an Odoo engine registered without its database, credentials this process cannot decrypt): no call made
      const err = toProvisionerError(e);
      return { ...base, supported: err.code !== 'ENGINE_KIND_UNSUPPORTED', reachable: false, authenticated: false, latency_ms: 0, code: err.code, hint: err.hint };
    }
    try {
      const h = await engine.checkHealth();
      return { ...base, supported: true, reachable: true, authenticated: true, latency_ms: h.latencyMs, user: h.authenticatedAs, versions: h.versions };
    } catch (e) {
      const err = toProvisionerError(e);
      return {
        ...base,
        supported: true,
        reachable: err.code !== 'ENGINE_UNAVAILABLE' && err.code !== 'ENGINE_TIMEOUT' && err.code !== 'ENGINE_URL_FORBIDDEN',
        authenticated: false,
        latency_ms: Math.round(performance.now() - started),
        code: err.code,
        hint: err.hint,
      };
    }
  }
}
