import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebhookDeliveryRecord, WebhookRecord } from '../../ports/store.ts';
import { ProvisionerError } from '../../domain/errors.ts';
import { ALLOWED_HOSTS_VARIABLE, assertEngineUrlAllowed, EngineUrlForbiddenError } from '../../adapters/engine-url-policy.ts';
import { EncryptionKeyMissingError } from '../../adapters/engine-secrets.ts';
import { encodeCursor, UpdateWebhookBody, WebhookBody, WebhookDeliveriesQuery, WebhookIdParams, WebhookListQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { PROBLEM, problems, WebhookAnswer, WebhookDeliveryAnswer, WebhookDeliveryList, WebhookList } from '../responses.ts';
import { problemOf } from '../plugins/problem-details.ts';
import { auditEntry } from './audit.ts';

/** A webhook as the API shows it: the secret never leaves the server. */
const webhookView = (w: WebhookRecord) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  secret_set: w.secret.length > 0,
  created_by: w.createdBy,
  created_at: w.createdAt.toISOString(),
  enabled: w.enabled,
  previous_secret_expires_at: w.previousSecretUntil?.toISOString() ?? null,
});

const deliveryView = (d: WebhookDeliveryRecord) => ({
  id: d.id,
  event: d.event,
  tenant_id: d.tenantId,
  run_id: d.runId,
  created_at: d.createdAt.toISOString(),
  attempts: d.attempts,
  state: d.deliveredAt ? ('delivered' as const) : d.givenUpAt ? ('failed' as const) : ('pending' as const),
  last_status: d.lastStatus,
  last_error: d.lastError,
  next_attempt_at: d.deliveredAt || d.givenUpAt ? null : d.nextAttemptAt.toISOString(),
  delivered_at: d.deliveredAt?.toISOString() ?? null,
});

/** A webhook URL the engine URL rules refuse (an internal target, http to a host not allowed). */
export class WebhookUrlForbiddenError extends ProvisionerError {
  constructor(reason: string) {
    super(
      'WEBHOOK_URL_FORBIDDEN',
      `Webhook URL refused: ${reason}`,
      `Use the receiver's public https URL (no user, query or fragment). Webhook URLs follow the engine URL rules: to reach a host on an internal network, or over http, name it in ${ALLOWED_HOSTS_VARIABLE} on every API and worker process.`,
      { httpStatus: 400 },
    );
  }
}

export class WebhookNotFoundError extends ProvisionerError {
  constructor(id: string) {
    super('WEBHOOK_NOT_FOUND', `Webhook ${id} does not exist`, 'GET /api/webhooks lists the webhooks.', { httpStatus: 404 });
  }
}

const tags = ['webhooks'];
const badId = PROBLEM.validation('params.id', 'must be a webhook id (UUID)');
const notFound = problemOf(new WebhookNotFoundError('5b0f3c1e-8d2a-4f6b-9c7e-1a2b3c4d5e6f'));
const access = [PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable];
const schemas = {
  list: { tags, operationId: 'listWebhooks', summary: 'The webhooks, oldest first (no secrets; paging: limit, cursor); platform admins', querystring: WebhookListQuery, response: { 200: WebhookList, ...problems(PROBLEM.badCursor, ...access) } },
  create: {
    tags,
    operationId: 'createWebhook',
    summary: 'Register a webhook: events POSTed to the URL, signed with the secret (platform admins; audited)',
    body: WebhookBody,
    response: { 201: WebhookAnswer, ...problems(PROBLEM.validation('body.secret', 'at least 16 characters'), problemOf(new WebhookUrlForbiddenError('10.0.0.7 is (or resolves to) a private address')), PROBLEM.malformedJson, ...access, problemOf(new EncryptionKeyMissingError('The signing secret of webhook 5b0f3c1e-8d2a-4f6b-9c7e-1a2b3c4d5e6f cannot be stored: PROVISIONER_ENCRYPTION_KEY is not set, and it is never stored in clear text'))) },
  },
  update: {
    tags,
    operationId: 'updateWebhook',
    summary: 'Change a webhook: URL, events, enabled, or its secret (the old one still signs for WEBHOOK_SECRET_OVERLAP_MS); platform admins; audited without the secret',
    params: WebhookIdParams,
    body: UpdateWebhookBody,
    response: { 200: WebhookAnswer, ...problems(badId, PROBLEM.validation('body.secret', 'at least 16 characters'), problemOf(new WebhookUrlForbiddenError('10.0.0.7 is (or resolves to) a private address')), PROBLEM.malformedJson, notFound, ...access, problemOf(new EncryptionKeyMissingError('The signing secret of webhook 5b0f3c1e-8d2a-4f6b-9c7e-1a2b3c4d5e6f cannot be stored: PROVISIONER_ENCRYPTION_KEY is not set, and it is never stored in clear text'))) },
  },
  delete: { tags, operationId: 'deleteWebhook', summary: 'Delete a webhook; its pending deliveries are not sent (platform admins; audited)', params: WebhookIdParams, response: { 200: WebhookAnswer, ...problems(badId, notFound, ...access) } },
  deliveries: {
    tags,
    operationId: 'listWebhookDeliveries',
    summary: "The webhook's delivery log, newest first: attempts, last status or error, next attempt (paging: limit, cursor)",
    params: WebhookIdParams,
    querystring: WebhookDeliveriesQuery,
    response: { 200: WebhookDeliveryList, ...problems(badId, PROBLEM.validation('querystring.limit', 'Too big: expected number to be <=500'), PROBLEM.badCursor, notFound, ...access) },
  },
  test: {
    tags,
    operationId: 'testWebhook',
    summary: 'Send a signed ping event to the webhook through the outbox (platform admins)',
    params: WebhookIdParams,
    response: { 202: WebhookDeliveryAnswer, ...problems(badId, notFound, ...access) },
  },
};

export const webhookRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, engineUrlPolicy, webhookSecretOverlapMs }) => {
  // webhooks send fleet events to URLs of the admins' choosing: platform admins only, reads too
  app.addHook('onRequest', app.requirePlatformAdmin);

  /** Checked again before every delivery (a name may resolve elsewhere later). */
  const assertUrlAllowed = async (url: string) => {
    try {
      await assertEngineUrlAllowed(url, engineUrlPolicy, { unresolvable: 'allow' });
    } catch (e) {
      if (e instanceof EngineUrlForbiddenError) throw new WebhookUrlForbiddenError(e.reason);
      throw e;
    }
  };

  app.get('/api/webhooks', { schema: schemas.list }, async (req) => {
    const page = await store.listWebhooksPage({ after: req.query.cursor ?? null, limit: req.query.limit });
    return { webhooks: page.items.map(webhookView), next_cursor: page.more ? encodeCursor(page.keys.at(-1)!) : null };
  });

  app.post('/api/webhooks', { schema: schemas.create }, async (req, reply) => {
    const b = req.body;
    await assertUrlAllowed(b.url);
    const hook = await store.createWebhook({ url: b.url, events: b.events, secret: b.secret, createdBy: req.user.email }, (w) => auditEntry(req, 'webhook.create', 'webhook', w.id, { url: w.url, events: w.events }));
    return reply.status(201).send({ webhook: webhookView(hook) });
  });

  app.patch('/api/webhooks/:id', { schema: schemas.update }, async (req) => {
    const b = req.body;
    if (b.url !== undefined) await assertUrlAllowed(b.url);
    const hook = await store.updateWebhook(req.params.id, b, webhookSecretOverlapMs, (w, { previousKept }) =>
      // what changed, never a secret
      auditEntry(req, 'webhook.update', 'webhook', w.id, {
        url: w.url,
        ...(b.events !== undefined && { events: w.events }),
        ...(b.enabled !== undefined && { enabled: w.enabled }),
        ...(b.secret !== undefined && { secret_changed: true, previous_secret_expires_at: previousKept ? w.previousSecretUntil?.toISOString() : null }),
      }),
    );
    if (!hook) throw new WebhookNotFoundError(req.params.id);
    return { webhook: webhookView(hook) };
  });

  app.delete('/api/webhooks/:id', { schema: schemas.delete }, async (req) => {
    const hook = await store.deleteWebhook(req.params.id, (w) => auditEntry(req, 'webhook.delete', 'webhook', w.id, { url: w.url }));
    if (!hook) throw new WebhookNotFoundError(req.params.id);
    return { webhook: webhookView(hook) };
  });

  app.get('/api/webhooks/:id/deliveries', { schema: schemas.deliveries }, async (req) => {
    if (!(await store.getWebhook(req.params.id))) throw new WebhookNotFoundError(req.params.id);
    const page = await store.listWebhookDeliveriesPage(req.params.id, { after: req.query.cursor ?? null, limit: req.query.limit });
    return { deliveries: page.items.map(deliveryView), next_cursor: page.more ? encodeCursor(page.keys.at(-1)!) : null };
  });

  app.post('/api/webhooks/:id/test', { schema: schemas.test }, async (req, reply) => {
    const delivery = await store.queueWebhookPing(req.params.id, { message: 'Test delivery from Provisioner', requested_by: req.user.email });
    if (!delivery) throw new WebhookNotFoundError(req.params.id);
    return reply.status(202).send({ delivery: deliveryView(delivery) });
  });
};
