import { InvalidArgumentError, type Command } from 'commander';
import { clientAction, clientCommand } from '../context.ts';
import { credentialsFile, forgetLogin, loadLogin, saveLogin } from '../credentials.ts';
import { prompt, promptHidden } from '../terminal.ts';
import { cliCommand } from '../invocation.ts';

interface LoginAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: { id: string; email: string; role: string; tenant_id: string | null };
  tenants: Array<{ id: string; name: string; status: string }>;
}

/** login, logout, whoami. */
export function registerSessionCommands(program: Command): void {
  clientCommand(program, 'login', 'Log in to the API and cache the token (mode 0600) for the other commands', [
    'provisioner login --email admin@moran.com            # asks for the password on a terminal',
    'PROVISIONER_PASSWORD=... provisioner login --email ops@example.com --api-url https://prov.example.com/api',
  ])
    .option('--email <email>', 'login email (also env PROVISIONER_EMAIL; asked on a terminal)')
    .option('--password <password>', 'password (prefer env PROVISIONER_PASSWORD or the prompt: arguments show in ps)')
    .addHelpText('after', `\nThe token is cached per API URL in ${credentialsFile()} (PROVISIONER_CONFIG_DIR moves the folder).\n`)
    .action(
      clientAction(async (ctx, opts: { email?: string; password?: string }) => {
        const interactive = process.stdin.isTTY === true;
        let email = opts.email ?? process.env.PROVISIONER_EMAIL;
        if (!email && interactive) email = await prompt('Email: ');
        if (!email) throw new InvalidArgumentError('an email is needed: --email or PROVISIONER_EMAIL');
        let password = opts.password ?? process.env.PROVISIONER_PASSWORD;
        if (!password && interactive) password = await promptHidden(`Password for ${email}: `);
        if (!password) throw new InvalidArgumentError('a password is needed: PROVISIONER_PASSWORD, --password, or run on a terminal to be asked');
        const answer = await ctx.anonymous().post<LoginAnswer>('/auth/login', { email, password });
        const expiresAt = new Date(Date.now() + answer.expires_in * 1000).toISOString();
        await saveLogin(ctx.apiUrl, { token: answer.access_token, email: answer.user.email, role: answer.user.role, expires_at: expiresAt });
        if (ctx.json) {
          // the API's answer, but a token is a secret: it stays in the credentials file
          const { access_token: _secret, ...rest } = answer;
          ctx.outJson({ ...rest, credentials_file: credentialsFile() });
          return;
        }
        ctx.out(`Logged in to ${ctx.apiUrl} as ${answer.user.email} (${answer.user.role}); the token is valid until ${expiresAt}.`);
        ctx.out(`Token cached in ${credentialsFile()}.`);
        const open = answer.tenants.filter((t) => t.status !== 'COMPLETED');
        ctx.out(`${answer.tenants.length} tenant(s) visible${open.length ? `, ${open.length} not COMPLETED: ${cliCommand('status')}` : ''}.`);
      }),
    );

  clientCommand(program, 'logout', 'Forget the cached token for the API (or for every API with --all)', ['provisioner logout', 'provisioner logout --all'])
    .option('--all', 'forget every cached login')
    .action(
      clientAction(async (ctx, opts: { all?: boolean }) => {
        const had = await forgetLogin(opts.all ? null : ctx.apiUrl);
        if (ctx.json) ctx.outJson({ logged_out: had, api_url: opts.all ? null : ctx.apiUrl });
        else ctx.out(had ? `Logged out${opts.all ? ' of every API' : ` of ${ctx.apiUrl}`}.` : `Not logged in${opts.all ? '' : ` to ${ctx.apiUrl}`}.`);
      }),
    );

  clientCommand(program, 'whoami', 'Show who the token belongs to (exit 4 when not logged in)', ['provisioner whoami', 'provisioner whoami --json'])
    .action(
      clientAction(async (ctx) => {
        const answer = await (await ctx.api()).get<{ user: { email: string; role: string; tenant_id: string | null; exp?: number } }>('/auth/me');
        if (ctx.json) return ctx.outJson(answer);
        const cached = await loadLogin(ctx.apiUrl);
        const exp = answer.user.exp ? new Date(answer.user.exp * 1000).toISOString() : cached?.expires_at;
        ctx.out(`${answer.user.email} (${answer.user.role}${answer.user.tenant_id ? ` of tenant ${answer.user.tenant_id}` : ''}) at ${ctx.apiUrl}${exp ? `; token valid until ${exp}` : ''}`);
      }),
    );
}
