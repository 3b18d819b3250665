import { decideAutoContinue, type AutoContinuePolicy } from '../domain/auto-continue.ts';
import { toProvisionerError } from '../domain/errors.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import type { ProvisioningService } from '../application/provisioning-service.ts';
import type { EngineHandle } from '../ports/engine.ts';
import type { EngineRecord } from '../ports/store.ts';
import type { Journal } from '../observability/journal.ts';
import type { Logger } from '../observability/logger.ts';

/** requested_by of the runs auto-continue makes: what the logs show, and how the daily limit is counted. */
export const AUTO_CONTINUE_REQUESTER = 'auto-continue';

/** Answers that only mean someone else acted first (an operator, another process's sweep). */
const LOST_RACE = new Set(['RUN_ACTIVE', 'STATE_CHANGED', 'INVALID_TRANSITION']);

export interface AutoContinuerOptions {
  store: PostgresStore;
  service: ProvisioningService;
  journal: Journal;
  engineFor: (record: EngineRecord) => EngineHandle;
  policy: AutoContinuePolicy;
  logger: Logger;
  /** Time between sweeps. (Default: 5000 ms) */
  intervalMs?: number;
  /** Settled tenants looked at per sweep, oldest failure first. (Default: 200) */
  batch?: number;
}

export interface SweepResult {
  continued: string[];
  /** Due tenants whose engine did not answer its health check. */
  waitingForEngine: string[];
}

/**
 * Continues FAILED and PARTIAL tenants whose failure was transient, once their engine answers
 * again (issue 12), and starts those whose automatic start the same causes refused. Every worker process sweeps; the runs table decides who wins: createRun
 * takes the tenant's row lock and refuses a run when the latest is no longer the failed one,
 * so two sweeps (or a sweep and an operator) never make two runs.
 */
export class AutoContinuer {
  private readonly intervalMs: number;
  private readonly batch: number;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly opts: AutoContinuerOptions) {
    this.intervalMs = opts.intervalMs ?? 5_000;
    this.batch = opts.batch ?? 200;
  }

  start(): void {
    if (!this.opts.policy.enabled) {
      this.opts.logger.info('auto-continue is off (PROVISIONER_AUTO_CONTINUE=false): failed tenants wait for an operator');
      return;
    }
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep()
        .catch((e) => this.opts.logger.warn({ err: e }, 'auto-continue: sweep failed (database unavailable?); will sweep again'))
        .finally(() => {
          this.sweeping = null;
          this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One pass over the settled tenants: continue the due ones whose engine is healthy. */
  async sweep(now = new Date()): Promise<SweepResult> {
    const { store, policy, journal } = this.opts;
    const result: SweepResult = { continued: [], waitingForEngine: [] };
    const healthy = new Map<string, Promise<boolean>>();
    for (const settled of await store.settledRuns(this.batch, AUTO_CONTINUE_REQUESTER)) {
      if (this.stopped) break;
      const decision = decideAutoContinue(policy, settled, now);
      if (decision.action === 'exhausted' && !settled.exhaustionNoted) {
        await journal.record({
          tenantId: settled.tenantId,
          runId: settled.runId,
          type: 'auto_continue_exhausted',
          level: 'warn',
          code: settled.cause,
          message: `auto-continue stopped: ${policy.maxPerDay} automatic continue(s) in 24 h, and ${settled.failedStep ?? 'the run'} still fails with ${settled.cause}`,
          hint: 'Check the engine, then use "Continue" (provisioner continue ID).',
        });
      }
      if (decision.action !== 'continue') continue;
      let check = healthy.get(settled.engineId);
      if (!check) {
        check = this.engineHealthy(settled.engineId);
        healthy.set(settled.engineId, check);
      }
      if (!(await check)) {
        result.waitingForEngine.push(settled.tenantId);
        continue;
      }
      try {
        // no run yet: the automatic start was refused at creation, so this one starts it
        const starting = settled.runId === null;
        const { run, created } = starting
          ? await this.opts.service.requestRun(settled.tenantId, 'start', { requestedBy: AUTO_CONTINUE_REQUESTER, engineChecked: true })
          : await this.opts.service.requestRun(settled.tenantId, 'continue', { requestedBy: AUTO_CONTINUE_REQUESTER, afterRunId: settled.runId!, engineChecked: true });
        if (!created) continue;
        result.continued.push(settled.tenantId);
        await journal.record({
          tenantId: settled.tenantId,
          runId: run.id,
          type: 'auto_continue',
          level: 'warn',
          code: settled.cause,
          message: starting
            ? `auto-continue ${decision.attempt}/${policy.maxPerDay}: provisioning was not started (${settled.cause}), and the engine answers again: starting it`
            : `auto-continue ${decision.attempt}/${policy.maxPerDay}: ${settled.failedStep ?? 'the run'} failed with ${settled.cause}, and the engine answers again`,
        });
      } catch (e) {
        const err = toProvisionerError(e);
        if (!LOST_RACE.has(err.code)) this.opts.logger.warn({ err, tenant_id: settled.tenantId }, 'auto-continue: could not continue the tenant; will try at the next sweep');
      }
    }
    return result;
  }

  private async engineHealthy(engineId: string): Promise<boolean> {
    const record = await this.opts.store.getEngine(engineId);
    if (!record) return false;
    try {
      await this.opts.engineFor(record).checkHealth();
      return true;
    } catch {
      return false;
    }
  }
}
