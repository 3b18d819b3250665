-- Signed webhooks (issue 16 item 3). A webhook is a URL, the events it wants and the secret its
-- deliveries are signed with (kept readable: HMAC needs it; the API never shows it).
create table onboarding.webhooks (
  id          uuid primary key default gen_random_uuid(),
  url         text not null,
  events      text[] not null,
  secret      text not null,
  created_by  text,
  created_at  timestamptz not null default now()
);
create index webhooks_by_created on onboarding.webhooks (created_at, id);

-- The outbox: one delivery per (webhook, announced event), written in the same statement as the
-- event (the trigger below), so a process dying between the event and its delivery loses neither.
-- The deliverer of any worker claims due rows (lease: claim_until) and POSTs them; 2xx sets
-- delivered_at, anything else sets the next attempt, until given_up_at.
create table onboarding.webhook_deliveries (
  id               uuid primary key default gen_random_uuid(),
  webhook_id       uuid not null references onboarding.webhooks (id) on delete cascade,
  event            text not null,                  -- run.completed, run.failed, run.partial, tenant.drifted, ping
  event_id         bigint,                         -- the provisioning_events row it announces (none for ping)
  tenant_id        uuid,                           -- kept when the tenant is deleted: the delivery still goes out
  run_id           uuid,
  data             jsonb not null default '{}',
  created_at       timestamptz not null default now(),
  attempts         int not null default 0,
  next_attempt_at  timestamptz not null default now(),
  claimed_by       text,
  claim_until      timestamptz,
  last_status      int,                            -- the receiver's HTTP status of the last attempt (null: no answer)
  last_error       text,
  delivered_at     timestamptz,
  given_up_at      timestamptz,
  check (delivered_at is null or given_up_at is null)
);
-- the deliverer's claim: due rows not settled, oldest due first
create index webhook_deliveries_due on onboarding.webhook_deliveries (next_attempt_at) where delivered_at is null and given_up_at is null;
-- /metrics counts the given-up ones
create index webhook_deliveries_given_up on onboarding.webhook_deliveries (given_up_at) where given_up_at is not null;
create index webhook_deliveries_by_webhook on onboarding.webhook_deliveries (webhook_id, created_at desc, id);

-- A trigger rather than a CTE in each writer: every statement that writes an announced event
-- (finishRun's run_finished, recordVerification's tenant_drifted, and any writer added later)
-- writes its deliveries in the same transaction, without knowing about webhooks. Its WHEN keeps
-- the cost off every other event (engine calls come in batches of hundreds).
create function onboarding.webhook_outbox() returns trigger language plpgsql as $$
declare
  announced text := case
    -- run_finished's status is the run's, upper-cased (COMPLETED, FAILED, PARTIAL)
    when new.type = 'run_finished' and lower(new.status) in ('completed', 'failed', 'partial') then 'run.' || lower(new.status)
    when new.type = 'tenant_drifted' then 'tenant.drifted'
  end;
begin
  if announced is null then
    return null;
  end if;
  insert into onboarding.webhook_deliveries (webhook_id, event, event_id, tenant_id, run_id, data, created_at)
  select w.id, announced, new.id, new.tenant_id, new.run_id,
         jsonb_strip_nulls(jsonb_build_object('status', lower(new.status), 'step', new.step_id, 'message', new.message, 'code', new.code, 'hint', new.hint)),
         new.created_at
  from onboarding.webhooks w
  where announced = any (w.events);
  return null;
end $$;

create trigger provisioning_events_webhook_outbox
  after insert on onboarding.provisioning_events
  for each row when (new.type in ('run_finished', 'tenant_drifted'))
  execute function onboarding.webhook_outbox();
