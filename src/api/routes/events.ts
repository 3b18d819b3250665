import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventRecord } from '../../ports/store.ts';
import type { EventSubscription } from '../../observability/event-feed.ts';
import { TokenRevokedError, tokenStillValid, UnauthenticatedError, visibleTenantIds, type Principal } from '../plugins/authentication.ts';
import { problemOf } from '../plugins/problem-details.ts';
import { ProvisionerError } from '../../domain/errors.ts';
import { DEFAULT_EVENT_STREAM_LIMITS } from '../../config.ts';
import { TenantIdParams } from '../schemas.ts';
import { assertCanSee, logEntryView } from './provisioning.ts';
import type { ApiDeps } from '../app.ts';
import { EVENT_STREAM_EXAMPLE, PROBLEM, problems, textResponse } from '../responses.ts';

export interface EventRoutesOptions extends ApiDeps {
  /** Interval of the `: keep-alive` comment that keeps proxies from closing idle streams. (Default: 15000 ms) */
  keepAliveMs?: number;
  /** Open streams allowed per user and in all, in this process. (Default: DEFAULT_EVENT_STREAM_LIMITS) */
  limits?: { perUser: number; total: number };
  /** How often open streams re-check their tokens against the users table. (Default: 5000 ms) */
  tokenCheckMs?: number;
}

/** Seconds a refused client waits before trying again: slots free as other streams close. */
export const STREAM_RETRY_AFTER_S = 10;

export class TooManyStreamsError extends ProvisionerError {
  constructor(detail: string) {
    super(
      'TOO_MANY_STREAMS',
      detail,
      `Close event streams you no longer read (each open page or monitor holds one; one stream of /api/provisioning/events carries every tenant you may see), then retry after ${STREAM_RETRY_AFTER_S} s.`,
      { httpStatus: 429 },
    );
  }
}

/**
 * Open streams per user and in all. A slot is taken before any database work and given back
 * exactly once: when the stream closes, or when it failed to open.
 */
class StreamSlots {
  private readonly byUser = new Map<string, number>();
  private total = 0;
  constructor(private readonly limits: { perUser: number; total: number }) {}

  take(user: string): () => void {
    const mine = this.byUser.get(user) ?? 0;
    if (mine >= this.limits.perUser) throw new TooManyStreamsError(`This user has ${mine} event streams open, the most allowed per user (${this.limits.perUser})`);
    if (this.total >= this.limits.total) throw new TooManyStreamsError(`This server has ${this.total} event streams open, the most it allows (${this.limits.total})`);
    this.byUser.set(user, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byUser.get(user) ?? 1) - 1;
      if (left > 0) this.byUser.set(user, left);
      else this.byUser.delete(user);
    };
  }
}

class TokenExpiredError extends UnauthenticatedError {
  constructor() {
    super('The access token of this stream expired');
  }
}

/** The last frame of a stream closed by its token: why, and what to do (then the server ends it). */
export function streamClosedFrame(reason: UnauthenticatedError | TokenRevokedError): string {
  const p = problemOf(reason);
  return `event: stream_closed\ndata: ${JSON.stringify({ code: p.code, detail: p.detail, hint: p.hint })}\n\n`;
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
export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, { service, store, eventFeed, keepAliveMs = 15_000, tokenCheckMs = 5_000, limits = DEFAULT_EVENT_STREAM_LIMITS }) => {
  const tags = ['events'];
  /** Open streams, with the token each was opened with and how to end it. */
  const open = new Map<ServerResponse, { user: Principal; close: (why: UnauthenticatedError) => void }>();
  const slots = new StreamSlots(limits);

  /** A slot for the caller's new stream, or 429 TOO_MANY_STREAMS with Retry-After. */
  const takeSlot = (request: FastifyRequest, reply: FastifyReply): (() => void) => {
    try {
      return slots.take(request.user.sub);
    } catch (e) {
      reply.header('retry-after', String(STREAM_RETRY_AFTER_S));
      throw e;
    }
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = (request.query as { access_token?: unknown }).access_token;
    if (request.headers.authorization || typeof token !== 'string') return app.authenticate(request, reply);
    request.user = await app.principalOf(token);
  });

  // A stream outlives the request that checked its token: every tokenCheckMs, one query for all
  // the streams of this process re-reads their users; a deleted, disabled or re-roled user's
  // streams end. (Polling, not a notification: it needs no listener of its own, works whichever
  // process made the change, and bounds the delay to tokenCheckMs.)
  const checkTokens = async () => {
    if (open.size === 0) return;
    const streams = [...open.values()];
    try {
      const states = await store.tokenStates([...new Set(streams.map((s) => s.user.sub))]);
      for (const s of streams) if (!tokenStillValid(s.user, states.get(s.user.sub))) s.close(new TokenRevokedError());
    } catch (e) {
      app.log.warn({ err: e }, 'event streams: could not re-check their tokens; trying again');
    }
  };
  let checking: Promise<void> | null = null;
  const tokenCheck = setInterval(() => {
    checking ??= checkTokens().finally(() => (checking = null));
  }, tokenCheckMs);
  tokenCheck.unref();

  // open streams would keep app.close() waiting forever
  app.addHook('preClose', async () => {
    clearInterval(tokenCheck);
    for (const res of open.keys()) res.end();
  });

  /** Streams to the client; `release` gives its slot back once the stream ends (or failed to start). */
  const stream = async (request: FastifyRequest, reply: FastifyReply, tenantIds: string[] | null, query: z.infer<typeof EventsQuery>, release: () => void): Promise<void> => {
    const header = request.headers['last-event-id'];
    const afterId = typeof header === 'string' && header !== '' ? Number(header) : (query.last_event_id ?? query.since_id ?? null);

    // subscribe before answering: a database failure is still a problem document, not a broken stream
    let write: (chunk: string) => void;
    const pending: string[] = [];
    write = (chunk) => void pending.push(chunk);
    const res = reply.raw;
    // the replay runs pooled queries, each connection given back at once: streams hold none
    let subscription: EventSubscription;
    try {
      subscription = await eventFeed.subscribe({
        tenantIds,
        afterId,
        onEvent: (e) => write(sseFrame(e)),
        onEnd: () => res.end(),
      });
    } catch (e) {
      release();
      throw e;
    }

    reply.hijack();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
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
    const close = (why: UnauthenticatedError) => {
      if (res.writableEnded) return;
      write(streamClosedFrame(why));
      res.end();
    };
    // the stream ends with its token: at exp (verification made sure there is one)
    const expiresAt = (request.user.exp ?? 0) * 1000;
    const expiry = setTimeout(() => close(new TokenExpiredError()), Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1));
    expiry.unref();
    open.set(res, { user: request.user, close });
    const cleanUp = () => {
      clearInterval(keepAlive);
      clearTimeout(expiry);
      subscription.unsubscribe();
      open.delete(res);
      release();
    };
    res.on('close', cleanUp);
    // the client may have gone while the replay was read
    if (request.raw.socket?.destroyed) cleanUp();
  };

  const schema = { tags, security: [{ bearer: [] }], querystring: EventsQuery, headers: EventsHeaders, produces: ['text/event-stream'] };
  const streamed = textResponse('text/event-stream', 'Server-Sent Events: a keep-alive comment, the stored events after Last-Event-ID, then new ones as they happen', EVENT_STREAM_EXAMPLE);
  const badEventId = PROBLEM.validation('headers.last-event-id', 'must be an event id');
  const tooManyStreams = problemOf(new TooManyStreamsError(`This user has ${DEFAULT_EVENT_STREAM_LIMITS.perUser} event streams open, the most allowed per user (${DEFAULT_EVENT_STREAM_LIMITS.perUser})`));

  app.get(
    '/api/provisioning/tenants/:id/events',
    {
      schema: {
        ...schema,
        operationId: 'streamTenantEvents',
        summary: 'Server-Sent Events of one tenant: step transitions, attempts, run ends (Last-Event-ID resumes)',
        params: TenantIdParams,
        response: { 200: streamed, ...problems(badEventId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.tenantNotFound, tooManyStreams, PROBLEM.databaseUnavailable) },
      },
    },
    async (request, reply) => {
      assertCanSee(request.user, request.params.id);
      const release = takeSlot(request, reply);
      try {
        await service.tenant(request.params.id);
      } catch (e) {
        release();
        throw e;
      }
      await stream(request, reply, [request.params.id], request.query, release);
    },
  );

  const allEvents = {
    ...schema,
    operationId: 'streamEvents',
    summary: 'Server-Sent Events of every tenant the caller may see (Last-Event-ID resumes)',
    response: { 200: streamed, ...problems(badEventId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, tooManyStreams, PROBLEM.databaseUnavailable) },
  };
  app.get('/api/provisioning/events', { schema: allEvents }, async (request, reply) => {
    await stream(request, reply, visibleTenantIds(request.user), request.query, takeSlot(request, reply));
  });
};
