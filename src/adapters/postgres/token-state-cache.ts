import pg from 'pg';
import type { TokenState } from '../../ports/store.ts';
import type { Logger } from '../../observability/logger.ts';
import type { PostgresStore } from './store.ts';

/** Channel on which every change of a user row is announced with the user's id (trigger of 016_read_paths.sql). */
export const USERS_CHANNEL = 'provisioner_users';

/**
 * Users' token states (version, disabled, role) for the token check of every authenticated
 * request, kept in this process only while its LISTEN connection hears of every change of a user
 * row: a change made through any process, the CLI or plain SQL drops the user's entry when its
 * transaction commits, so a revoked token is refused within a notification's delay. Without the
 * connection (not yet up, lost, database restarted) nothing is kept and every check reads the
 * users table, as before; the cache is emptied each time it listens again. Measured by
 * `npm run bench:api`: the check's read was half the statements of GET …/status.
 */
export class TokenStateCache {
  private readonly states = new Map<string, TokenState>();
  private listener: pg.Client | null = null;
  /** Moves on with every notification and every loss of the connection: a read that overlapped one is not kept. */
  private changes = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: {
      store: PostgresStore;
      /** null: no LISTEN connection, every check reads the table. */
      databaseUrl: string | null;
      logger?: Logger;
      /** Wait before listening again after the connection broke. (Default: 1000 ms) */
      reconnectMs?: number;
      /** Users kept at most; past it the cache starts again empty. (Default: 10,000) */
      maxEntries?: number;
    },
  ) {}

  /** Listens (resolves once listening or failed; a failure retries in the background). */
  async start(): Promise<void> {
    await this.listen();
  }

  /** Is the cache in use (its LISTEN connection up)? */
  get listening(): boolean {
    return this.listener !== null;
  }

  async get(userId: string): Promise<TokenState | undefined> {
    if (this.listener) {
      const kept = this.states.get(userId);
      if (kept) return kept;
    }
    const seen = this.changes;
    const state = (await this.o.store.tokenStates([userId])).get(userId);
    if (state && this.listener && this.changes === seen) {
      if (this.states.size >= (this.o.maxEntries ?? 10_000)) this.states.clear();
      this.states.set(userId, state);
    }
    return state;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.listener;
    this.forget();
    await client?.end().catch(() => {});
  }

  /** Nothing kept is trusted any more. */
  private forget(): void {
    this.listener = null;
    this.changes++;
    this.states.clear();
  }

  private async listen(): Promise<void> {
    if (this.closed || !this.o.databaseUrl) return;
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'provisioner-token-states' });
    let lost = false;
    const onLost = (e?: Error) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.forget();
      client.end().catch(() => {});
      if (this.closed) return;
      if (e) this.o.logger?.warn({ err: e }, 'token states: LISTEN connection lost; every token check reads the users table until it is back');
      this.retryTimer = setTimeout(() => void this.listen(), this.o.reconnectMs ?? 1_000);
      this.retryTimer.unref();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      this.changes++;
      // an empty notice: every user (a truncation)
      if (n.payload) this.states.delete(n.payload);
      else this.states.clear();
    });
    try {
      await client.connect();
      await client.query(`listen ${USERS_CHANNEL}`);
      if (this.closed || lost) {
        await client.end().catch(() => {});
        return;
      }
      // whatever was read before this connection listened may have changed unheard
      this.states.clear();
      this.changes++;
      this.listener = client;
    } catch (e) {
      onLost(e as Error);
    }
  }
}
