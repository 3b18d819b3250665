-- Fast failover (issue 12 item 3). A worker holds its run's tenant advisory lock on a session
-- of its own; when the process dies PostgreSQL ends that session and the lock goes at once. A
-- running run whose lock nobody holds is therefore orphaned, and may be claimed before its lease
-- expires. locked_at says when the claimant took the lock: a lock taken before the server last
-- started was lost to the restart, not to a dead worker, and only the lease decides then.
alter table onboarding.provisioning_runs add column locked_at timestamptz;

-- The key of a tenant's advisory lock (the bigint form: pg_locks shows it with objsubid = 1).
create function onboarding.tenant_lock_key(tenant uuid) returns bigint
  language sql immutable parallel safe
  as $$ select hashtext('provisioner:tenant:' || tenant::text)::bigint $$;

-- Engine protection across the fleet (issue 12 item 2). Each engine has ENGINE_MAX_CONCURRENCY
-- slots shared by every process: slot s of engine e is the advisory lock (engine_slot_key(e), s),
-- taken on a session of the process's own and so released when the process dies. This table
-- holds the adaptive part: how many of those slots may be used now. No row: all of them.
create function onboarding.engine_slot_key(engine text) returns int
  language sql immutable parallel safe
  as $$ select hashtext('provisioner:engine:' || engine) $$;

create table onboarding.engine_limits (
  engine_id      text primary key,
  -- slots usable now, lowered on 429/503/timeouts/slow answers and raised back one at a time
  current_limit  int not null check (current_limit >= 1),
  reason         text,
  changed_at     timestamptz not null default now()
);
