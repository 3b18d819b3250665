import { createHmac } from 'node:crypto';
import { ChannelListener } from '../adapters/postgres/channel-listener.ts';
import { WEBHOOK_DELIVERIES_CHANNEL, type ClaimedWebhookDelivery, type PostgresStore } from '../adapters/postgres/store.ts';
import { assertEngineUrlAllowed, type EngineUrlPolicy } from '../adapters/engine-url-policy.ts';
import { engineFetch, refusalIn } from '../adapters/engine-fetch.ts';
import { webhookSlot } from '../adapters/engine-secrets.ts';
import { toProvisionerError } from '../domain/errors.ts';
import type { WebhookDeliveryRecord } from '../ports/store.ts';
import type { Logger } from '../observability/logger.ts';

export interface WebhookPolicy {
  enabled: boolean;
  /** How long one POST may take before it counts as failed. */
  timeoutMs: number;
  /** First retry delay; doubled after each failed attempt, up to maxDelayMs, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery not delivered this long after its event is given up. */
  retryForMs: number;
  /**
   * How often an idle deliverer reads the outbox anyway: new deliveries wake it by NOTIFY, and
   * retries due sooner wake it at their time; this covers a notification missed while its
   * LISTEN connection was down.
   */
  pollMs: number;
  /** Delivered and given-up deliveries are deleted this long after they were settled. */
  retentionMs: number;
  /** After a secret change, deliveries are signed with the old secret too for this long (0: not at all). */
  secretOverlapMs: number;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  enabled: true,
  timeoutMs: 10_000,
  retryBaseMs: 10_000,
  retryMaxMs: 3_600_000,
  retryForMs: 86_400_000,
  pollMs: 30_000,
  retentionMs: 14 * 86_400_000,
  secretOverlapMs: 86_400_000,
};

/** Deliveries one claim takes (sent at once). */
const BATCH = 10;
/** Rows one pruning statement deletes: short statements, short locks. */
const PRUNE_BATCH = 500;
/** How often a deliverer prunes the log and drops previous secrets whose overlap ended. */
const HOUSEKEEPING_MS = 60_000;
/** Wait before listening again after the LISTEN connection broke. */
const RELISTEN_MS = 1_000;

/**
 * The signature header of a body sent at unix time `t`: `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
 * one v1 per secret, the current one first (during a rotation's overlap, the previous one after it).
 */
export function webhookSignature(secrets: string | string[], t: number, body: string): string {
  const v1 = (Array.isArray(secrets) ? secrets : [secrets]).map((secret) => `,v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  return `t=${t}${v1.join('')}`;
}

/** The body of a delivery: the same for every attempt (its id lets receivers drop repeats). */
export function webhookBody(d: WebhookDeliveryRecord): string {
  return JSON.stringify({ id: d.id, event: d.event, created_at: d.createdAt.toISOString(), tenant_id: d.tenantId, run_id: d.runId, data: d.data });
}

/** Delay before attempt n+1 after n failed ones: exponential, capped, with half of it random. */
export function retryDelayMs(policy: Pick<WebhookPolicy, 'retryBaseMs' | 'retryMaxMs'>, attempts: number, random = Math.random): number {
  const full = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  // jitter: receivers that were down are not hit by every delivery at the same instant
  return Math.round(full / 2 + (random() * full) / 2);
}

export interface WebhookDelivererOptions {
  store: PostgresStore;
  /** For the LISTEN connection that wakes the deliverer when deliveries are written. */
  databaseUrl: string;
  logger: Logger;
  policy: WebhookPolicy;
  urlPolicy: EngineUrlPolicy;
  workerId: string;
}

/**
 * Sends the outbox's due deliveries (issue 16 item 3), beside each worker: woken by NOTIFY when
 * deliveries are written (LISTEN on its own connection, listened again after it drops), at the
 * time the next retry is due, and every pollMs anyway. Rows are claimed with
 * `for update skip locked` under a lease of twice the timeout, so two deliverers never send one
 * at once, and a killed deliverer's rows are sent by another once the lease ends. Deliveries
 * are at least once: a process killed after the receiver answered and before the row was
 * settled sends it again, with the same id.
 */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** A notification came while a round was running: another round follows at once. */
  private woken = false;
  private stopped = false;
  private listener: ChannelListener | null = null;
  private nextHousekeeping = 0;
  private readonly leaseMs: number;

  constructor(private readonly opts: WebhookDelivererOptions) {
    this.leaseMs = Math.max(1_000, 2 * opts.policy.timeoutMs);
  }

  start(): void {
    if (!this.opts.policy.enabled) {
      this.opts.logger.info('webhook delivery is off in this process (PROVISIONER_WEBHOOKS=false): other workers send the outbox');
      return;
    }
    this.stopped = false;
    this.listener = new ChannelListener({
      databaseUrl: this.opts.databaseUrl,
      channel: WEBHOOK_DELIVERIES_CHANNEL,
      applicationName: 'provisioner-webhooks',
      reconnectMs: RELISTEN_MS,
      logger: this.opts.logger,
      lostMessage: 'webhooks: LISTEN connection lost; listening again (the poll covers the gap)',
      onNotification: () => this.wake(),
      // deliveries written while this process was not listening
      onListening: () => this.wake(),
    });
    void this.listener.start();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.listener?.close();
    this.listener = null;
  }

  /** A round now: at once when idle, right after the current one otherwise. */
  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.woken = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      let next = this.opts.policy.pollMs;
      this.woken = false;
      this.running = this.round()
        .then((due) => {
          next = due;
        })
        .catch((e) => this.opts.logger.warn({ err: e }, 'webhooks: claiming deliveries failed (database unavailable?); will try again'))
        .finally(() => {
          this.running = null;
          this.schedule(this.woken ? 0 : next);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** Sends what is due, keeps house when it is time; answers when to look again (ms). */
  private async round(): Promise<number> {
    const n = await this.deliverDue();
    // a full batch: more may be due now
    if (n >= BATCH) return 0;
    if (Date.now() >= this.nextHousekeeping) {
      this.nextHousekeeping = Date.now() + HOUSEKEEPING_MS;
      await this.keepHouse();
    }
    const dueIn = await this.opts.store.msUntilNextWebhookDelivery();
    // +5: the row is due when the database's clock says so, not a moment before
    return Math.min(this.opts.policy.pollMs, dueIn === null ? Infinity : Math.ceil(dueIn) + 5);
  }

  /** Claims the due deliveries and sends them; answers how many it claimed. */
  async deliverDue(): Promise<number> {
    const claimed = await this.opts.store.claimWebhookDeliveries(this.opts.workerId, BATCH, this.leaseMs);
    await Promise.all(claimed.map((d) => this.deliver(d)));
    return claimed.length;
  }

  /**
   * Deletes settled deliveries past the retention, a batch at a time (several deliverers at once
   * each take other rows), and drops previous secrets whose overlap has ended.
   */
  async keepHouse(): Promise<{ pruned: number; secretsDropped: number }> {
    const { store, policy, logger } = this.opts;
    let pruned = 0;
    for (;;) {
      const n = await store.pruneWebhookDeliveries(policy.retentionMs, PRUNE_BATCH);
      pruned += n;
      if (n < PRUNE_BATCH || this.stopped) break;
    }
    const dropped = await store.dropExpiredWebhookSecrets();
    if (pruned > 0) logger.info({ pruned, retention_ms: policy.retentionMs }, 'webhooks: old deliveries deleted from the log');
    for (const id of dropped) logger.info({ webhook_id: id }, "webhooks: the previous signing secret's overlap ended; deliveries are signed with the current one only");
    return { pruned, secretsDropped: dropped.length };
  }

  private async deliver(d: ClaimedWebhookDelivery): Promise<void> {
    const { store, policy, logger, workerId } = this.opts;
    const outcome = await this.post(d);
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    let retryInMs: number | null = null;
    if (!delivered) {
      retryInMs = retryDelayMs(policy, d.attempts);
      if (Date.now() + retryInMs > d.createdAt.getTime() + policy.retryForMs) retryInMs = null;
    }
    const settled = await store.settleWebhookDelivery(d.id, workerId, { status: outcome.status, error: delivered ? null : outcome.error, delivered, retryInMs }).catch((e) => {
      logger.warn({ err: e, delivery_id: d.id }, 'webhooks: could not record a delivery attempt; it is sent again after its lease');
      return false;
    });
    const fields = { webhook_id: d.webhookId, delivery_id: d.id, event: d.event, tenant_id: d.tenantId ?? undefined, attempt: d.attempts, status: outcome.status ?? undefined };
    if (delivered) logger.info(fields, 'webhook delivered');
    else if (settled && retryInMs === null) logger.warn({ ...fields, error: outcome.error }, 'webhook delivery given up: not delivered within the retry window');
    else logger.info({ ...fields, error: outcome.error, retry_in_ms: retryInMs ?? undefined }, 'webhook delivery failed; will retry');
  }

  /** One POST; the receiver's answer body is not kept (only its status). */
  private async post(d: ClaimedWebhookDelivery): Promise<{ status: number | null; error: string }> {
    try {
      // again at each attempt: the name may point inward now (DNS rebinding)
      await assertEngineUrlAllowed(d.url, this.opts.urlPolicy, { unresolvable: 'refuse' });
    } catch (e) {
      return { status: null, error: toProvisionerError(e).code === 'ENGINE_URL_FORBIDDEN' ? 'URL refused by the URL policy' : 'the host name does not resolve' };
    }
    const secrets: string[] = [];
    try {
      // opened only to sign, and only in this call: the clear secrets are kept nowhere
      secrets.push(this.opts.store.engineSecrets.openIn(webhookSlot(d.webhookId), d.secret));
      if (d.previousSecret !== null) secrets.push(this.opts.store.engineSecrets.openIn(webhookSlot(d.webhookId, 'previous_secret'), d.previousSecret));
    } catch (e) {
      // a failed attempt in the delivery log (retried: the key may be given later), never the secret
      const err = toProvisionerError(e);
      return { status: null, error: `${err.code}: ${err.message}` };
    }
    const body = webhookBody(d);
    const t = Math.floor(Date.now() / 1000);
    try {
      // connects only to addresses the policy accepts as it connects (no DNS rebinding window)
      const res = await engineFetch(d.url, this.opts.urlPolicy)(new URL(d.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Provisioner-Webhooks', 'x-provisioner-delivery': d.id, 'x-provisioner-event': d.event, 'x-provisioner-signature': webhookSignature(secrets, t, body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.policy.timeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      return { status: res.status, error: res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}` };
    } catch (e) {
      const err = e as { name?: string; cause?: { code?: string } };
      if (refusalIn(e)) return { status: null, error: 'URL refused by the URL policy' };
      if (err.name === 'TimeoutError') return { status: null, error: `no answer within ${this.opts.policy.timeoutMs} ms` };
      return { status: null, error: `could not connect (${err.cause?.code ?? 'network error'})` };
    }
  }
}
