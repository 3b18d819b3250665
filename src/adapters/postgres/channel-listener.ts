import pg from 'pg';
import type { Logger } from '../../observability/logger.ts';

export interface ChannelListenerOptions {
  databaseUrl: string;
  /** A fixed channel name of ours (it goes into the LISTEN statement as an identifier). */
  channel: string;
  /** Its connection's application_name, as pg_stat_activity shows it. */
  applicationName: string;
  /** Wait before listening again after the connection broke or could not be made. */
  reconnectMs: number;
  logger?: Logger;
  /** The warning logged when the connection breaks, e.g. "event feed: LISTEN connection lost; reconnecting (the poll covers the gap)". */
  lostMessage: string;
  onNotification(payload: string): void;
  /** Listening (again): whatever was announced while nobody listened went unheard. */
  onListening?(): void;
  /** The connection that listened is gone; a new one follows unless closed. */
  onLost?(): void;
}

/**
 * LISTEN on one channel over a connection of its own, listened again after the connection drops
 * (database restart, network): the one way our processes hear NOTIFY (runs queued, events,
 * webhook deliveries, users' token states). Each user keeps a fallback for the time it is not
 * listening (a poll, or reading the table), since notices sent meanwhile are lost.
 */
export class ChannelListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ChannelListenerOptions) {}

  /** Is its connection up and listening? */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Resolves once listening, or once the first attempt failed (it retries in the background). */
  start(): Promise<void> {
    return this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: this.o.applicationName });
    let lost = false;
    const onLost = (e?: Error) => {
      if (lost) return;
      lost = true;
      const wasListening = this.client === client;
      if (wasListening) this.client = null;
      client.end().catch(() => {});
      if (this.closed) return;
      if (wasListening) this.o.onLost?.();
      // a connection that never listened (the database is down) is retried quietly
      if (e && wasListening) this.o.logger?.warn({ err: e, channel: this.o.channel }, this.o.lostMessage);
      this.retryTimer = setTimeout(() => void this.listen(), this.o.reconnectMs);
      this.retryTimer.unref();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => this.o.onNotification(n.payload ?? ''));
    try {
      await client.connect();
      await client.query(`listen ${this.o.channel}`);
      if (this.closed || lost) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.o.onListening?.();
    } catch (e) {
      onLost(e as Error);
    }
  }
}
