/**
 * Generated volume for the query and API benchmarks: tenants with their 11 step rows and a run,
 * and their events, written by SQL (generate_series) in the shape the migrations and the runner
 * give real rows. Tenant n has an id made from md5('volume-tenant-<n>'), so events and steps are
 * generated without a join.
 *
 * Each tenant gets `eventsPerTenant` (≥ 30) events of one run: tenant_created, run_queued,
 * run_started, per step step_started, engine calls and its end (step_completed, step_skipped for
 * the demo items, step_failed at step_8 for 5% of the tenants, at step_9 for 3%), more engine calls
 * of step_10, run_finished. As in a real fleet, tenants are provisioned side by side: the events of
 * 50 tenants at a time are interleaved, so one tenant's events are spread over ~5,000 rows of the
 * heap, not stored next to each other (which would flatter every per-tenant read).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { STEPS } from '../src/domain/steps/catalogue.ts';
import { DEFAULT_RUN_CONFIG } from '../src/domain/steps/step.ts';

/** Tenants provisioned side by side: one tenant's events are spread over this many tenants' rows. */
export const SIDE_BY_SIDE = 50;
/** The generated history spans this many days, ending now. */
const SPAN_DAYS = 30;

/**
 * A version-4-shaped uuid from md5(prefix || n) (the API's schemas accept only those), in SQL; and
 * the same computed here, to pick tenants without asking the database.
 */
const uuid = (prefix: string) => `overlay(overlay(md5('${prefix}' || n) placing '4' from 13) placing '8' from 17)::uuid`;
export const volumeTenantId = (n: number): string => {
  const h = createHash('md5').update(`volume-tenant-${n}`).digest('hex');
  const v4 = `${h.slice(0, 12)}4${h.slice(13, 16)}8${h.slice(17)}`;
  return `${v4.slice(0, 8)}-${v4.slice(8, 12)}-${v4.slice(12, 16)}-${v4.slice(16, 20)}-${v4.slice(20)}`;
};

/**
 * The class of tenant n (n % 100): 0–91 completed, 92–96 failed at step_8 (critical), 97–99
 * partial (step_9 failed).
 */
const CLASS_SQL = `case when n % 100 < 92 then 'completed' when n % 100 < 97 then 'failed' else 'partial' end`;

export interface VolumeOptions {
  tenants: number;
  eventsPerTenant: number;
  engineId: string;
  /** Called after each chunk of events with the events written so far. */
  progress?: (eventsWritten: number) => void;
}

/**
 * Writes tenants 0..tenants-1 (with steps and a run each), then their events, in chunks of about
 * 500,000 rows (no single huge transaction), then VACUUM ANALYZE (what autovacuum would have done
 * by the time a table is this big: visibility map and statistics).
 */
export async function generateVolume(pool: pg.Pool, o: VolumeOptions): Promise<void> {
  if (o.tenants % SIDE_BY_SIDE !== 0) throw new Error(`tenants must be a multiple of ${SIDE_BY_SIDE}`);
  if (o.eventsPerTenant < 30) throw new Error('eventsPerTenant must be at least 30');
  const E = o.eventsPerTenant;
  const totalEvents = o.tenants * E;
  // the time of the ord-th event of the whole history (ord in insertion order)
  const at = (ord: string) => `(now() - interval '${SPAN_DAYS} days' + (${ord})::float8 * (interval '${SPAN_DAYS} days' / ${totalEvents}))`;
  // ordinal of tenant n's s-th event: groups of SIDE_BY_SIDE tenants, interleaved within a group
  const ordOf = (n: string, s: string) => `((${n} / ${SIDE_BY_SIDE})::bigint * ${E * SIDE_BY_SIDE} + (${s}) * ${SIDE_BY_SIDE} + ${n} % ${SIDE_BY_SIDE})`;
  const stepIds = STEPS.map((s) => s.id);
  const config = JSON.stringify(DEFAULT_RUN_CONFIG);

  for (let from = 0; from < o.tenants; from += 10_000) {
    const to = Math.min(o.tenants, from + 10_000);
    await pool.query(
      `insert into onboarding.tenants (id, name, country_code, country, currency, engine_id, admin_email, config, engine_facts, created_at)
       select ${uuid('volume-tenant-')}, 'Volume Tenant ' || lpad(n::text, 7, '0'), 'KE', 'Kenya', 'KES', $3, 'admin' || n || '@volume.example', $4::jsonb,
         jsonb_build_object('company', 'Volume Tenant ' || lpad(n::text, 7, '0'), 'abbr', 'VT' || n, 'mainWarehouse', 'Main Store - VT' || n,
           'posProfile', 'Volume Tenant ' || lpad(n::text, 7, '0') || ' POS', 'customer', 'Walk-in Customer - VT' || n),
         ${at(ordOf('n', '0'))}
       from generate_series($1::int, $2::int - 1) n`,
      [from, to, o.engineId, config],
    );
    await pool.query(
      `insert into onboarding.provisioning_runs (id, tenant_id, kind, status, plan, config, requested_by, created_at, started_at, finished_at)
       select ${uuid('volume-run-')}, ${uuid('volume-tenant-')}, 'start', ${CLASS_SQL}, $3::text[], $4::jsonb, 'admin@moran.com',
         ${at(ordOf('n', '1'))}, ${at(ordOf('n', '2'))}, ${at(ordOf('n', `${E - 1}`))}
       from generate_series($1::int, $2::int - 1) n`,
      [from, to, stepIds, config],
    );
    // step j's events are the block of (E - 4) / 11 events after run_started
    const block = Math.floor((E - 4) / 11);
    await pool.query(
      `insert into onboarding.provisioning_steps (tenant_id, step_id, ordinal, status, skip_reason, attempts, run_id, started_at, finished_at, duration_ms, message, error_code, error_message, error_hint, updated_at)
       select ${uuid('volume-tenant-')}, st.id, st.ordinal, x.status,
         case when x.status = 'skipped' then 'config' end, case when x.status = 'pending' then 0 else 1 end,
         case when x.status <> 'pending' then ${uuid('volume-run-')} end,
         case when x.status <> 'pending' then ${at(ordOf('n', `3 + jj.j * ${block}`))} end,
         case when x.status in ('completed', 'failed', 'skipped') then ${at(ordOf('n', `3 + jj.j * ${block} + ${block - 1}`))} end,
         case when x.status in ('completed', 'failed', 'skipped') then 40 + (n * 7 + jj.j * 13) % 400 end,
         case x.status when 'completed' then 'Done' when 'skipped' then 'Skipped: demo items not requested' when 'failed' then 'POS Profile: Account is mandatory' end,
         case when x.status = 'failed' then 'ENGINE_VALIDATION' end,
         case when x.status = 'failed' then 'POS Profile: Account is mandatory' end,
         case when x.status = 'failed' then 'Fix the record in ERPNext, then Continue' end,
         now()
       from generate_series($1::int, $2::int - 1) n
       cross join unnest($3::text[], $4::int[]) with ordinality as st(id, ordinal, k)
       cross join lateral (select (st.k - 1)::int as j) jj
       cross join lateral (select case
         when ${CLASS_SQL} = 'failed' and jj.j = 8 then 'failed'
         when ${CLASS_SQL} = 'failed' and jj.j > 8 then 'pending'
         when ${CLASS_SQL} = 'partial' and jj.j = 9 then 'failed'
         when jj.j = 6 then 'skipped'
         else 'completed' end as status) x
`,
      [from, to, stepIds, STEPS.map((s) => s.ordinal)],
    );
  }

  // events: chunks of whole groups of SIDE_BY_SIDE tenants, inserted in id (= time) order
  const groups = o.tenants / SIDE_BY_SIDE;
  const groupsPerChunk = Math.max(1, Math.floor(500_000 / (E * SIDE_BY_SIDE)));
  const block = Math.floor((E - 4) / 11);
  for (let g = 0; g < groups; g += groupsPerChunk) {
    await pool.query(
      `insert into onboarding.provisioning_events (tenant_id, run_id, step_id, attempt, type, level, status, message, code, hint, error, duration_ms, engine, created_at)
       select ${uuid('volume-tenant-')},
         case when s > 0 then ${uuid('volume-run-')} end,
         case when b is not null then ($3::text[])[b + 1] end,
         case when b is not null then 1 end,
         kind,
         case kind when 'engine_call' then 'debug' when 'step_failed' then 'error' else 'info' end,
         case kind when 'engine_call' then '200' when 'step_failed' then 'FAILED' when 'step_completed' then 'COMPLETED' when 'step_skipped' then 'SKIPPED'
           when 'run_finished' then upper(${CLASS_SQL}) else 'IN_PROGRESS' end,
         case kind
           when 'engine_call' then case when p % 2 = 1 then 'GET /api/resource/Account?filters=… → 200' else 'POST /api/resource/Account → 200' end
           when 'tenant_created' then 'Tenant "Volume Tenant ' || lpad(n::text, 7, '0') || '" created'
           when 'run_queued' then 'start requested by admin@moran.com: 11 step(s) from step_0_engine_check'
           when 'run_started' then 'Starting start run of 11 step(s) for tenant "Volume Tenant ' || lpad(n::text, 7, '0') || '"'
           when 'step_failed' then 'POS Profile: Account is mandatory'
           when 'run_finished' then 'Run finished: ' || ${CLASS_SQL}
           else kind || ' ' || coalesce(($3::text[])[b + 1], '') end,
         case when kind = 'step_failed' then 'ENGINE_VALIDATION' end,
         case when kind = 'step_failed' then 'Fix the record in ERPNext, then Continue' end,
         case when kind = 'step_failed' then 'POS Profile: Account is mandatory' end,
         case when kind in ('engine_call', 'step_completed', 'step_failed') then 20 + (n * 31 + s * 17) % 300 end,
         case when kind = 'engine_call' then jsonb_build_object('method', case when p % 2 = 1 then 'GET' else 'POST' end, 'path', '/api/resource/Account', 'status', 200, 'ms', 20 + (n * 31 + s * 17) % 300) end,
         ${at(ordOf('n', 's'))}
       from (
         select n, s, b, p,
           case
             when s = 0 then 'tenant_created' when s = 1 then 'run_queued' when s = 2 then 'run_started' when s = $4::int - 1 then 'run_finished'
             when b is null or b > 10 then 'engine_call'
             when p = 0 then 'step_started'
             when p = ${block - 1} and ${CLASS_SQL} = 'failed' and b = 8 then 'step_failed'
             when p = ${block - 1} and ${CLASS_SQL} = 'partial' and b = 9 then 'step_failed'
             when p = ${block - 1} and b = 6 then 'step_skipped'
             when p = ${block - 1} then 'step_completed'
             else 'engine_call' end as kind
         from generate_series($1::int, $2::int - 1) g
         cross join generate_series(0, $4::int - 1) s
         cross join generate_series(0, ${SIDE_BY_SIDE - 1}) k
         cross join lateral (select g * ${SIDE_BY_SIDE} + k as n) nn
         cross join lateral (select
           case when s between 3 and $4::int - 2 then least((s - 3) / ${block}, 10) end as b,
           case when s between 3 and $4::int - 2 and (s - 3) < ${block * 11} then (s - 3) % ${block} else -1 end as p) bp
         order by g, s, k) e`,
      [g, Math.min(groups, g + groupsPerChunk), stepIds, E],
    );
    o.progress?.(Math.min(groups, g + groupsPerChunk) * SIDE_BY_SIDE * E);
  }
  await pool.query('vacuum analyze onboarding.tenants, onboarding.provisioning_runs, onboarding.provisioning_steps, onboarding.provisioning_events');
}
