import { Option, type Command } from 'commander';
import { STEP_IDS } from '../../../domain/steps/catalogue.ts';
import { clientAction, clientCommand } from '../context.ts';
import { STATUSES } from './tenants.ts';

interface BulkAnswer {
  matched: number;
  tenant_ids: string[];
  dry_run: boolean;
  queued: number;
  runs: Array<{ tenant_id: string; run_id: string }>;
  skipped: Array<{ tenant_id: string; reason: string }>;
}

/** bulk continue | retry: POST /api/provisioning/bulk. */
export function registerBulkCommands(program: Command): void {
  const bulk = program.command('bulk').description('Continue or retry every tenant a filter matches (platform admins)');
  for (const action of ['continue', 'retry'] as const) {
    clientCommand(bulk, action, `${action === 'continue' ? 'Continue' : 'Retry'} every tenant the filter matches; --dry-run lists them and changes nothing`, [
      `provisioner bulk ${action} --status FAILED --engine default --dry-run`,
      `provisioner bulk ${action} --status FAILED --code ENGINE_TIMEOUT`,
      `provisioner bulk ${action} --status PARTIAL --step step_8_pos_profile --created-after 2026-12-01T00:00:00Z`,
    ])
      .addOption(new Option('--status <status>', 'only tenants with this status').choices(STATUSES))
      .option('--engine <id>', 'only tenants on this engine')
      .addOption(new Option('--step <step>', 'only tenants whose this step failed (or is current)').choices(STEP_IDS))
      .option('--code <code>', 'only tenants with this error code')
      .option('--created-before <time>', 'only tenants created before this ISO time')
      .option('--created-after <time>', 'only tenants created after this ISO time')
      .option('--dry-run', 'list the matching tenants; queue nothing')
      .action(
        clientAction(async (ctx, opts: { status?: string; engine?: string; step?: string; code?: string; createdBefore?: string; createdAfter?: string; dryRun?: boolean }) => {
          const api = await ctx.api();
          const filter = { status: opts.status, engine_id: opts.engine, step: opts.step, code: opts.code, created_before: opts.createdBefore, created_after: opts.createdAfter };
          const answer = await api.post<BulkAnswer>('/provisioning/bulk', { action, filter: JSON.parse(JSON.stringify(filter)), dry_run: opts.dryRun === true });
          if (ctx.json) return ctx.outJson(answer);
          if (answer.dry_run) {
            ctx.out(`${answer.matched} tenant(s) match; nothing was queued (dry run).`);
            for (const id of answer.tenant_ids) ctx.out(id);
            return;
          }
          ctx.out(`${answer.matched} matched, ${answer.queued} ${action} run(s) queued, ${answer.skipped.length} skipped.`);
          for (const s of answer.skipped) ctx.out(`skipped ${s.tenant_id}: ${s.reason}`);
        }),
      );
  }
}
