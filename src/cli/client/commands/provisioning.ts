import { Argument, Option, type Command } from 'commander';
import { STEP_IDS, STEPS } from '../../../domain/steps/catalogue.ts';
import type { ApiClient } from '../api-client.ts';
import type { LogEntry, LogsAnswer, RunAnswer, StatusView } from '../api-types.ts';
import { clientAction, clientCommand, isoTime, positiveInt, tenantId, type ClientContext } from '../context.ts';
import { followTenantLogs, logsAfter } from '../events.ts';
import { statusExitCode, STATUS_EXIT } from '../exit-codes.ts';
import { renderLogEntry, renderStatus, resolutionCommands } from '../render.ts';
import { stderrStyle } from '../terminal.ts';
import { watchTenants } from './monitor.ts';
import { statusesToReport, summarizeTenants } from '../reports.ts';
import { cliCommand } from '../invocation.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Starts (start, continue, retry) answer the run; --wait then follows it like monitor. */
async function afterRun(ctx: ClientContext, api: ApiClient, answer: RunAnswer, wait: boolean | undefined): Promise<number> {
  if (ctx.json && !wait) {
    ctx.outJson(answer);
    return 0;
  }
  if (!ctx.json) {
    ctx.out(`${answer.message}: run ${answer.run.id} (${answer.run.kind}, steps ${answer.run.plan.length ? answer.run.plan.join(', ') : 'none'}).`);
    if (!wait) ctx.out(`Follow it: ${cliCommand(`monitor ${answer.tenant_id}`)}`);
  }
  return wait ? watchTenants({ ctx, api, ids: [answer.tenant_id] }) : 0;
}

const waitOption = () => new Option('--wait', 'follow the run until it settles; exit code tells the status');
const keyOption = () => new Option('--idempotency-key <key>', 'the same key twice starts one run (Idempotency-Key header)');
const keyHeader = (key?: string): Record<string, string> => (key ? { 'idempotency-key': key } : {});

/** status, logs, start, continue, retry, skip-step. */
export function registerProvisioningCommands(program: Command): void {
  clientCommand(program, 'status', 'Provisioning status: progress, current step, every step, errors with hints and the commands that resolve them. Without ids: every tenant that is not COMPLETED', [
    'provisioner status 3f2c1a9e-0000-4000-8000-000000000000',
    'provisioner status                # every tenant that is not COMPLETED',
    'provisioner status ID --json      # the API\'s status document',
  ])
    .argument('[ids...]', 'tenant ids (default: every tenant that is not COMPLETED)', (v: string, prev: string[] = []) => [...prev, tenantId(v)])
    .action(
      clientAction(async (ctx, ids: string[] = []) => {
        const api = await ctx.api();
        const { views, all } = await statusesToReport(api, ids);
        const code = statusExitCode(views.map((v) => v.status));
        if (ctx.json) {
          ctx.outJson(ids.length === 1 ? views[0] : views);
          return code;
        }
        if (all) {
          ctx.out(`${summarizeTenants(all)} at ${ctx.apiUrl}`);
          ctx.out(views.length ? `${views.length} not COMPLETED:\n` : 'Every tenant is COMPLETED.');
        }
        ctx.out(views.map((v) => renderStatus(v, ctx.apiUrl, ctx.style)).join('\n\n'));
        return code;
      }),
    );

  clientCommand(program, 'logs', 'Step logs of a tenant, oldest first; --follow streams new ones live', [
    'provisioner logs ID',
    'provisioner logs ID --step step_8_pos_profile --level warn',
    'provisioner logs ID --since 2025-01-31T08:00:00Z --limit 50',
    'provisioner logs ID --follow --until-done     # live until the run ends',
    'provisioner logs ID --follow --json           # one JSON entry per line',
    'provisioner logs ID --wait-next               # a FAILED tenant: wait for the continue, follow its run to the end',
  ])
    .argument('<id>', 'tenant id', tenantId)
    .addOption(new Option('--step <step>', 'only this step').choices(STEP_IDS))
    .addOption(new Option('--level <level>', 'this level and above').choices(LEVELS))
    .option('--since <time>', 'entries at or after this ISO 8601 time', isoTime)
    .option('--limit <n>', 'at most this many entries (1-1000)', positiveInt(1000), 200)
    .option('--offset <n>', 'skip this many entries (paging)', (v) => (v === '0' ? 0 : positiveInt(1_000_000)(v)), 0)
    .option('--engine-calls', 'include every engine request (debug level)')
    .option('-f, --follow', 'keep printing new entries as they happen (event stream; reconnects with Last-Event-ID)')
    .option('--until-done', 'with --follow: stop when the tenant has no active run')
    .option('--wait-next', 'implies --follow --until-done; a tenant with no active run waits for its next run (a continue or retry started later) and follows it to its end')
    .action(
      clientAction(async (ctx, id: string, opts: { step?: string; level?: string; since?: string; limit: number; offset: number; engineCalls?: boolean; follow?: boolean; untilDone?: boolean; waitNext?: boolean }) => {
        if (opts.waitNext) opts = { ...opts, follow: true, untilDone: true };
        const api = await ctx.api();
        // with --wait-next, the run that had already ended when we looked does not count
        const first = opts.waitNext ? await api.get<StatusView>(`/provisioning/tenants/${id}/status`) : null;
        const after = first && first.status !== 'IN_PROGRESS' ? { run: first.run?.id ?? null } : null;
        const query = { step: opts.step, level: opts.level, since: opts.since, include_engine_calls: opts.engineCalls ? 'true' : undefined };
        const answer = await api.get<LogsAnswer>(`/provisioning/tenants/${id}/logs`, { ...query, limit: opts.limit, offset: opts.offset });
        const print = (e: LogEntry) => (ctx.json ? process.stdout.write(JSON.stringify(e) + '\n') : ctx.out(renderLogEntry(e, ctx.style)));
        if (!opts.follow) {
          if (ctx.json) return ctx.outJson(answer);
          for (const e of answer.logs) print(e);
          if (answer.logs.length === 0) ctx.out('No log entries match.');
          if (answer.paging.next_offset !== null) ctx.out(ctx.style.dim(`… more: --offset ${answer.paging.next_offset}`));
          return;
        }
        for (const e of answer.logs) print(e);
        // follow from the newest entry of any kind, so that filtered-out ones are not replayed
        const newest = await logsAfter(api, id, answer.logs.at(-1)?.id ?? 0, { include_engine_calls: 'true' });
        const from = Math.max(answer.logs.at(-1)?.id ?? 0, newest.at(-1)?.id ?? 0);
        const minLevel = opts.level ? LEVELS.indexOf(opts.level as (typeof LEVELS)[number]) : 0;
        const wanted = (e: LogEntry) =>
          (!opts.step || e.step === opts.step) && LEVELS.indexOf(e.level as (typeof LEVELS)[number]) >= minLevel && (opts.engineCalls || e.type !== 'engine_call');
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        const warn = stderrStyle();
        const following = followTenantLogs({
          api,
          tenantId: id,
          afterId: from,
          signal: stop.signal,
          onEntry: (e) => wanted(e) && print(e),
          onReconnect: (n, reason) => process.stderr.write(warn.dim(`(event stream: ${reason}; reconnecting, attempt ${n})\n`)),
        });
        if (after && !ctx.json) {
          const starts = resolutionCommands(first!, ctx.apiUrl)?.cli[0] ?? cliCommand(`retry ${id}`);
          process.stderr.write(warn.dim(`(${first!.status}, no active run: waiting for the next one, e.g. ${starts})\n`));
        }
        if (opts.untilDone) void untilSettled(api, id, stop, after);
        const lastId = await following;
        if (!opts.untilDone) return;
        // the run ended: print what the stream had not delivered yet, then exit with the status
        for (const e of await logsAfter(api, id, lastId, { include_engine_calls: opts.engineCalls ? 'true' : undefined })) if (wanted(e)) print(e);
        const view = await api.get<StatusView>(`/provisioning/tenants/${id}/status`);
        if (!ctx.json) ctx.out(`Provisioning ${ctx.style.status(view.status)} (${view.progress}%).`);
        return STATUS_EXIT[view.status];
      }),
    );

  clientCommand(program, 'start', 'Start provisioning a NOT_STARTED tenant (guide: Option 3)', ['provisioner start ID', 'provisioner start ID --demo-data --no-pos-store --wait'])
    .argument('<id>', 'tenant id', tenantId)
    .option('--demo-data', 'create demo items (step_6_items)')
    .option('--no-pos-store', 'no "POS Store" warehouse')
    .option('--country-template <name>', 'chart of accounts template')
    .option('--no-auto-continue', 'after a transient failure, wait for an operator instead of continuing once the engine answers again')
    .addOption(keyOption())
    .addOption(waitOption())
    .action(
      clientAction(async (ctx, id: string, opts: { demoData?: boolean; posStore: boolean; countryTemplate?: string; autoContinue: boolean; idempotencyKey?: string; wait?: boolean }) => {
        const api = await ctx.api();
        const body = { include_demo_data: opts.demoData === true, pos_store_enabled: opts.posStore, country_template: opts.countryTemplate ?? null, auto_continue: opts.autoContinue ? undefined : false };
        return afterRun(ctx, api, await api.post<RunAnswer>(`/provisioning/tenants/${id}/start`, body, keyHeader(opts.idempotencyKey)), opts.wait);
      }),
    );

  clientCommand(program, 'continue', 'Resume a PARTIAL or FAILED tenant at the first failed or pending step (guide: Option 1)', ['provisioner continue ID', 'provisioner continue ID --wait'])
    .argument('<id>', 'tenant id', tenantId)
    .addOption(keyOption())
    .addOption(waitOption())
    .action(
      clientAction(async (ctx, id: string, opts: { idempotencyKey?: string; wait?: boolean }) => {
        const api = await ctx.api();
        return afterRun(ctx, api, await api.post<RunAnswer>(`/provisioning/tenants/${id}/continue`, undefined, keyHeader(opts.idempotencyKey)), opts.wait);
      }),
    );

  clientCommand(program, 'retry', 'Re-run every step (or one step and those after it); creates no duplicates (guide: Option 2)', ['provisioner retry ID', 'provisioner retry ID --step step_8_pos_profile --wait'])
    .argument('<id>', 'tenant id', tenantId)
    .addOption(new Option('--step <step>', 'retry from this step').choices(STEP_IDS))
    .addOption(keyOption())
    .addOption(waitOption())
    .action(
      clientAction(async (ctx, id: string, opts: { step?: string; idempotencyKey?: string; wait?: boolean }) => {
        const api = await ctx.api();
        return afterRun(ctx, api, await api.post<RunAnswer>(`/provisioning/tenants/${id}/retry`, opts.step ? { step: opts.step } : undefined, keyHeader(opts.idempotencyKey)), opts.wait);
      }),
    );

  const skippable = STEPS.filter((s) => s.skippable).map((s) => s.id);
  clientCommand(program, 'skip-step', `Skip an optional step (${skippable.join(', ')}) on purpose`, [`provisioner skip-step ID step_9_pos_session`])
    .argument('<id>', 'tenant id', tenantId)
    .addArgument(new Argument('<step>', 'the step to skip').choices(skippable))
    .action(
      clientAction(async (ctx, id: string, step: string) => {
        const view = await (await ctx.api()).post<StatusView>(`/provisioning/tenants/${id}/skip-step`, { step });
        if (ctx.json) return ctx.outJson(view);
        ctx.out(`Skipped ${step}.\n`);
        ctx.out(renderStatus(view, ctx.apiUrl, ctx.style));
      }),
    );
}

/** Aborts `stop` once the tenant has no active run and, with `after`, its latest run is a later one (checked every second). */
async function untilSettled(api: ApiClient, id: string, stop: AbortController, after: { run: string | null } | null): Promise<void> {
  while (!stop.signal.aborted) {
    try {
      const view = await api.get<StatusView>(`/provisioning/tenants/${id}/status`);
      if (view.status !== 'IN_PROGRESS' && (after === null || (view.run?.id ?? null) !== after.run)) {
        stop.abort();
        return;
      }
    } catch {
      /* the follower reports connection trouble; keep checking */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
