import { InvalidArgumentError, Option, type Command } from 'commander';
import { clientAction, clientCommand, tenantId } from '../context.ts';
import type { ProvisioningSummary, TenantRow } from '../api-types.ts';
import { fit, progressBar } from '../terminal.ts';
import { cliCommand } from '../invocation.ts';

export const STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED'] as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function pageLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError(`--limit "${value}" is not a whole number from 1 to 500`);
  return n;
}

/** tenants list | create | show. */
export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('List, create and show tenants (through the API)');

  clientCommand(tenants, 'list', 'Tenants you may see, with their provisioning status (every page, unless --limit or --cursor)', [
    'provisioner tenants list',
    'provisioner tenants list --status FAILED',
    'provisioner tenants list --json',
    'provisioner tenants list --limit 50 --cursor NEXT_CURSOR',
  ])
    .addOption(new Option('--status <status>', 'only tenants with this status').choices(STATUSES))
    .option('--limit <n>', 'one page of at most n tenants (the API allows 1 to 500)', pageLimit)
    .option('--cursor <cursor>', 'the page after this next_cursor (one page)')
    .action(
      clientAction(async (ctx, opts: { status?: string; limit?: number; cursor?: string }) => {
        const api = await ctx.api();
        const onePage = opts.limit !== undefined || opts.cursor !== undefined;
        const answer: { tenants: TenantRow[]; next_cursor?: string | null } = onePage
          ? await api.get<{ tenants: TenantRow[]; next_cursor: string | null }>('/tenants', { status: opts.status, limit: opts.limit, cursor: opts.cursor })
          : await api.getAll<'tenants', TenantRow>('/tenants', 'tenants', { status: opts.status });
        if (ctx.json) return ctx.outJson(answer);
        if (answer.next_cursor) process.stderr.write(`More tenants follow: ${cliCommand(`tenants list${opts.status ? ` --status ${opts.status}` : ''}${opts.limit ? ` --limit ${opts.limit}` : ''} --cursor ${answer.next_cursor}`)}\n`);
        // a filtered page may be empty and still not the last: the API looks at so many tenants a request
        if (answer.tenants.length === 0 && opts.status && answer.next_cursor) return ctx.out(`No ${opts.status} tenant on this page; more tenants follow (the command above).`);
        if (answer.tenants.length === 0) return ctx.out(opts.status ? `No tenant is ${opts.status}.` : `No tenants yet: ${cliCommand('tenants create --name "Shop" --country KE')}`);
        const s = ctx.style;
        ctx.out(s.bold(`${'ID'.padEnd(36)}  ${'NAME'.padEnd(28)}  ${'STATUS'.padEnd(11)}  ${'PROGRESS'.padEnd(17)}  CURRENT STEP`));
        for (const t of answer.tenants) {
          const p = t.provisioning;
          ctx.out(`${t.id}  ${fit(t.name, 28)}  ${s.status(t.status, t.status.padEnd(11))}  ${p ? progressBar(p.progress, 10, s, t.status) : ''.padEnd(17)}  ${p?.current_step ?? '-'}`);
        }
      }),
    );

  clientCommand(tenants, 'create', 'Create a tenant; provisioning starts by itself unless --no-auto-start', [
    'provisioner tenants create --name "Mama Mboga Shop" --country KE',
    'provisioner tenants create --name "Duka" --country UG --currency UGX --demo-data --admin-email owner@duka.example',
    'provisioner tenants create --name "Later Shop" --country TZ --no-auto-start --json',
  ])
    .requiredOption('--name <name>', 'tenant (company) name')
    .requiredOption('--country <code>', 'two-letter country code, e.g. KE')
    .option('--currency <code>', 'three-letter currency code (default: the country\'s)')
    .option('--engine <id-or-kind>', 'engine id, or a kind (erpnext, odoo) for its default engine (default: the default engine)')
    .option('--no-auto-start', 'create only; start later with provisioner start')
    .option('--demo-data', 'create demo items (step_6_items)')
    .option('--no-pos-store', 'no "POS Store" warehouse')
    .option('--country-template <name>', 'chart of accounts template')
    .option('--payment-method <name>', 'a payment method (repeatable; default Cash and M-Pesa)', collect)
    .option('--no-auto-continue', 'after a transient failure, wait for an operator instead of continuing once the engine answers again')
    .option('--admin-email <email>', 'the tenant admin\'s email (with PROVISIONER_ADMIN_PASSWORD also creates the admin user)')
    .option('--admin-name <name>', 'the tenant admin\'s name')
    .action(
      clientAction(async (ctx, opts: { name: string; country: string; currency?: string; engine?: string; autoStart: boolean; autoContinue: boolean; demoData?: boolean; posStore: boolean; countryTemplate?: string; paymentMethod?: string[]; adminEmail?: string; adminName?: string }) => {
        if (!/^[A-Za-z]{2}$/.test(opts.country)) throw new InvalidArgumentError(`--country "${opts.country}" is not a two-letter country code`);
        const body = {
          name: opts.name,
          country_code: opts.country.toUpperCase(),
          currency: opts.currency,
          engine_id: opts.engine,
          admin_email: opts.adminEmail,
          admin_name: opts.adminName,
          admin_password: process.env.PROVISIONER_ADMIN_PASSWORD || undefined,
          provisioning: {
            auto_start: opts.autoStart,
            include_demo_data: opts.demoData === true,
            pos_store_enabled: opts.posStore,
            country_template: opts.countryTemplate ?? null,
            payment_methods: opts.paymentMethod,
            auto_continue: opts.autoContinue,
          },
        };
        const answer = await (await ctx.api()).post<{ tenant: TenantRow; provisioning: ProvisioningSummary & { run_id: string | null } }>('/tenants', body);
        if (ctx.json) return ctx.outJson(answer);
        const t = answer.tenant;
        ctx.out(`Created tenant ${ctx.style.bold(t.name)} ${t.id} (${t.country_code}, ${t.currency}); status ${ctx.style.status(t.status)}.`);
        if (answer.provisioning.run_id) ctx.out(`Provisioning started (run ${answer.provisioning.run_id}): ${cliCommand(`monitor ${t.id}`)}`);
        else if (t.message) ctx.out(t.message);
        else ctx.out(`Start it with: ${cliCommand(`start ${t.id}`)}`);
      }),
    );

  clientCommand(tenants, 'show', 'One tenant with its provisioning summary', ['provisioner tenants show 3f2c1a9e-0000-4000-8000-000000000000'])
    .argument('<id>', 'tenant id', tenantId)
    .action(
      clientAction(async (ctx, id: string) => {
        const answer = await (await ctx.api()).get<{ tenant: TenantRow & Record<string, unknown>; provisioning: ProvisioningSummary }>(`/tenants/${id}`);
        if (ctx.json) return ctx.outJson(answer);
        const { tenant: t, provisioning: p } = answer;
        const s = ctx.style;
        ctx.out(`${s.bold(t.name)} ${s.dim(`(${t.id})`)}`);
        ctx.out(`  Country:      ${t.country_code}${t.currency ? `, currency ${t.currency}` : ''}`);
        ctx.out(`  Engine:       ${t.engine_id}`);
        if (t.admin_email) ctx.out(`  Admin:        ${t.admin_email}`);
        ctx.out(`  Created:      ${t.created_at}`);
        ctx.out(`  Status:       ${s.status(p.status)}  ${progressBar(p.progress, 20, s, p.status)}  ${p.steps_completed}/${p.total_steps} steps completed`);
        ctx.out(`  Current step: ${p.current_step ?? '-'}`);
        if (t.message) ctx.out(`  Message:      ${t.message}`);
        ctx.out(`  Details:      ${cliCommand(`status ${t.id}`)}`);
      }),
    );
}
