import { toProvisionerError } from '../domain/errors.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import { DRIFT_SWEEP_REQUESTER, type DriftChecks, type Verification } from '../application/drift-checks.ts';
import type { Logger } from '../observability/logger.ts';

/** Answers that only mean the tenant is not COMPLETED now (a run, a failure): nothing to verify. */
const NOT_NOW = new Set(['RUN_ACTIVE', 'STATE_CHANGED', 'INVALID_TRANSITION', 'TENANT_NOT_FOUND']);

export interface DriftSweepPolicy {
  enabled: boolean;
  /** Each tenant is verified again this long after its last verification. */
  intervalMs: number;
  /** Verifications per minute, across every worker of the fleet. */
  ratePerMinute: number;
}

export const DEFAULT_DRIFT_SWEEP_POLICY: DriftSweepPolicy = { enabled: true, intervalMs: 86_400_000, ratePerMinute: 30 };

export interface DriftSweeperOptions {
  store: PostgresStore;
  checks: DriftChecks;
  logger: Logger;
  policy: DriftSweepPolicy;
  workerId: string;
  /** How long a claim keeps other workers off a tenant; a killed worker's claim expires after it. */
  claimMs: number;
}

/**
 * Verifies every COMPLETED tenant again, one at a time, each `intervalMs` after its last
 * verification (issue 16 item 2). Every worker process sweeps; PostgreSQL decides which tenant
 * each one takes (claimDriftSweep): never one tenant in two sweeps at once, and at most
 * `ratePerMinute` verifications a minute across the fleet. The verifications' reads go through
 * the engines' fleet-wide slots like every engine call, so the engine's concurrency limit holds.
 * Drift is recorded with its event (tenant_drifted: logs, event streams, metrics) by the
 * verification itself.
 */
export class DriftSweeper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;
  private stopped = false;
  /** Time between two claims of this process: the fleet's rate is reachable by one worker alone. */
  private readonly periodMs: number;

  constructor(private readonly opts: DriftSweeperOptions) {
    this.periodMs = Math.max(10, Math.ceil(60_000 / Math.max(1, opts.policy.ratePerMinute)));
  }

  start(): void {
    if (!this.opts.policy.enabled) {
      this.opts.logger.info('drift sweep is off (PROVISIONER_DRIFT_SWEEP=false): tenants are verified only on request');
      return;
    }
    this.stopped = false;
    this.schedule(this.periodMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let next = this.periodMs;
      this.sweeping = this.sweepOne()
        .then((done) => {
          // nothing due: look again later, at most an interval later (a tenant completing now is due then)
          if (done === null) next = Math.max(this.periodMs, Math.min(this.opts.policy.intervalMs, 30_000));
        })
        .catch((e) => this.opts.logger.warn({ err: e }, 'drift sweep: claiming failed (database unavailable?); will sweep again'))
        .finally(() => {
          this.sweeping = null;
          this.schedule(next);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** Claims one due tenant and verifies it; null when none is due (or the fleet's rate is used up). */
  async sweepOne(): Promise<{ tenantId: string; verification: Verification | null } | null> {
    const { store, checks, policy, workerId, claimMs, logger } = this.opts;
    const tenantId = await store.claimDriftSweep(workerId, { intervalMs: policy.intervalMs, ratePerMinute: policy.ratePerMinute, claimMs });
    if (!tenantId) return null;
    try {
      return { tenantId, verification: await checks.verify(tenantId, DRIFT_SWEEP_REQUESTER) };
    } catch (e) {
      const err = toProvisionerError(e);
      if (!NOT_NOW.has(err.code)) logger.warn({ err, tenant_id: tenantId }, 'drift sweep: could not verify the tenant; it is due again at the next interval');
      return { tenantId, verification: null };
    } finally {
      await store.releaseDriftSweep(tenantId, workerId).catch(() => {});
    }
  }
}
