-- provisioner:no-transaction
-- Indexes for the dashboard's statistics (GET /api/provisioning/stats), measured by
-- `npm run bench:queries` at 100,000 tenants and 10 M events: the step failures of the last
-- 24 h / 7 d read every event (a sequential scan of provisioning_events, 5.6 s), the run outcomes
-- every run. Built CONCURRENTLY (outside a transaction: see NO_TRANSACTION in migrate.ts), so an
-- upgrade does not block the writes of a big live table while it builds; each index is dropped
-- first, in case an earlier attempt died mid-build and left it invalid.

-- step failures since a time: only step_failed events (a small part of the table) are indexed
drop index concurrently if exists onboarding.events_step_failures;
create index concurrently events_step_failures on onboarding.provisioning_events (created_at) include (tenant_id, step_id, code) where type = 'step_failed';

-- runs that ended since a time
drop index concurrently if exists onboarding.runs_by_finished;
create index concurrently runs_by_finished on onboarding.provisioning_runs (finished_at) include (tenant_id, status) where finished_at is not null;
