-- Accounts that can be disabled, re-roled and revoked; a read-only platform role; login
-- throttling shared by every API process; an audit log of who did what (issue 11).

-- platform_viewer: reads every tenant, operates nothing; like platform_admin it has no tenant
alter table onboarding.users drop constraint users_role_check;
alter table onboarding.users add constraint users_role_check check (role in ('platform_admin', 'platform_viewer', 'tenant_admin', 'tenant_user'));
alter table onboarding.users drop constraint users_check;
alter table onboarding.users add constraint users_role_tenant_check check ((role in ('platform_admin', 'platform_viewer')) = (tenant_id is null));

alter table onboarding.users
  -- the "ver" claim of every token; bumped on disable, role or tenant change and password change:
  -- tokens signed with an older version are refused (TOKEN_REVOKED)
  add column token_version  int not null default 1,
  add column disabled_at    timestamptz,
  add column disabled_reason text,
  add column updated_at     timestamptz not null default now();

-- failed logins per key ('account:<email>' or 'address:<ip>'), for every API process at once
create table onboarding.login_failures (
  key           text primary key,
  failures      int not null,
  last_failure  timestamptz not null default now(),
  locked_until  timestamptz
);

-- who did what; details never hold a secret
create table onboarding.audit_log (
  id           bigserial primary key,
  at           timestamptz not null default now(),
  actor_id     uuid,          -- null: the server itself (e.g. the demo account disabled at start)
  actor_email  text,
  action       text not null, -- tenant.create, provisioning.start, user.update, engine.register...
  target_type  text not null, -- tenant, user, engine
  target_id    text,
  details      jsonb not null default '{}',
  ip           text
);
