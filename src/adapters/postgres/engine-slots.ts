import pg from 'pg';
import type { Logger } from '../../observability/logger.ts';

/** Channel on which a released engine slot (or a raised limit) is announced: the engine id. */
export const ENGINE_SLOTS_CHANNEL = 'provisioner_engine_slots';

/** Engine errors that mean "too much": the shared limit goes down. */
const OVERLOAD_CODES = new Set(['ENGINE_RATE_LIMITED', 'ENGINE_UNAVAILABLE', 'ENGINE_UPDATING', 'ENGINE_TIMEOUT']);
/** A call this much slower than its usual time (and slower than SLOW_FLOOR_MS) counts as overload. */
const SLOW_FACTOR = 4;
const SLOW_FLOOR_MS = 1_000;
/** Fleet-wide: at most one halving and one step up per engine in this time. */
const ADJUST_EVERY_MS = 1_000;
/** Longest a timed-out call's slot stays taken after the call gave up (as long again as it waited, at most this). */
const TIMED_OUT_HOLD_MAX_MS = 5_000;
/** How long a slot stays this process's after its call, for the next call of this process (see release). */
const LINGER_MS = 5;
/** A notification that names an engine after this raised its limit: every waiter may find a slot ('+' is in no engine id). */
const LIMIT_RAISED = '+';
/** A waiter tries again at least this often when no release is announced (a lost notification, a raised limit). */
const RETRY_MS = 100;

/**
 * One concurrency limit per engine shared by every process of the fleet (issue 12 item 2).
 * Slot s of engine e is the session advisory lock (engine_slot_key(e), s), taken with
 * pg_try_advisory_lock on one connection of this process: PostgreSQL releases it when the call
 * ends or the process dies (its session ends), so a SIGKILLed worker leaks no slot. A release's
 * NOTIFY wakes the longest waiter of each process; waiters retry every RETRY_MS anyway.
 *
 * Why advisory locks rather than a table of slots: a slot costs two round trips on a connection
 * that is already open (take, then release + notify), writes nothing (no row versions, no WAL,
 * no vacuum) and needs no clean-up of a dead process's slots, where a table would need a lease
 * per slot and a sweeper. The price: slots live on one connection per process; if it drops, this
 * process's slots are released while its calls are still in flight, so the engine may briefly
 * see more than the cap (until those calls end); and every process polls while the engine is
 * saturated. Measured per call: docs/operations.md, "Engine concurrency".
 *
 * The adaptive part (AIMD) is the row of onboarding.engine_limits: 429/502/503/504, timeouts
 * and answers SLOW_FACTOR times slower than usual halve the usable slots (at most once a
 * second, fleet-wide); answers that are fine again raise them by one a second, back to the cap.
 * Every process reads the row in the statement that takes a slot, so all follow at once.
 */
export class FleetEngineSlots {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  /**
   * Slots this process holds, by engine. Advisory locks are re-entrant within a session: on the
   * one connection all of this process's calls share, taking a slot it already holds would
   * succeed, so the statement skips them.
   */
  private readonly held = new Map<string, Set<number>>();
  /** The shared limit as this process last read it, by engine. */
  private readonly limits = new Map<string, number>();
  private readonly lastAdjust = new Map<string, number>();
  /** When this process last found no free slot, by engine. */
  private readonly contendedAt = new Map<string, number>();
  /** When this process last read each engine's shared limit. */
  private readonly limitReadAt = new Map<string, number>();
  /** Slots this process still holds after their call ended (see release), by engine. */
  private readonly idle = new Map<string, Array<{ slot: number; timer: NodeJS.Timeout }>>();
  /** Usual duration per kind of call (exponential average), for the "slower than usual" signal. */
  private readonly usual = new Map<string, { ms: number; n: number }>();
  private closed = false;
  /** Takes slots one statement at a time, so that each one knows the slots taken before it. */
  private taking: Promise<unknown> = Promise.resolve();
  /**
   * Every statement on the slots connection, in order. A release is sent without waiting for it,
   * so takes, releases and limit changes overlapped on the one client: pg queued them itself,
   * which it deprecates (a warning in every process; removed in pg 9).
   */
  private lane: Promise<unknown> = Promise.resolve();

  private readonly now: () => number;

  /** `now`: this process's clock for the once-a-second gate (tests move it instead of waiting). */
  constructor(private readonly opts: { databaseUrl: string; logger?: Logger; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs `fn` holding one of the engine's `cap` fleet-wide slots. */
  async run<T>(engineId: string, cap: number, kind: string, fn: () => Promise<T>): Promise<T> {
    const { client, slot } = await this.acquire(engineId, cap);
    const started = performance.now();
    let holdMs = 0;
    try {
      const result = await fn();
      this.observe(engineId, cap, kind, performance.now() - started, null);
      return result;
    } catch (e) {
      const ms = performance.now() - started;
      this.observe(engineId, cap, kind, ms, e);
      // a call we stopped waiting for is still being worked on by the engine: the next caller
      // taking its slot at once made the engine hold one request more than the limit (chaos
      // --load: peak 9 at a cap of 8, none without timeouts). Keep it as long again, bounded.
      if ((e as { code?: string } | null)?.code === 'ENGINE_TIMEOUT') holdMs = Math.min(TIMED_OUT_HOLD_MAX_MS, ms);
      throw e;
    } finally {
      if (holdMs > 0) setTimeout(() => this.release(client, engineId, slot), holdMs).unref();
      else this.release(client, engineId, slot);
    }
  }

  /**
   * A run's engine calls come one after the other, a few milliseconds apart: handing the slot
   * back and taking one again costs two statements on the slots connection per call. A slot
   * stays this process's for LINGER_MS after its call; a call of this process that starts
   * meanwhile takes it with no statement. The engine sees fewer requests, never more.
   */
  private release(client: pg.Client, engineId: string, slot: number): void {
    if (client !== this.client) return; // a lost connection has released it already
    // while calls wait for slots (this process found none free within the last second), an idle
    // slot is one the fleet could use: it lingers only for a call of this process already waiting
    const contended = this.now() - (this.contendedAt.get(engineId) ?? -Infinity) < ADJUST_EVERY_MS;
    if (contended && !this.waiters.get(engineId)?.size) return this.unlock(client, engineId, slot);
    const timer = setTimeout(() => {
      const idle = this.idle.get(engineId);
      const i = idle?.findIndex((x) => x.slot === slot) ?? -1;
      if (i < 0) return;
      idle!.splice(i, 1);
      this.unlock(client, engineId, slot);
    }, LINGER_MS);
    timer.unref();
    const idle = this.idle.get(engineId) ?? [];
    this.idle.set(engineId, idle);
    idle.push({ slot, timer });
    // a call of this process waiting for a slot takes this one
    this.wakeOne(engineId);
  }

  /**
   * One released slot is one slot: it wakes the call that has waited longest here, not every
   * waiting call (each would send its own take, all but one in vain: with the engine saturated
   * that herd made most of the slots connection's statements). The others still retry every
   * RETRY_MS, so a wake spent on a slot another process took first costs at most that.
   */
  private wakeOne(engineId: string): void {
    const first = this.waiters.get(engineId)?.values().next();
    if (first && !first.done) first.value();
  }

  /** The session that held the idle slots is gone (or going): their timers have nothing to release. */
  private dropIdle(): void {
    for (const idle of this.idle.values()) for (const { timer } of idle) clearTimeout(timer);
    this.idle.clear();
  }

  private unlock(client: pg.Client, engineId: string, slot: number): void {
    if (client !== this.client) return;
    this.held.get(engineId)?.delete(slot);
    // one statement: the slot goes back and the waiters hear of it
    this.serial(client, `select pg_advisory_unlock(onboarding.engine_slot_key($1), $2), pg_notify('${ENGINE_SLOTS_CHANNEL}', $1)`, [engineId, slot], 'engine_slot_release').catch(() => {});
  }

  /** A slot this process still holds from a call just ended, if the limit it last read (recently) allows it. */
  private reuse(engineId: string): { client: pg.Client; slot: number } | null {
    const idle = this.idle.get(engineId);
    const client = this.client;
    if (!idle?.length || !client) return null;
    // the shared limit is read by the statement that takes a slot: reuse only while that read is fresh
    if (this.now() - (this.limitReadAt.get(engineId) ?? 0) > ADJUST_EVERY_MS) return null;
    const limit = this.limits.get(engineId) ?? 0;
    const i = idle.findIndex((x) => x.slot < limit);
    if (i < 0) return null;
    const [{ slot, timer }] = idle.splice(i, 1) as [{ slot: number; timer: NodeJS.Timeout }];
    clearTimeout(timer);
    return { client, slot };
  }

  /** The shared limit this process last read for an engine (the cap when it never lowered). */
  limit(engineId: string): number | undefined {
    return this.limits.get(engineId);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.dropIdle();
    await c?.end().catch(() => {});
  }

  /**
   * Sends a statement on the slots connection once the ones before it have answered. `name`: a
   * statement sent for every engine call, prepared once on this connection: PostgreSQL then
   * neither parses nor plans it again (take + release, measured with pgbench -M extended vs
   * -M prepared: 1.75 → 0.51 ms of the server's time). Only for statements whose result columns
   * no migration can change (a prepared `select *` fails once its table gains a column).
   */
  private serial<R extends pg.QueryResultRow>(client: pg.Client, sql: string, params: unknown[], name?: string): Promise<pg.QueryResult<R>> {
    const result = this.lane.then(() => client.query<R>(name ? { name, text: sql, values: params } : { text: sql, values: params }));
    this.lane = result.catch(() => {});
    return result;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.opts.databaseUrl, application_name: 'provisioner-engine-slots' });
      client.on('error', (e) => {
        // PostgreSQL ended the session: every slot it held is free again
        this.opts.logger?.warn({ err: e }, 'engine slots connection lost; reconnecting on the next engine call');
        if (this.client === client) {
          this.client = null;
          this.held.clear();
          this.dropIdle();
        }
        client.end().catch(() => {});
      });
      client.on('notification', (n) => {
        const payload = n.payload ?? '';
        if (payload.startsWith(LIMIT_RAISED)) for (const wake of this.waiters.get(payload.slice(LIMIT_RAISED.length)) ?? []) wake();
        else this.wakeOne(payload);
      });
      try {
        await client.connect();
        await client.query(`listen ${ENGINE_SLOTS_CHANNEL}`);
      } catch (e) {
        await client.end().catch(() => {});
        throw e;
      }
      this.client = client;
      return client;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async acquire(engineId: string, cap: number): Promise<{ client: pg.Client; slot: number }> {
    for (;;) {
      if (this.closed) throw new Error('engine slots closed');
      const kept = this.reuse(engineId);
      if (kept) return kept;
      const attempt = this.taking.then(() => this.tryTake(engineId, cap));
      this.taking = attempt.catch(() => {});
      const taken = await attempt;
      if (taken) return taken;
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(engineId) ?? new Set();
        this.waiters.set(engineId, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          resolve();
        };
        const timer = setTimeout(done, RETRY_MS);
        set.add(done);
      });
    }
  }

  private async tryTake(engineId: string, cap: number): Promise<{ client: pg.Client; slot: number } | null> {
    const client = await this.connection();
    const held = this.held.get(engineId) ?? new Set<number>();
    this.held.set(engineId, held);
    // lazily: LIMIT stops at the first slot whose lock is free, so no other slot is taken. The
    // CASE makes PostgreSQL skip the slots this process holds before it tries their lock: in a
    // plain AND the planner may call the cheaper pg_try_advisory_lock first, which succeeds again
    // on a lock this session holds (re-entrant) and leaks one level of it when the row is dropped
    const { rows } = await this.serial<{ slot: number | null; lim: number }>(
      client,
      `with l as (select least($2::int, coalesce((select current_limit from onboarding.engine_limits where engine_id = $1), $2::int)) as lim)
       select (select s from generate_series(0, l.lim - 1) s
               where case when s = any($3::int[]) then false else pg_try_advisory_lock(onboarding.engine_slot_key($1), s) end
               limit 1) as slot, l.lim from l`,
      [engineId, cap, [...held]],
      'engine_slot_take',
    );
    const { slot, lim } = rows[0]!;
    this.limits.set(engineId, lim);
    this.limitReadAt.set(engineId, this.now());
    if (slot === null) this.contendedAt.set(engineId, this.now());
    // a session that ended meanwhile took its slot with it
    if (slot === null || client !== this.client) return null;
    held.add(slot);
    return { client, slot };
  }

  private observe(engineId: string, cap: number, kind: string, ms: number, error: unknown): void {
    const code = (error as { code?: string } | null)?.code;
    let overload: string | null = code && OVERLOAD_CODES.has(code) ? code : null;
    if (!error) {
      const key = `${engineId}\u0000${kind}`;
      const u = this.usual.get(key);
      if (u && u.n >= 5 && ms > SLOW_FLOOR_MS && ms > SLOW_FACTOR * u.ms) overload = `slow: ${Math.round(ms)} ms, usually ${Math.round(u.ms)} ms`;
      else this.usual.set(key, u ? { ms: u.ms + 0.1 * (ms - u.ms), n: u.n + 1 } : { ms, n: 1 });
    }
    const now = this.now();
    if (now - (this.lastAdjust.get(engineId) ?? 0) < ADJUST_EVERY_MS) return;
    const current = this.limits.get(engineId) ?? cap;
    if (overload) {
      this.lastAdjust.set(engineId, now);
      void this.adjust(
        engineId,
        `insert into onboarding.engine_limits (engine_id, current_limit, reason) values ($1, greatest(1, $2::int / 2), $3)
         on conflict (engine_id) do update set current_limit = greatest(1, least($2::int, engine_limits.current_limit) / 2), reason = $3, changed_at = now()
         where engine_limits.changed_at < now() - make_interval(secs => ${ADJUST_EVERY_MS / 1000})
         returning current_limit`,
        [engineId, cap, overload],
        'engine overloaded: fewer concurrent requests across the fleet',
      );
    } else if (!error && current < cap) {
      this.lastAdjust.set(engineId, now);
      void this.adjust(
        engineId,
        `update onboarding.engine_limits set current_limit = least($2::int, current_limit + 1), reason = 'recovering', changed_at = now()
         where engine_id = $1 and current_limit < $2::int and changed_at < now() - make_interval(secs => ${ADJUST_EVERY_MS / 1000})
         returning current_limit`,
        [engineId, cap],
        'engine answering well again: one more concurrent request across the fleet',
      );
    }
  }

  private async adjust(engineId: string, sql: string, params: unknown[], message: string): Promise<void> {
    try {
      const client = await this.connection();
      const { rows } = await this.serial<{ current_limit: number }>(client, sql, params);
      if (!rows[0]) return; // another process adjusted it within the last second
      this.limits.set(engineId, rows[0].current_limit);
      this.opts.logger?.info({ engine_id: engineId, limit: rows[0].current_limit, reason: params[2] }, message);
      // a raised limit frees slots: tell every waiter (a lowered one needs no news)
      await this.serial(client, `select pg_notify('${ENGINE_SLOTS_CHANNEL}', $1)`, [LIMIT_RAISED + engineId]);
    } catch {
      // the limit is advice: a database hiccup leaves it where it was
    }
  }
}
