-- Drift check and heal (issue 16 item 2): what the last verification of a tenant found in the
-- engine, and the drift sweep's bookkeeping. One row per tenant that completed a run once (the
-- run's end writes it: its final validation verified the tenant) or was verified.
create table onboarding.tenant_drift (
  tenant_id    uuid primary key references onboarding.tenants (id) on delete cascade,
  verified_at  timestamptz,                          -- the last verification that finished (API, sweep, a completed run)
  drifted_at   timestamptz,                          -- since when the engine differs; null: it did not at verified_at
  first_step   text,                                 -- the first step whose records differ: where heal starts
  findings     jsonb not null default '[]',          -- [{step, doctype, record, problem}]
  swept_at     timestamptz not null default 'epoch', -- the sweep's last claim of the tenant
  claimed_by   text,                                 -- the worker whose sweep verifies the tenant now
  claim_until  timestamptz,                          -- ...until then (a killed worker's claim expires)
  check ((drifted_at is null) = (first_step is null))
);
-- the sweep takes the tenant due longest ago (last claimed or verified), and counts the fleet's
-- claims of the last minute (its rate)
create index tenant_drift_due on onboarding.tenant_drift (greatest(swept_at, verified_at));
create index tenant_drift_swept on onboarding.tenant_drift (swept_at);

-- tenants that completed before this migration are due for their first sweep at once
insert into onboarding.tenant_drift (tenant_id)
select t.id from onboarding.tenants t
where exists (select 1 from onboarding.provisioning_runs r where r.tenant_id = t.id and r.status = 'completed');
