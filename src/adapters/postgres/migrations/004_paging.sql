-- Keyset paging of the lists (GET /api/tenants, /api/users, /api/engines): ordered by (created_at, id).
create index if not exists tenants_by_created on onboarding.tenants (created_at, id);
create index if not exists users_by_created on onboarding.users (created_at, id);
create index if not exists engines_by_created on onboarding.engines (created_at, id);
