-- Webhooks, the rest of issue 16: switching a webhook off, rolling its secret without breaking
-- its receiver, waking the deliverers by NOTIFY, paging the delivery log, pruning it.

-- enabled: false keeps the webhook (and its log) but writes no new deliveries and sends none of
-- its pending ones until it is enabled again.
alter table onboarding.webhooks add column enabled boolean not null default true;
-- The secret before the last change, sealed like the current one (its own column in the sealed
-- value's additional data), and until when deliveries are signed with it too (new first).
-- Both are cleared by the deliverers once that time has passed.
alter table onboarding.webhooks add column previous_secret text;
alter table onboarding.webhooks add column previous_secret_until timestamptz;
alter table onboarding.webhooks add check ((previous_secret is null) = (previous_secret_until is null));
create index webhooks_previous_secret_until on onboarding.webhooks (previous_secret_until) where previous_secret_until is not null;

-- The outbox writes deliveries only for enabled webhooks.
create or replace function onboarding.webhook_outbox() returns trigger language plpgsql as $$
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
  where announced = any (w.events) and w.enabled;
  return null;
end $$;

-- Every statement that writes deliveries (the outbox trigger, a ping) wakes the deliverers at its
-- commit; identical notifications of one transaction are sent once. Statements that wrote none
-- (an event no webhook wants) notify nobody. The deliverers still poll, slowly, for retries due
-- later and for a notification missed while their connection was down.
create function onboarding.webhook_deliveries_notify() returns trigger language plpgsql as $$
begin
  if exists (select 1 from inserted) then
    perform pg_notify('webhook_deliveries', '');
  end if;
  return null;
end $$;

create trigger webhook_deliveries_notify
  after insert on onboarding.webhook_deliveries
  referencing new table as inserted
  for each statement execute function onboarding.webhook_deliveries_notify();

-- The delivery log is paged newest first by (created_at, id); pruning finds old delivered rows.
drop index onboarding.webhook_deliveries_by_webhook;
create index webhook_deliveries_by_webhook on onboarding.webhook_deliveries (webhook_id, created_at, id);
create index webhook_deliveries_delivered on onboarding.webhook_deliveries (delivered_at) where delivered_at is not null;
