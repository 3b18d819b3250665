import { InvalidArgumentError, Option, type Command } from 'commander';
import { clientAction, clientCommand, positiveInt } from '../context.ts';
import type { ApiClient } from '../api-client.ts';
import { ROLES } from '../../../ports/store.ts';
import { fit, promptHidden } from '../terminal.ts';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: string;
  tenant_id: string | null;
  disabled?: boolean;
  disabled_reason?: string | null;
  created_at: string;
}

interface AuditRow {
  id: number;
  at: string;
  actor_email: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user named by id or email, as the API knows it. */
async function findUser(api: ApiClient, idOrEmail: string): Promise<UserRow> {
  const { users } = await api.get<{ users: UserRow[] }>('/users');
  const user = users.find((u) => (UUID.test(idOrEmail) ? u.id === idOrEmail.toLowerCase() : u.email.toLowerCase() === idOrEmail.toLowerCase()));
  if (!user) throw new InvalidArgumentError(`no user ${idOrEmail} (provisioner users list)`);
  return user;
}

/** The new password of set-password: PROVISIONER_NEW_PASSWORD, or asked on a terminal. */
async function newPassword(email: string): Promise<string> {
  let password = process.env.PROVISIONER_NEW_PASSWORD;
  if (!password && process.stdin.isTTY) password = await promptHidden(`Password for ${email}: `);
  if (!password) throw new InvalidArgumentError('a password is needed: PROVISIONER_NEW_PASSWORD, or run on a terminal to be asked');
  return password;
}

interface EngineRow {
  id: string;
  kind: string;
  base_url: string;
  api_key_set: boolean;
  created_at: string;
}

interface EngineHealth {
  reachable: boolean;
  authenticated: boolean;
  user?: string;
  versions?: Record<string, string>;
  latency_ms: number;
  error?: string;
  code?: string;
  hint?: string;
}

/** The command group `name`, reusing the one another module registered (users create lives in the server commands). */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** users list | add | disable | enable | delete | set-role | set-password, audit, engines list | health | delete (platform admins). */
export function registerAdminCommands(program: Command): void {
  const users = group(program, 'users', 'Users');
  clientCommand(users, 'list', 'Users (through the API; platform admins)', ['provisioner users list', 'provisioner users list --json'])
    .action(
      clientAction(async (ctx) => {
        const answer = await (await ctx.api()).getAll<'users', UserRow>('/users', 'users');
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(ctx.style.bold(`${'EMAIL'.padEnd(32)}  ${'ROLE'.padEnd(15)}  ${'TENANT'.padEnd(36)}  CREATED`));
        for (const u of answer.users) ctx.out(`${fit(u.email, 32)}  ${u.role.padEnd(15)}  ${(u.tenant_id ?? '-').padEnd(36)}  ${u.created_at}${u.disabled ? `  ${ctx.style.red('disabled')}${u.disabled_reason ? ` (${u.disabled_reason})` : ''}` : ''}`);
      }),
    );

  clientCommand(users, 'add', 'Create a user through the API (the password from PROVISIONER_NEW_PASSWORD, or asked on a terminal). `users create` writes to the database directly, for the first admin', [
    'PROVISIONER_NEW_PASSWORD=... provisioner users add --email ops@example.com --role platform_admin',
    'provisioner users add --email owner@duka.example --role tenant_admin --tenant ID',
  ])
    .requiredOption('--email <email>', 'login email')
    .option('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).default('platform_admin'))
    .option('--tenant <id>', 'tenant id (tenant_admin and tenant_user)')
    .action(
      clientAction(async (ctx, opts: { email: string; name?: string; role: string; tenant?: string }) => {
        const password = await newPassword(opts.email);
        const answer = await (await ctx.api()).post<{ user: UserRow }>('/users', { email: opts.email, name: opts.name, password, role: opts.role, tenant_id: opts.tenant });
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(`Created ${answer.user.role} ${answer.user.email} (${answer.user.id}).`);
      }),
    );

  /** users disable|enable|delete|set-role|set-password: one PATCH or DELETE of /users/:id; each but enable revokes the user's tokens. */
  const change = (name: string, description: string, examples: string[], body: (opts: any, user: UserRow) => Promise<Record<string, unknown> | null>, done: (u: UserRow) => string) =>
    clientCommand(users, `${name} <user>`, description, examples).action(
      clientAction(async (ctx, idOrEmail: string, opts: Record<string, unknown>) => {
        const api = await ctx.api();
        const user = await findUser(api, idOrEmail);
        const patch = await body(opts, user);
        const answer = patch ? (await api.request<{ user: UserRow }>('PATCH', `/users/${user.id}`, { body: patch })).body : (await api.request<{ user: UserRow }>('DELETE', `/users/${user.id}`)).body;
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(done(answer.user));
      }),
    );
  change('disable', 'Disable a user (by id or email): its tokens stop working at once, its logins are refused', ['provisioner users disable ops@example.com'], async () => ({ disabled: true }), (u) => `Disabled ${u.email}; its tokens are revoked.`);
  change('enable', 'Enable a disabled user again (its old tokens stay revoked: it logs in again)', ['provisioner users enable ops@example.com'], async () => ({ disabled: false }), (u) => `Enabled ${u.email}.`);
  change('delete', 'Delete a user (by id or email); its tokens stop working at once', ['provisioner users delete admin@moran.com'], async () => null, (u) => `Deleted ${u.email}.`);
  change(
    'set-password',
    'Give a user a new password (from PROVISIONER_NEW_PASSWORD, or asked on a terminal); its tokens are revoked',
    ['PROVISIONER_NEW_PASSWORD=... provisioner users set-password admin@moran.com'],
    async (_opts, u) => ({ password: await newPassword(u.email) }),
    (u) => `New password set for ${u.email}; its tokens are revoked.`,
  );
  clientCommand(users, 'set-role <user> <role>', "Change a user's role (by id or email), and its tenant with --tenant; its tokens are revoked", [
    'provisioner users set-role ops@example.com platform_viewer',
    'provisioner users set-role owner@duka.example tenant_user --tenant ID',
  ])
    .option('--tenant <id>', 'tenant id (tenant_admin and tenant_user)')
    .action(
      clientAction(async (ctx, idOrEmail: string, role: string, opts: { tenant?: string }) => {
        if (!(ROLES as readonly string[]).includes(role)) throw new InvalidArgumentError(`unknown role ${role}: one of ${ROLES.join(', ')}`);
        const api = await ctx.api();
        const user = await findUser(api, idOrEmail);
        const answer = (await api.request<{ user: UserRow }>('PATCH', `/users/${user.id}`, { body: { role, ...(opts.tenant ? { tenant_id: opts.tenant } : {}) } })).body;
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(`${answer.user.email} is now ${answer.user.role}${answer.user.tenant_id ? ` of tenant ${answer.user.tenant_id}` : ''}; its tokens are revoked.`);
      }),
    );

  clientCommand(program, 'audit', 'Who did what: tenant creation, runs, skips, user and engine changes, newest first (platform admins)', ['provisioner audit', 'provisioner audit --limit 500 --json'])
    .option('--limit <n>', 'entries per page (at most 500)', positiveInt(500), 50)
    .option('--cursor <id>', 'the next_cursor of a previous page: older entries')
    .action(
      clientAction(async (ctx, opts: { limit: number; cursor?: string }) => {
        const answer = await (await ctx.api()).get<{ entries: AuditRow[]; next_cursor: string | null }>('/audit', { limit: opts.limit, cursor: opts.cursor });
        if (ctx.json) return ctx.outJson(answer);
        for (const e of answer.entries) ctx.out(`${e.at}  ${fit(e.actor_email ?? '(server)', 28)}  ${e.action.padEnd(22)}  ${e.target_type} ${e.target_id ?? '-'}  ${JSON.stringify(e.details)}${e.ip ? `  from ${e.ip}` : ''}`);
        if (answer.entries.length === 0) ctx.out('No audit entries.');
        if (answer.next_cursor) ctx.out(ctx.style.dim(`More: provisioner audit --cursor ${answer.next_cursor}`));
      }),
    );

  const engines = group(program, 'engines', 'Engines (ERPNext sites, Odoo databases): list, health and delete through the API (platform admins); reencrypt in the database');
  clientCommand(engines, 'list', 'Registered engines (credentials are never shown)', ['provisioner engines list'])
    .action(
      clientAction(async (ctx) => {
        const answer = await (await ctx.api()).getAll<'engines', EngineRow>('/engines', 'engines');
        if (ctx.json) return ctx.outJson(answer);
        for (const e of answer.engines) ctx.out(`${e.id.padEnd(20)}  ${e.kind.padEnd(8)}  ${e.base_url}${e.api_key_set ? '' : '  (no API key)'}`);
        if (answer.engines.length === 0) ctx.out('No engines registered.');
      }),
    );

  clientCommand(engines, 'delete', 'Delete an engine no tenant uses (platform admins; refused while tenants are provisioned in it)', ['provisioner engines delete erp-old'])
    .argument('<id>', 'engine id')
    .action(
      clientAction(async (ctx, id: string) => {
        const answer = await (await ctx.api()).request<{ engine: EngineRow }>('DELETE', `/engines/${encodeURIComponent(id)}`);
        if (ctx.json) return ctx.outJson(answer.body);
        ctx.out(`Deleted engine ${answer.body.engine.id} (${answer.body.engine.kind} ${answer.body.engine.base_url}).`);
      }),
    );

  clientCommand(engines, 'health', 'Check an engine live: reachable, authenticated, versions, latency (exit 1 when unhealthy)', ['provisioner engines health default', 'provisioner engines health default --json'])
    .argument('<id>', 'engine id')
    .action(
      clientAction(async (ctx, id: string) => {
        const answer = await (await ctx.api()).post<{ engine: EngineRow; health: EngineHealth }>(`/engines/${encodeURIComponent(id)}/health`);
        const h = answer.health;
        const code = h.authenticated ? 0 : 1;
        if (ctx.json) {
          ctx.outJson(answer);
          return code;
        }
        const s = ctx.style;
        ctx.out(`${s.bold(answer.engine.id)} ${answer.engine.kind} ${answer.engine.base_url}`);
        ctx.out(`  reachable:     ${h.reachable ? s.green('yes') : s.red('no')}`);
        ctx.out(`  authenticated: ${h.authenticated ? s.green('yes') : s.red('no')}${h.user ? ` as ${h.user}` : ''}`);
        if (h.versions) ctx.out(`  versions:      ${Object.entries(h.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        ctx.out(`  latency:       ${h.latency_ms} ms`);
        if (h.error) ctx.out(`  ${s.red('error')} [${h.code ?? 'UNKNOWN'}]: ${h.error}\n  hint: ${h.hint ?? ''}`);
        return code;
      }),
    );
}
