import type { TokenState } from '../../ports/store.ts';
import type { Logger } from '../../observability/logger.ts';
import type { PostgresStore } from './store.ts';
import { ChannelListener } from './channel-listener.ts';

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
  private readonly listener: ChannelListener | null;
  /** Moves on with every notification and every loss of the connection: a read that overlapped one is not kept. */
  private changes = 0;

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
  ) {
    this.listener = o.databaseUrl
      ? new ChannelListener({
          databaseUrl: o.databaseUrl,
          channel: USERS_CHANNEL,
          applicationName: 'provisioner-token-states',
          reconnectMs: o.reconnectMs ?? 1_000,
          logger: o.logger,
          lostMessage: 'token states: LISTEN connection lost; every token check reads the users table until it is back',
          onNotification: (userId) => {
            this.changes++;
            // an empty notice: every user (a truncation)
            if (userId) this.states.delete(userId);
            else this.states.clear();
          },
          // whatever was read before this connection listened may have changed unheard
          onListening: () => this.forget(),
          onLost: () => this.forget(),
        })
      : null;
  }

  /** Listens (resolves once listening or failed; a failure retries in the background). */
  async start(): Promise<void> {
    await this.listener?.start();
  }

  /** Is the cache in use (its LISTEN connection up)? */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  async get(userId: string): Promise<TokenState | undefined> {
    if (this.listening) {
      const kept = this.states.get(userId);
      if (kept) return kept;
    }
    const seen = this.changes;
    const state = (await this.o.store.tokenStates([userId])).get(userId);
    if (state && this.listening && this.changes === seen) {
      if (this.states.size >= (this.o.maxEntries ?? 10_000)) this.states.clear();
      this.states.set(userId, state);
    }
    return state;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.forget();
  }

  /** Nothing kept is trusted any more. */
  private forget(): void {
    this.changes++;
    this.states.clear();
  }
}
