import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventRecord } from '../../ports/store.ts';
import type { EventSubscription } from '../../observability/event-feed.ts';
import { UnauthenticatedError, type Principal } from '../plugins/authentication.ts';
import { TenantIdParams } from '../schemas.ts';
import { assertCanSee, logEntryView } from './provisioning.ts';
import type { ApiDeps } from '../app.ts';
import { EVENT_STREAM_EXAMPLE, PROBLEM, problems, textResponse } from '../responses.ts';

export interface EventRoutesOptions extends ApiDeps {
  /** Interval of the `: keep-alive` comment that keeps proxies from closing idle streams. (Default: 15000 ms) */
  keepAliveMs?: number;
}

const EventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const EventsQuery = z.object({
  /** Browsers' EventSource cannot send headers: the token may come in the query (redacted from logs). */
  access_token: z.string().min(1).max(4096).optional(),
  /** Same as the Last-Event-ID header, for clients that cannot send it. */
  last_event_id: EventId.optional(),
  /** Replay the stored events after this id first (0 = every stored event). */
  since_id: EventId.optional(),
});

const EventsHeaders = z.object({ 'last-event-id': z.string().regex(/^\d{0,15}$/, 'must be an event id').optional() });

/** One SSE frame: the event's id (for Last-Event-ID), its type, and the log entry plus tenant_id. */
export function sseFrame(e: EventRecord): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...logEntryView(e), tenant_id: e.tenantId })}\n\n`;
}

/** A client this far behind is cut off; it reconnects with Last-Event-ID and replays from the database. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Server-Sent Events (product.md §5): every step transition, attempt and run end, live, for one
 * tenant or every tenant the caller may see. Reconnecting with Last-Event-ID replays exactly the
 * events after it, then continues live.
 */
export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, { service, eventFeed, keepAliveMs = 15_000 }) => {
  const tags = ['events'];
  const open = new Set<ServerResponse>();

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = (request.query as { access_token?: unknown }).access_token;
    if (request.headers.authorization || typeof token !== 'string') return app.authenticate(request, reply);
    try {
      request.user = app.jwt.verify<Principal>(token);
    } catch {
      throw new UnauthenticatedError('Invalid or expired access token');
    }
  });

  // open streams would keep app.close() waiting forever
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  const stream = async (request: FastifyRequest, reply: FastifyReply, tenantIds: string[] | null, query: z.infer<typeof EventsQuery>): Promise<void> => {
    const header = request.headers['last-event-id'];
    const afterId = typeof header === 'string' && header !== '' ? Number(header) : (query.last_event_id ?? query.since_id ?? null);

    // subscribe before answering: a database failure is still a problem document, not a broken stream
    let write: (chunk: string) => void;
    const pending: string[] = [];
    write = (chunk) => void pending.push(chunk);
    const res = reply.raw;
    const subscription: EventSubscription = await eventFeed.subscribe({
      tenantIds,
      afterId,
      onEvent: (e) => write(sseFrame(e)),
      onEnd: () => res.end(),
    });

    reply.hijack();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    open.add(res);
    write = (chunk) => {
      if (res.writableEnded) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        request.log.warn({ tenant_ids: tenantIds }, 'event stream: client too slow, closing (it resumes with Last-Event-ID)');
        res.end();
      }
    };
    write(': keep-alive\n\n');
    for (const chunk of pending.splice(0)) write(chunk);
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);
    keepAlive.unref();
    const cleanUp = () => {
      clearInterval(keepAlive);
      subscription.unsubscribe();
      open.delete(res);
    };
    res.on('close', cleanUp);
    // the client may have gone while the replay was read
    if (request.raw.socket?.destroyed) cleanUp();
  };

  const schema = { tags, security: [{ bearer: [] }], querystring: EventsQuery, headers: EventsHeaders, produces: ['text/event-stream'] };
  const streamed = textResponse('text/event-stream', 'Server-Sent Events: a keep-alive comment, the stored events after Last-Event-ID, then new ones as they happen', EVENT_STREAM_EXAMPLE);
  const badEventId = PROBLEM.validation('headers.last-event-id', 'must be an event id');

  app.get(
    '/api/provisioning/tenants/:id/events',
    {
      schema: {
        ...schema,
        operationId: 'streamTenantEvents',
        summary: 'Server-Sent Events of one tenant: step transitions, attempts, run ends (Last-Event-ID resumes)',
        params: TenantIdParams,
        response: { 200: streamed, ...problems(badEventId, PROBLEM.unauthenticated, PROBLEM.tenantNotFound, PROBLEM.databaseUnavailable) },
      },
    },
    async (request, reply) => {
      assertCanSee(request.user, request.params.id);
      await service.tenant(request.params.id);
      await stream(request, reply, [request.params.id], request.query);
    },
  );

  const allEvents = {
    ...schema,
    operationId: 'streamEvents',
    summary: 'Server-Sent Events of every tenant the caller may see (Last-Event-ID resumes)',
    response: { 200: streamed, ...problems(badEventId, PROBLEM.unauthenticated, PROBLEM.databaseUnavailable) },
  };
  app.get('/api/provisioning/events', { schema: allEvents }, async (request, reply) => {
    const user = request.user;
    const tenantIds = user.role === 'platform_admin' ? null : user.tenant_id ? [user.tenant_id] : [];
    await stream(request, reply, tenantIds, request.query);
  });
};
