import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { WEBHOOK_EVENTS } from '../../../ports/store.ts';
import { clientAction, clientCommand } from '../context.ts';

interface WebhookRow {
  id: string;
  url: string;
  events: string[];
  secret_set: boolean;
  created_by: string | null;
  created_at: string;
}

interface DeliveryRow {
  id: string;
  event: string;
  tenant_id: string | null;
  run_id: string | null;
  created_at: string;
  attempts: number;
  state: 'pending' | 'delivered' | 'failed';
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
}

/** webhooks create | list | delete | deliveries | test (platform admins; docs/operations.md, Webhooks). */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('Signed webhooks: fleet events POSTed to your URLs (platform admins)');

  clientCommand(webhooks, 'create', 'Register a webhook. The secret comes from PROVISIONER_WEBHOOK_SECRET (arguments show in `ps`); without it one is generated and printed once', [
    'PROVISIONER_WEBHOOK_SECRET=... provisioner webhooks create --url https://hooks.example.com/provisioner --events run.failed,tenant.drifted',
    'provisioner webhooks create --url https://hooks.example.com/provisioner',
  ])
    .requiredOption('--url <url>', 'where deliveries are POSTed (public https, or a host in PROVISIONER_ENGINE_ALLOWED_HOSTS)')
    .addOption(new Option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')}`).default(WEBHOOK_EVENTS.join(',')))
    .action(
      clientAction(async (ctx, opts: { url: string; events: string }) => {
        const given = process.env.PROVISIONER_WEBHOOK_SECRET;
        const secret = given || `whsec_${randomBytes(24).toString('hex')}`;
        const events = opts.events.split(',').map((e) => e.trim()).filter(Boolean);
        const answer = await (await ctx.api()).post<{ webhook: WebhookRow }>('/webhooks', { url: opts.url, events, secret });
        if (ctx.json) return ctx.outJson(given ? answer : { ...answer, secret });
        ctx.out(`Created webhook ${answer.webhook.id}: ${answer.webhook.events.join(', ')} → ${answer.webhook.url}`);
        // the only time it is shown: the API never answers it
        if (!given) ctx.out(`Secret (shown once; the receiver verifies X-Provisioner-Signature with it): ${secret}`);
      }),
    );

  clientCommand(webhooks, 'list', 'Webhooks (secrets are never shown)', ['provisioner webhooks list', 'provisioner webhooks list --json']).action(
    clientAction(async (ctx) => {
      const answer = await (await ctx.api()).get<{ webhooks: WebhookRow[] }>('/webhooks');
      if (ctx.json) return ctx.outJson(answer);
      for (const w of answer.webhooks) ctx.out(`${w.id}  ${w.url}  ${w.events.join(',')}`);
      if (answer.webhooks.length === 0) ctx.out('No webhooks.');
    }),
  );

  clientCommand(webhooks, 'delete', 'Delete a webhook; its pending deliveries are not sent', ['provisioner webhooks delete ID'])
    .argument('<id>', 'webhook id')
    .action(
      clientAction(async (ctx, id: string) => {
        const answer = await (await ctx.api()).request<{ webhook: WebhookRow }>('DELETE', `/webhooks/${encodeURIComponent(id)}`);
        if (ctx.json) return ctx.outJson(answer.body);
        ctx.out(`Deleted webhook ${answer.body.webhook.id} (${answer.body.webhook.url}).`);
      }),
    );

  clientCommand(webhooks, 'deliveries', "A webhook's delivery log, newest first: state, attempts, last status or error", ['provisioner webhooks deliveries ID', 'provisioner webhooks deliveries ID --limit 20 --json'])
    .argument('<id>', 'webhook id')
    .option('--limit <n>', 'at most this many (1–500)', '100')
    .action(
      clientAction(async (ctx, id: string, opts: { limit: string }) => {
        const answer = await (await ctx.api()).get<{ deliveries: DeliveryRow[] }>(`/webhooks/${encodeURIComponent(id)}/deliveries`, { limit: opts.limit });
        if (ctx.json) return ctx.outJson(answer);
        const s = ctx.style;
        for (const d of answer.deliveries) {
          const state = d.state === 'delivered' ? s.green('delivered') : d.state === 'failed' ? s.red('failed') : s.yellow('pending');
          const last = d.last_status !== null ? `HTTP ${d.last_status}` : (d.last_error ?? '-');
          const when = d.delivered_at ? `at ${d.delivered_at}` : d.next_attempt_at ? `next ${d.next_attempt_at}` : '';
          ctx.out(`${d.id}  ${d.event.padEnd(14)}  ${state}  attempts ${d.attempts}  ${last}  ${when}${d.tenant_id ? `  tenant ${d.tenant_id}` : ''}`);
        }
        if (answer.deliveries.length === 0) ctx.out('No deliveries yet.');
      }),
    );

  clientCommand(webhooks, 'test', 'Send a signed ping event to the webhook through the outbox (see it with `webhooks deliveries`)', ['provisioner webhooks test ID'])
    .argument('<id>', 'webhook id')
    .action(
      clientAction(async (ctx, id: string) => {
        const answer = await (await ctx.api()).post<{ delivery: DeliveryRow }>(`/webhooks/${encodeURIComponent(id)}/test`);
        if (ctx.json) return ctx.outJson(answer);
        ctx.out(`Ping ${answer.delivery.id} queued; \`provisioner webhooks deliveries ${id}\` shows when it is delivered.`);
      }),
    );
}
