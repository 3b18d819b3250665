import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import { RUNS_CHANNEL } from '../adapters/postgres/store.ts';
import { ChannelListener } from '../adapters/postgres/channel-listener.ts';
import { executeRun, type RunExecutorDeps } from './run-executor.ts';
import type { RunRecord } from '../ports/store.ts';
import { ConfigError } from '../config.ts';

export interface WorkerOptions extends Omit<RunExecutorDeps, 'workerId'> {
  databaseUrl: string;
  logger: Logger;
  /** Lease of a claimed run; another worker may take the run once it expires. (Default: 30000 ms) */
  leaseMs?: number;
  /** Poll interval when no notification arrives. (Default: 1000 ms) */
  pollMs?: number;
  /**
   * How often an idle worker looks for runs whose worker died (their tenant lock is free while
   * their lease still runs): a SIGKILLed worker's runs resume within about this long, whatever
   * the lease. (Default: 250 ms)
   */
  orphanCheckMs?: number;
  /** Runs executed at the same time by this worker. (Default: 4) */
  concurrency?: number;
  workerId?: string;
}

/**
 * Claims runnable runs and executes them. Woken by LISTEN/NOTIFY when a run is created, and
 * polls as a fallback (a missed notification, a lease that expired). Heartbeats keep each
 * claimed run's lease alive; stop() stops claiming and hands current runs back after their step.
 */
export class Worker {
  readonly workerId: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly orphanCheckMs: number;
  private readonly concurrency: number;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopping = false;
  private wake: (() => void) | null = null;
  private listener: ChannelListener | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: WorkerOptions) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1_000;
    this.orphanCheckMs = opts.orphanCheckMs ?? 250;
    this.concurrency = opts.concurrency ?? 4;
    // each run holds a pooled connection for its tenant lock and needs another for its writes:
    // with no connection left over, every run waits for one that never frees (seen at 12 runs on 10)
    const poolMax = opts.store.pool.options.max ?? 10;
    if (this.concurrency >= poolMax) {
      throw new ConfigError(`A worker running ${this.concurrency} runs at once needs more than ${poolMax} database connections`, `Each run holds one connection for its tenant lock: set DATABASE_POOL_MAX above ${this.concurrency} (${this.concurrency + 4} leaves room for the rest).`);
    }
  }

  start(): void {
    this.listener = new ChannelListener({
      databaseUrl: this.opts.databaseUrl,
      channel: RUNS_CHANNEL,
      applicationName: 'provisioner-worker',
      reconnectMs: this.pollMs * 2,
      logger: this.opts.logger,
      lostMessage: 'provisioning worker: LISTEN connection lost; listening again (claims poll meanwhile)',
      onNotification: () => this.wake?.(),
      // runs queued while not listening
      onListening: () => this.wake?.(),
    });
    void this.listener.start();
    this.loop = this.claimLoop();
    this.opts.logger.info({ worker_id: this.workerId, lease_ms: this.leaseMs, concurrency: this.concurrency }, 'provisioning worker started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    for (const { controller } of this.active.values()) controller.abort();
    await this.loop;
    await Promise.all([...this.active.values()].map((a) => a.done));
    await this.listener?.close();
    this.opts.logger.info({ worker_id: this.workerId }, 'provisioning worker stopped');
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping) {
      let claimed: { run: RunRecord; locked: boolean; client: pg.PoolClient } | null = null;
      if (this.active.size < this.concurrency) {
        try {
          claimed = await this.claim();
        } catch (e) {
          this.opts.logger.warn({ err: e, worker_id: this.workerId }, 'provisioning worker: claim failed (database unavailable?); will retry');
        }
      }
      if (claimed) {
        this.execute(claimed.run, claimed.client, claimed.locked);
        continue;
      }
      // sleep until a notification, the next orphan check, or the moment a lease expires,
      // whichever comes first: a crashed run resumes as soon as it may
      let waitMs = this.pollMs;
      if (this.active.size < this.concurrency) {
        waitMs = Math.min(waitMs, this.orphanCheckMs);
        const expiry = await this.opts.store.msUntilNextLeaseExpiry().catch(() => null);
        if (expiry !== null) waitMs = Math.min(waitMs, expiry + 5);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * Claims a run on the connection that then holds its tenant lock for as long as the run
   * executes (the claim takes the lock in the same statement). A worker whose lease expired but
   * which still runs (a long engine call) keeps the lock, so the next claimant hands the run
   * back instead of running the same tenant twice at once. A killed worker's connection closes
   * and PostgreSQL releases the lock at once: that is how other workers see its runs orphaned.
   */
  private async claim(): Promise<{ run: RunRecord; locked: boolean; client: pg.PoolClient } | null> {
    const client = await this.opts.store.pool.connect();
    let lost: Error | undefined;
    const onError = (e: Error) => (lost = e);
    client.on('error', onError);
    try {
      const claimed = await this.opts.store.claimRun(this.workerId, this.leaseMs, client);
      client.removeListener('error', onError);
      if (!claimed) {
        client.release(lost);
        return null;
      }
      return { ...claimed, client };
    } catch (e) {
      client.removeListener('error', onError);
      // a session lock survives a failed statement: never hand this connection to anyone else
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
  }

  private async withTenantLock(run: RunRecord, client: pg.PoolClient, locked: boolean, controller: AbortController, fn: () => Promise<unknown>): Promise<void> {
    let lost: Error | undefined;
    // the lock lives as long as this connection: if the database drops it, stop after the step
    const onError = (e: Error) => {
      lost = e;
      controller.abort();
    };
    client.on('error', onError);
    try {
      if (!locked) {
        this.opts.logger.warn({ run_id: run.id, tenant_id: run.tenantId, worker_id: this.workerId }, 'provisioning run still held by a previous worker; handing it back');
        await this.opts.store.releaseRun(run.id, this.workerId, this.pollMs);
        return;
      }
      await fn();
    } finally {
      if (locked && !lost) {
        // a connection that still held the lock must not go back to the pool
        const unlocked = await this.opts.store.unlockTenant(run.tenantId, client).catch((e: Error) => ((lost = e), false));
        if (!unlocked) lost ??= new Error('tenant lock was not held at unlock');
      }
      client.removeListener('error', onError);
      client.release(lost);
    }
  }

  private execute(run: RunRecord, client: pg.PoolClient, locked: boolean): void {
    const controller = new AbortController();
    const heartbeat = setInterval(() => {
      this.opts.store.extendLease(run.id, this.workerId, this.leaseMs).then(
        (held) => {
          if (!held) controller.abort();
        },
        () => {},
      );
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    const done = this.withTenantLock(run, client, locked, controller, () => executeRun(run, { ...this.opts, workerId: this.workerId }, controller.signal))
      .catch((e) => this.opts.logger.error({ err: e, run_id: run.id, tenant_id: run.tenantId }, 'provisioning run crashed; its lease will expire and another claim resumes it'))
      .then(() => {
        clearInterval(heartbeat);
        this.active.delete(run.id);
        this.wake?.();
      });
    this.active.set(run.id, { controller, done });
  }
}
