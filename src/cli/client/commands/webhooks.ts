import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { WEBHOOK_EVENTS } from '../../../ports/store.ts';
import { clientAction, clientCommand, positiveInt } from '../context.ts';

interface WebhookRow {
  id: string;
  url: string;
  events: string[];
  secret_set: boolean;
  created_by: string | null;
  created_at: string;
  enabled: boolean;
  previous_secret_expires_at: string | null;
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

/** A new signing secret, as create makes one. */
const generatedSecret = () => `whsec_${randomBytes(24).toString('hex')}`;

/** Deliveries per request when following the log's pages. */
const DELIVERY_PAGE = 500;

/** webhooks create | list | update | delete | deliveries | test (platform admins; docs/operations.md, Webhooks). */
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
        const secret = given || generatedSecret();
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
      const answer = await (await ctx.api()).getAll<'webhooks', WebhookRow>('/webhooks', 'webhooks');
      if (ctx.json) return ctx.outJson(answer);
      for (const w of answer.webhooks) {
        const notes = [w.enabled === false ? ctx.style.yellow('disabled') : '', w.previous_secret_expires_at ? `previous secret signs until ${w.previous_secret_expires_at}` : ''].filter(Boolean);
        ctx.out(`${w.id}  ${w.url}  ${w.events.join(',')}${notes.length ? `  (${notes.join('; ')})` : ''}`);
      }
      if (answer.webhooks.length === 0) ctx.out('No webhooks.');
    }),
  );

  clientCommand(webhooks, 'update', 'Change a webhook. A new secret (--secret-file, or --rotate-secret to generate one, printed once) leaves the old one signing too for WEBHOOK_SECRET_OVERLAP_MS (24 h)', [
    'provisioner webhooks update ID --events run.failed,tenant.drifted',
    'provisioner webhooks update ID --disable',
    'provisioner webhooks update ID --rotate-secret',
    'provisioner webhooks update ID --secret-file /run/secrets/webhook',
  ])
    .argument('<id>', 'webhook id')
    .option('--url <url>', 'where deliveries are POSTed from now on')
    .option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')}`)
    .addOption(new Option('--enable', 'send deliveries again').conflicts('disable'))
    .addOption(new Option('--disable', 'write and send no deliveries until enabled again').conflicts('enable'))
    .addOption(new Option('--secret-file <path>', 'the new signing secret: the first line of this file (arguments show in `ps`)').conflicts('rotateSecret'))
    .addOption(new Option('--rotate-secret', 'generate a new signing secret and print it once').conflicts('secretFile'))
    .action(
      clientAction(async (ctx, id: string, opts: { url?: string; events?: string; enable?: boolean; disable?: boolean; secretFile?: string; rotateSecret?: boolean }) => {
        const body: Record<string, unknown> = {};
        if (opts.url !== undefined) body.url = opts.url;
        if (opts.events !== undefined) body.events = opts.events.split(',').map((e) => e.trim()).filter(Boolean);
        if (opts.enable || opts.disable) body.enabled = Boolean(opts.enable);
        if (opts.secretFile !== undefined) body.secret = (await readFile(opts.secretFile, 'utf8')).split(/\r?\n/)[0]!.trim();
        const generated = opts.rotateSecret ? generatedSecret() : null;
        if (generated) body.secret = generated;
        const answer = (await (await ctx.api()).request<{ webhook: WebhookRow }>('PATCH', `/webhooks/${encodeURIComponent(id)}`, { body })).body;
        if (ctx.json) return ctx.outJson(generated ? { ...answer, secret: generated } : answer);
        const w = answer.webhook;
        ctx.out(`Updated webhook ${w.id}: ${w.events.join(', ')} → ${w.url}${w.enabled ? '' : ' (disabled)'}`);
        if (body.secret !== undefined) {
          ctx.out(w.previous_secret_expires_at ? `Deliveries are signed with the new and the old secret until ${w.previous_secret_expires_at}; move the receiver to the new one before then.` : 'Deliveries are signed with the new secret only.');
        }
        // the only time it is shown: the API never answers it
        if (generated) ctx.out(`New secret (shown once; the receiver verifies X-Provisioner-Signature with it): ${generated}`);
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
    .option('--limit <n>', 'at most this many, newest first (pages are followed)', positiveInt(1_000_000), 100)
    .action(
      clientAction(async (ctx, id: string, { limit }: { limit: number }) => {
        const api = await ctx.api();
        const answer: { deliveries: DeliveryRow[]; next_cursor: string | null } = { deliveries: [], next_cursor: null };
        do {
          const page = await api.get<{ deliveries: DeliveryRow[]; next_cursor?: string | null }>(`/webhooks/${encodeURIComponent(id)}/deliveries`, {
            limit: Math.min(DELIVERY_PAGE, limit - answer.deliveries.length),
            cursor: answer.next_cursor ?? undefined,
          });
          answer.deliveries.push(...page.deliveries);
          answer.next_cursor = page.next_cursor ?? null;
        } while (answer.next_cursor && answer.deliveries.length < limit);
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
