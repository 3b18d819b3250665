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
