import type pg from 'pg';

/** An engine's current load as the fleet's engine slots see it (FleetEngineSlots). */
export interface EngineLoad {
  /** Requests to the engine in flight now, from every process of the fleet: the slots held. */
  inFlight: number;
  /** Slots usable now: the cap, or fewer while the engine is overloaded (onboarding.engine_limits). */
  limit: number;
  /** ENGINE_MAX_CONCURRENCY: the most slots there are. */
  max: number;
  /** Why the limit was last changed ("recovering", "ENGINE_RATE_LIMITED"…), null when it never was. */
  reason: string | null;
}

/**
 * The load of each engine, read in one statement. A held slot s of engine e is the granted
 * advisory lock (engine_slot_key(e), s) of this database: pg_locks shows a two-int4 advisory key
 * with objsubid 2 and the first key in classid, an oid, so a negative key appears as its
 * unsigned 32-bit value. (Tenant locks are bigint keys, objsubid 1.)
 */
export async function readEngineLoads(pool: pg.Pool, engineIds: readonly string[], max: number): Promise<Map<string, EngineLoad>> {
  if (engineIds.length === 0) return new Map();
  const { rows } = await pool.query<{ id: string; in_flight: number; current_limit: number | null; reason: string | null }>(
    `select e.id,
            (select count(*)::int from pg_locks l
              where l.locktype = 'advisory' and l.granted and l.objsubid = 2
                and l.database = (select oid from pg_database where datname = current_database())
                and l.classid::bigint = (onboarding.engine_slot_key(e.id)::bigint & 4294967295)) as in_flight,
            el.current_limit, el.reason
       from unnest($1::text[]) as e(id)
       left join onboarding.engine_limits el on el.engine_id = e.id`,
    [engineIds],
  );
  return new Map(rows.map((r) => [r.id, { inFlight: r.in_flight, limit: Math.min(max, r.current_limit ?? max), max, reason: r.reason }]));
}
