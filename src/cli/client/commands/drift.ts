import { Option, type Command } from 'commander';
import { STEP_IDS } from '../../../domain/steps/catalogue.ts';
import type { RunAnswer } from '../api-types.ts';
import { clientAction, clientCommand, tenantId } from '../context.ts';
import { DRIFTED_EXIT } from '../exit-codes.ts';
import { cliCommand } from '../invocation.ts';
import { watchTenants } from './monitor.ts';

interface Finding {
  step: string;
  doctype: string | null;
  record: string | null;
  problem: string;
}

interface VerifyAnswer {
  tenant_id: string;
  drifted: boolean;
  first_step: string | null;
  findings: Finding[];
  verified_at: string;
}

interface PlanAnswer {
  tenant_id: string;
  kind: string;
  steps: string[];
  operations: Array<{ step: string; action: 'create' | 'update' | 'exists' | 'skip'; doctype: string | null; name: string | null; detail?: string | null }>;
  problems: Finding[];
}

/** verify, heal, plan: the drift check and heal, and what a run would do (issue 16 items 2 and 4). */
export function registerDriftCommands(program: Command): void {
  clientCommand(program, 'verify', "Drift check: re-read a COMPLETED tenant's records in the engine (reads only) and list what differs; exit 14 when drifted", [
    'provisioner verify ID',
    'provisioner verify ID --json',
  ])
    .argument('<id>', 'tenant id', tenantId)
    .action(
      clientAction(async (ctx, id: string) => {
        const answer = await (await ctx.api()).post<VerifyAnswer>(`/provisioning/tenants/${id}/verify`);
        if (ctx.json) ctx.outJson(answer);
        else if (!answer.drifted) ctx.out(`No drift: the engine has every record the steps ensure (verified ${answer.verified_at}).`);
        else {
          ctx.out(`Drifted from ${answer.first_step} (verified ${answer.verified_at}):`);
          for (const f of answer.findings) ctx.out(`  ${f.step}  ${f.problem}`);
          ctx.out(`Heal it (retry from ${answer.first_step}): ${cliCommand(`heal ${id}`)}`);
        }
        return answer.drifted ? DRIFTED_EXIT : 0;
      }),
    );

  clientCommand(program, 'heal', 'Retry a drifted tenant from the first broken step its last verification found', ['provisioner heal ID', 'provisioner heal ID --wait'])
    .argument('<id>', 'tenant id', tenantId)
    .option('--idempotency-key <key>', 'the same key twice starts one run (Idempotency-Key header)')
    .addOption(new Option('--wait', 'follow the run until it settles; exit code tells the status'))
    .action(
      clientAction(async (ctx, id: string, opts: { idempotencyKey?: string; wait?: boolean }) => {
        const api = await ctx.api();
        const answer = await api.post<RunAnswer>(`/provisioning/tenants/${id}/heal`, undefined, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {});
        if (ctx.json && !opts.wait) return ctx.outJson(answer);
        if (!ctx.json) {
          ctx.out(`Heal queued: run ${answer.run.id} (retry of ${answer.run.plan.join(', ')}).`);
          if (!opts.wait) ctx.out(`Follow it: ${cliCommand(`monitor ${id}`)}`);
        }
        return opts.wait ? watchTenants({ ctx, api, ids: [id] }) : 0;
      }),
    );

  clientCommand(program, 'plan', 'What a start, continue or retry would do now, from reads only: each record it would create or update, and those in place', [
    'provisioner plan ID                       # the run the status allows next',
    'provisioner plan ID --kind start',
    'provisioner plan ID --kind retry --step step_8_pos_profile --json',
  ])
    .argument('<id>', 'tenant id', tenantId)
    .addOption(new Option('--kind <kind>', 'the run to plan (default: the one the status allows next)').choices(['start', 'continue', 'retry']))
    .addOption(new Option('--step <step>', 'retry from this step').choices(STEP_IDS))
    .action(
      clientAction(async (ctx, id: string, opts: { kind?: string; step?: string }) => {
        const answer = await (await ctx.api()).get<PlanAnswer>(`/provisioning/tenants/${id}/plan`, { kind: opts.kind, step: opts.step });
        if (ctx.json) return ctx.outJson(answer);
        const writes = answer.operations.filter((o) => o.action === 'create' || o.action === 'update');
        ctx.out(`A ${answer.kind} would run ${answer.steps.length} step(s) and write ${writes.length} record(s):`);
        for (const o of answer.operations) ctx.out(`  ${o.step.padEnd(26)} ${o.action.padEnd(6)} ${o.doctype ? `${o.doctype} "${o.name}"` : ''}${o.detail ? ` (${o.detail})` : ''}`.trimEnd());
        for (const p of answer.problems) ctx.out(`  ${p.step.padEnd(26)} would stop: ${p.problem}`);
      }),
    );
}
