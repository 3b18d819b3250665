-- A tenant whose automatic start was refused (the engine's pre-flight check failed) keeps the
-- cause, so that auto-continue starts it once the engine answers again, as it continues runs
-- that failed for the same causes. Only such tenants are indexed: the sweep reads no other.
alter table onboarding.tenants add column start_refused_code text, add column start_refused_at timestamptz;
create index tenants_start_refused on onboarding.tenants (start_refused_at) where start_refused_code is not null;
