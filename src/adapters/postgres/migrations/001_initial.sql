-- Provisioner schema. The guide tells operators to look at onboarding.provisioning_steps,
-- so every table lives in the "onboarding" schema.
create schema if not exists onboarding;

create table onboarding.engines (
  id          text primary key,
  kind        text not null check (kind in ('erpnext', 'odoo')),
  base_url    text not null,
  api_key     text not null,
  api_secret  text not null,  -- a secret: never returned by the API, never logged
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table onboarding.tenants (
  id            uuid primary key default gen_random_uuid(),
  name          text not null,
  country_code  text not null,
  country       text not null,
  currency      text not null,
  engine_id     text not null references onboarding.engines (id),
  admin_email   text,
  config        jsonb not null,                -- RunConfig of the latest start/retry
  engine_facts  jsonb not null default '{}',   -- what the steps learned: company, abbr, profile...
  note          text,                          -- e.g. why provisioning did not start
  created_at    timestamptz not null default now()
);
-- each tenant becomes a Company named after it, and company names are unique in an engine
create unique index tenants_name_per_engine on onboarding.tenants (engine_id, lower(name));

create table onboarding.users (
  id             uuid primary key default gen_random_uuid(),
  email          text not null,
  name           text,
  password_hash  text not null,  -- argon2id
  role           text not null check (role in ('platform_admin', 'tenant_admin', 'tenant_user')),
  tenant_id      uuid references onboarding.tenants (id) on delete cascade,
  created_at     timestamptz not null default now(),
  check ((role = 'platform_admin') = (tenant_id is null))
);
create unique index users_email on onboarding.users (lower(email));

create table onboarding.provisioning_runs (
  id               uuid primary key default gen_random_uuid(),
  tenant_id        uuid not null references onboarding.tenants (id) on delete cascade,
  kind             text not null check (kind in ('start', 'continue', 'retry')),
  status           text not null default 'queued' check (status in ('queued', 'running', 'completed', 'partial', 'failed')),
  plan             text[] not null,
  config           jsonb not null,
  idempotency_key  text,
  requested_by     text,
  locked_by        text,
  lease_until      timestamptz,
  created_at       timestamptz not null default now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
-- exactly one active run per tenant, whatever the number of API processes (product.md §4)
create unique index one_active_run_per_tenant on onboarding.provisioning_runs (tenant_id) where status in ('queued', 'running');
create unique index runs_idempotency_key on onboarding.provisioning_runs (tenant_id, idempotency_key) where idempotency_key is not null;
create index runs_runnable on onboarding.provisioning_runs (created_at) where status in ('queued', 'running');
create index runs_by_tenant on onboarding.provisioning_runs (tenant_id, created_at desc);

create table onboarding.provisioning_steps (
  tenant_id      uuid not null references onboarding.tenants (id) on delete cascade,
  step_id        text not null,
  ordinal        int not null,
  status         text not null default 'pending' check (status in ('pending', 'running', 'completed', 'failed', 'skipped')),
  skip_reason    text check (skip_reason in ('config', 'operator', 'failure')),
  attempts       int not null default 0,  -- attempts in the latest run that planned the step
  run_id         uuid references onboarding.provisioning_runs (id) on delete set null,
  started_at     timestamptz,
  finished_at    timestamptz,
  duration_ms    int,
  message        text,
  error_code     text,
  error_message  text,
  error_hint     text,
  updated_at     timestamptz not null default now(),
  primary key (tenant_id, step_id),
  check ((status = 'skipped') = (skip_reason is not null))
);

-- append-only: every transition, attempt, engine call and run end
create table onboarding.provisioning_events (
  id           bigserial primary key,
  tenant_id    uuid not null references onboarding.tenants (id) on delete cascade,
  run_id       uuid,
  step_id      text,
  attempt      int,
  type         text not null,
  level        text not null check (level in ('debug', 'info', 'warn', 'error')),
  status       text,
  message      text not null,
  code         text,
  hint         text,
  error        text,
  duration_ms  int,
  engine       jsonb,
  created_at   timestamptz not null default now()
);
create index events_by_tenant on onboarding.provisioning_events (tenant_id, id);
