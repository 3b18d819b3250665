import type { EngineHealth } from '../ports/engine.ts';

/**
 * What one engine's site-wide records were last seen to be, kept by every adapter of that
 * engine in this process (one per run, one per API request) so that hundreds of tenants do not
 * each re-read what none of them owns: the health check (both kinds), and for ERPNext the site
 * prerequisites of step_1 (records that exist; a missing one is never cached) and the Selling and
 * Stock Settings singles. Engine-free: each adapter decides what it keeps. Entries live `ttlMs`;
 * any engine error that could mean the site changed under us (for ERPNext anything but a 404 or a
 * 409, see ErpnextEngine; for Odoo any error, see OdooEngine) drops them all, so the next tenant
 * reads again.
 */
export class SiteCache {
  private health: { value: EngineHealth; at: number } | null = null;
  private readonly present = new Map<string, number>();
  private readonly settings = new Map<string, { doc: Record<string, unknown>; at: number }>();

  constructor(
    /** How long a site-wide record is trusted. (Default: 30000 ms) */
    readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  recordHealth(value: EngineHealth): void {
    this.health = { value, at: this.now() };
  }

  /** The last successful health check, when it is at most `maxAgeMs` old. */
  recentHealth(maxAgeMs: number): (EngineHealth & { ageMs: number }) | null {
    if (!this.health) return null;
    const ageMs = this.now() - this.health.at;
    return ageMs <= Math.min(maxAgeMs, this.ttlMs) ? { ...this.health.value, ageMs } : null;
  }

  /** A site record (by doctype and name, as MariaDB compares: case-insensitive) was seen to exist. */
  recordPresent(doctype: string, name: string): void {
    this.present.set(key(doctype, name), this.now());
  }

  isPresent(doctype: string, name: string): boolean {
    const at = this.present.get(key(doctype, name));
    return at !== undefined && this.now() - at <= this.ttlMs;
  }

  recordSettings(doctype: string, doc: Record<string, unknown>): void {
    this.settings.set(doctype, { doc: { ...doc }, at: this.now() });
  }

  /** A copy of the settings document read (or written) within the TTL. */
  cachedSettings(doctype: string): Record<string, unknown> | null {
    const hit = this.settings.get(doctype);
    return hit && this.now() - hit.at <= this.ttlMs ? { ...hit.doc } : null;
  }

  /** Forgets everything: the site may have changed. */
  drop(): void {
    this.health = null;
    this.present.clear();
    this.settings.clear();
  }
}

const key = (doctype: string, name: string) => `${doctype}\u0000${name.toLowerCase()}`;

/** One SiteCache per engine (by id), for every adapter a process makes. */
export class SiteCaches {
  private readonly caches = new Map<string, SiteCache>();

  constructor(private readonly ttlMs?: number) {}

  for(engineId: string): SiteCache {
    let cache = this.caches.get(engineId);
    if (!cache) {
      cache = new SiteCache(this.ttlMs);
      this.caches.set(engineId, cache);
    }
    return cache;
  }
}
