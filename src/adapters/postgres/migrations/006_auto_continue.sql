-- Auto-continue looks for tenants whose latest run ended FAILED or PARTIAL at every sweep:
-- only those runs are indexed, so the sweep does not read every run ever made.
create index runs_settled_unhealthy on onboarding.provisioning_runs (finished_at) where status in ('failed', 'partial');
