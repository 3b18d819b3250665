import { InvalidArgumentError, Option, type Command } from 'commander';
import { clientAction, clientCommand } from '../context.ts';
import { fit, promptHidden } from '../terminal.ts';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: string;
  tenant_id: string | null;
  created_at: string;
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

/** users list | add, engines list | health (platform admins). */
export function registerAdminCommands(program: Command): void {
  const users = group(program, 'users', 'Users');
  clientCommand(users, 'list', 'Users (through the API; platform admins)', ['provisioner users list', 'provisioner users list --json'])
    .action(
      clientAction(async (ctx) => {
        const answer = await (await ctx.api()).getAll<'users', UserRow>('/users', 'users');
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(ctx.style.bold(`${'EMAIL'.padEnd(32)}  ${'ROLE'.padEnd(14)}  ${'TENANT'.padEnd(36)}  CREATED`));
        for (const u of answer.users) ctx.out(`${fit(u.email, 32)}  ${u.role.padEnd(14)}  ${(u.tenant_id ?? '-').padEnd(36)}  ${u.created_at}`);
      }),
    );

  clientCommand(users, 'add', 'Create a user through the API (the password from PROVISIONER_NEW_PASSWORD, or asked on a terminal). `users create` writes to the database directly, for the first admin', [
    'PROVISIONER_NEW_PASSWORD=... provisioner users add --email ops@example.com --role platform_admin',
    'provisioner users add --email owner@duka.example --role tenant_admin --tenant ID',
  ])
    .requiredOption('--email <email>', 'login email')
    .option('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'role').choices(['platform_admin', 'tenant_admin', 'tenant_user']).default('platform_admin'))
    .option('--tenant <id>', 'tenant id (tenant_admin and tenant_user)')
    .action(
      clientAction(async (ctx, opts: { email: string; name?: string; role: string; tenant?: string }) => {
        let password = process.env.PROVISIONER_NEW_PASSWORD;
        if (!password && process.stdin.isTTY) password = await promptHidden(`Password for ${opts.email}: `);
        if (!password) throw new InvalidArgumentError('a password is needed: PROVISIONER_NEW_PASSWORD, or run on a terminal to be asked');
        const answer = await (await ctx.api()).post<{ user: UserRow }>('/users', { email: opts.email, name: opts.name, password, role: opts.role, tenant_id: opts.tenant });
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(`Created ${answer.user.role} ${answer.user.email} (${answer.user.id}).`);
      }),
    );

  const engines = group(program, 'engines', 'Engines (ERPNext sites) and their health (through the API; platform admins)');
  clientCommand(engines, 'list', 'Registered engines (credentials are never shown)', ['provisioner engines list'])
    .action(
      clientAction(async (ctx) => {
        const answer = await (await ctx.api()).getAll<'engines', EngineRow>('/engines', 'engines');
        if (ctx.json) return ctx.outJson(answer);
        for (const e of answer.engines) ctx.out(`${e.id.padEnd(20)}  ${e.kind.padEnd(8)}  ${e.base_url}${e.api_key_set ? '' : '  (no API key)'}`);
        if (answer.engines.length === 0) ctx.out('No engines registered.');
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
