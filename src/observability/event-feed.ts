import { ChannelListener } from '../adapters/postgres/channel-listener.ts';
import { EVENTS_CHANNEL, type PostgresStore } from '../adapters/postgres/store.ts';
import type { EventRecord } from '../ports/store.ts';
import type { Logger } from './logger.ts';
import { logEvent } from './journal.ts';

export interface EventFeedOptions {
  store: PostgresStore;
  databaseUrl: string;
  logger: Logger;
  /** Read the events table even when no notification arrives (a missed NOTIFY loses nothing). (Default: 2000 ms) */
  pollMs?: number;
  /** Wait before listening again after the LISTEN connection broke (database restart). (Default: 1000 ms) */
  reconnectMs?: number;
  /**
   * How long a missing event id holds back later events. Ids come from a sequence, so a
   * missing id is either an insert not committed yet (wait for it: events are delivered in id
   * order) or one that rolled back (never comes: stop waiting). (Default: 2000 ms)
   */
  gapTimeoutMs?: number;
}

export interface EventSubscriber {
  /** Tenants whose events to deliver; null = every tenant. */
  tenantIds: string[] | null;
  /** Deliver events with a greater id (a replay of the stored ones first); null = from now on. */
  afterId: number | null;
  onEvent(event: EventRecord): void;
  /** The feed closed (server shutdown). */
  onEnd(): void;
}

export interface EventSubscription {
  unsubscribe(): void;
}

/** Engine calls are kept in the logs (include_engine_calls) but not streamed. */
const STREAMED = (e: EventRecord) => e.type !== 'engine_call';

interface Subscriber extends EventSubscriber {
  tenants: Set<string> | null;
  lastId: number;
  /** Live events that arrived while the stored ones were replayed. */
  buffer: EventRecord[] | null;
}

const PAGE = 500;

/**
 * Every new provisioning event, from any process, to the live views of this process (SSE).
 * One LISTEN connection per process wakes one reader that follows the events table by id
 * and fans the rows out to subscribers; a slow poll covers missed notifications and LISTEN
 * outages. The reader delivers in id order and never past a missing id (an insert not yet
 * committed), so a client that reconnects with the last id it saw gets exactly the rest.
 */
export class EventFeed {
  private readonly store: PostgresStore;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly reconnectMs: number;
  private readonly gapTimeoutMs: number;
  private readonly subscribers = new Set<Subscriber>();
  /** Every event id up to here was delivered (or given up as rolled back). */
  private cursor = 0;
  private ready: Promise<void> | null = null;
  private listener: ChannelListener | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  /** The first missing id and when it was first missed. */
  private gap: { id: number; since: number } | null = null;
  private closed = false;

  constructor(private readonly opts: EventFeedOptions) {
    this.store = opts.store;
    this.logger = opts.logger;
    this.pollMs = opts.pollMs ?? 2_000;
    this.reconnectMs = opts.reconnectMs ?? 1_000;
    this.gapTimeoutMs = opts.gapTimeoutMs ?? 2_000;
  }

  /** Starts following the events table from its newest event. */
  start(): Promise<void> {
    this.ready ??= (async () => {
      this.cursor = await this.store.lastEventId();
      if (this.closed) return;
      this.listener = new ChannelListener({
        databaseUrl: this.opts.databaseUrl,
        channel: EVENTS_CHANNEL,
        applicationName: 'provisioner-event-feed',
        reconnectMs: this.reconnectMs,
        logger: this.logger,
        lostMessage: 'event feed: LISTEN connection lost; reconnecting (the poll covers the gap)',
        onNotification: () => {
          if (this.subscribers.size > 0) this.wake();
        },
        // events committed while not listening
        onListening: () => this.wake(),
      });
      void this.listener.start();
      this.pollTimer = setInterval(() => this.wake(), this.pollMs);
      this.pollTimer.unref();
    })();
    return this.ready;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Replays the stored events after `afterId` up to what the reader has reached, then
   * delivers live ones. Live events arriving during the replay wait in a buffer, so none is
   * lost or delivered twice.
   */
  async subscribe(s: EventSubscriber): Promise<EventSubscription> {
    await this.start();
    // "from now" is the newest stored event, which the reader may not have reached yet
    const now = s.afterId === null ? await this.store.lastEventId() : 0;
    const horizon = this.cursor;
    const sub: Subscriber = { ...s, tenants: s.tenantIds ? new Set(s.tenantIds) : null, lastId: s.afterId ?? Math.max(now, horizon), buffer: [] };
    this.subscribers.add(sub);
    const subscription = { unsubscribe: () => void this.subscribers.delete(sub) };
    try {
      while (sub.lastId < horizon && this.subscribers.has(sub)) {
        const page = await this.store.listEventsBetween({ tenantIds: s.tenantIds, afterId: sub.lastId, upToId: horizon, limit: PAGE });
        for (const e of page) this.deliver(sub, e);
        if (page.length < PAGE) break;
      }
      // the replay read everything up to the horizon: later events come from the reader
      sub.lastId = Math.max(sub.lastId, horizon);
      const buffered = sub.buffer ?? [];
      sub.buffer = null;
      for (const e of buffered) this.deliver(sub, e);
      // the horizon may be up to one poll old when nothing was listening: catch up now
      this.wake();
    } catch (e) {
      subscription.unsubscribe();
      throw e;
    }
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    await this.reading;
    await this.listener?.close();
    this.listener = null;
    for (const sub of this.subscribers) sub.onEnd();
    this.subscribers.clear();
  }

  private deliver(sub: Subscriber, e: EventRecord): void {
    if (e.id <= sub.lastId || !STREAMED(e)) return;
    sub.lastId = e.id;
    sub.onEvent(e);
  }

  private dispatch(e: EventRecord): void {
    if (!STREAMED(e)) return;
    for (const sub of this.subscribers) {
      if (sub.tenants && !sub.tenants.has(e.tenantId)) continue;
      if (sub.buffer) sub.buffer.push(e);
      else this.deliver(sub, e);
    }
  }

  /** Reads now, or once more after the current read. */
  private wake(): void {
    if (this.closed) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readNew().finally(() => {
      this.reading = null;
      if (this.readAgain) {
        this.readAgain = false;
        this.wake();
      }
    });
  }

  private async readNew(): Promise<void> {
    let rows: EventRecord[];
    try {
      rows = await this.store.listEventsBetween({ tenantIds: null, afterId: this.cursor, includeEngineCalls: true, limit: PAGE });
    } catch (e) {
      this.logger.warn({ err: e }, 'event feed: reading new events failed (database unavailable?); will retry');
      return;
    }
    for (const row of rows) {
      const expected = this.cursor + 1;
      if (row.id !== expected) {
        if (this.gap?.id !== expected) this.gap = { id: expected, since: Date.now() };
        if (Date.now() - this.gap.since < this.gapTimeoutMs) {
          // an insert with a smaller id has not committed yet: look again very soon
          this.recheckTimer ??= setTimeout(() => {
            this.recheckTimer = null;
            this.wake();
          }, 25);
          this.recheckTimer.unref();
          return;
        }
        this.logger.debug({ from_id: expected, to_id: row.id - 1 }, 'event feed: event ids never committed (rolled back); skipped');
      }
      this.gap = null;
      this.cursor = row.id;
      this.dispatch(row);
    }
    if (rows.length === PAGE) this.readAgain = true;
  }
}

/**
 * Logs the run events written by workers in other processes, so that the API's own log shows
 * step failures when workers run separately (`docker-compose logs api | grep -i "provisioning\|error\|failed"`,
 * as the guide says). Those lines carry `relayed: true`; the worker's log has the originals.
 */
export function relayRunEvents(feed: EventFeed, logger: Logger): Promise<EventSubscription> {
  return feed.subscribe({
    tenantIds: null,
    afterId: null,
    // run_queued is written by the API process itself
    onEvent: (e) => {
      if (e.runId && e.type !== 'run_queued') logEvent(logger, e, { relayed: true });
    },
    onEnd: () => {},
  });
}
