-- Two read paths measured by the benchmarks of issue 13 (bench:queries, bench:api).
--
-- 1. Runs that ended, counted by hour and outcome, for the dashboard's run chart (GET
-- /api/provisioning/stats): at 100,000 tenants the 7-day chart counted ~23,000 runs per request
-- (an index-only scan of runs_by_finished, p99 52 ms); now it sums at most 168 × 3 rows.
-- A trigger keeps the counts in the transaction that changes the run, so they are exact and a
-- process that dies mid-way leaves neither the run's end nor its count. Hours start on whole
-- hours of the epoch (UTC), so they add up exactly to the chart's buckets (1 h or 6 h).
create table onboarding.run_outcome_counts (
  hour    timestamptz not null,
  status  text not null check (status in ('completed', 'partial', 'failed')),
  runs    int not null check (runs >= 0),
  primary key (hour, status)
);

create function onboarding.run_outcome_hour(finished timestamptz) returns timestamptz
  language sql immutable parallel safe
  as $$ select to_timestamp(floor(extract(epoch from finished) / 3600) * 3600) $$;

-- a run counts when it has ended (finished_at) with an outcome; any insert, change or delete of
-- a run moves its count, whatever statement makes it
create function onboarding.count_run_outcome() returns trigger language plpgsql as $$
declare
  was_counted boolean := false;
  is_counted boolean := false;
begin
  if tg_op <> 'INSERT' then
    was_counted := old.finished_at is not null and old.status in ('completed', 'partial', 'failed');
  end if;
  if tg_op <> 'DELETE' then
    is_counted := new.finished_at is not null and new.status in ('completed', 'partial', 'failed');
  end if;
  if was_counted and is_counted and old.status = new.status
     and onboarding.run_outcome_hour(old.finished_at) = onboarding.run_outcome_hour(new.finished_at) then
    return null;
  end if;
  if was_counted then
    update onboarding.run_outcome_counts set runs = runs - 1
    where hour = onboarding.run_outcome_hour(old.finished_at) and status = old.status;
  end if;
  if is_counted then
    insert into onboarding.run_outcome_counts (hour, status, runs)
    values (onboarding.run_outcome_hour(new.finished_at), new.status, 1)
    on conflict (hour, status) do update set runs = onboarding.run_outcome_counts.runs + 1;
  end if;
  return null;
end $$;

create function onboarding.forget_run_outcomes() returns trigger language plpgsql as $$
begin
  truncate onboarding.run_outcome_counts;
  return null;
end $$;

-- no run ends or changes while the counts are backfilled: the trigger takes over from the
-- snapshot the backfill read (runs finished by processes of the previous version included)
lock table onboarding.provisioning_runs in share row exclusive mode;

create trigger runs_count_outcome after insert or update of status, finished_at or delete on onboarding.provisioning_runs
  for each row execute function onboarding.count_run_outcome();
create trigger runs_forget_outcomes after truncate on onboarding.provisioning_runs
  for each statement execute function onboarding.forget_run_outcomes();

insert into onboarding.run_outcome_counts (hour, status, runs)
select onboarding.run_outcome_hour(finished_at), status, count(*)
from onboarding.provisioning_runs
where finished_at is not null and status in ('completed', 'partial', 'failed')
group by 1, 2;

-- 2. Every change of a user row is announced (channel provisioner_users, the user's id) when its
-- transaction commits, whatever statement makes it: API processes keep users' token states
-- while they listen (src/adapters/postgres/token-state-cache.ts) and drop a user's on its notice.
create function onboarding.announce_user_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'TRUNCATE' then
    perform pg_notify('provisioner_users', '');  -- every user
  elsif tg_op = 'DELETE' then
    perform pg_notify('provisioner_users', old.id::text);
  else
    perform pg_notify('provisioner_users', new.id::text);
  end if;
  return null;
end $$;
create trigger users_announce_change after update or delete on onboarding.users
  for each row execute function onboarding.announce_user_change();
create trigger users_announce_truncation after truncate on onboarding.users
  for each statement execute function onboarding.announce_user_change();
