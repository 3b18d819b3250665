import { setTimeout as sleep } from 'node:timers/promises';
import { ApiProblemError, describeFetchError, type ApiClient } from './api-client.ts';
import type { LogEntry, LogsAnswer } from './api-types.ts';

/**
 * Live events: the API's Server-Sent Events stream when it has one (GET …/events, `id:` the
 * event id, `data:` a JSON log entry), reconnecting with Last-Event-ID so that nothing is lost;
 * polling once a second where the API has no stream yet.
 */

export interface SseFrame {
  id: string | null;
  event: string | null;
  data: string;
}

/** Parses a text/event-stream body into frames (WHATWG HTML §9.2: fields, comments, blank-line dispatch). */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | null = null;
  let event: string | null = null;
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length) yield { id, event, data: data.join('\n') };
        event = null;
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // heartbeat comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'event') event = value;
    }
  }
}

const RECONNECT_MS = [500, 1000, 2000, 5000];

export type StreamEnd = 'unsupported' | 'aborted';

/**
 * Follows an event stream until `signal` aborts. Answers 'unsupported' at once when the API has no
 * such route (404 ROUTE_NOT_FOUND): the caller polls instead. Refusals (401, 403, unknown tenant)
 * are thrown; dropped connections are reopened from the last event seen.
 */
export async function followEventStream(opts: {
  api: ApiClient;
  path: string;
  lastEventId: string | null;
  onEvent: (entry: LogEntry, frame: SseFrame) => void;
  onReconnect?: (attempt: number, reason: string) => void;
  signal: AbortSignal;
}): Promise<StreamEnd> {
  let lastEventId = opts.lastEventId;
  let failures = 0;
  while (!opts.signal.aborted) {
    let reason: string;
    try {
      const res = await fetch(opts.api.url(opts.path), {
        headers: opts.api.headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
        signal: opts.signal,
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        if (res.status === 404 && (body.code === 'ROUTE_NOT_FOUND' || body.code === undefined)) return 'unsupported';
        if (res.status < 500) throw new ApiProblemError(res.status, body);
        reason = `the API answered ${res.status}`;
      } else if (!res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        return 'unsupported';
      } else {
        failures = 0;
        for await (const frame of sseFrames(res.body)) {
          if (frame.id !== null) lastEventId = frame.id;
          // the server ends a stream whose token expired or was revoked, saying why: reconnecting would not help
          if (frame.event === 'stream_closed') throw new ApiProblemError(401, JSON.parse(frame.data) as Record<string, unknown>);
          let entry: LogEntry;
          try {
            entry = JSON.parse(frame.data) as LogEntry;
          } catch {
            continue; // not an event of ours (a keep-alive with data, a comment)
          }
          if (frame.event && !entry.type) entry.type = frame.event;
          opts.onEvent(entry, frame);
        }
        reason = 'the stream ended';
      }
    } catch (e) {
      if (opts.signal.aborted) return 'aborted';
      if (e instanceof ApiProblemError) throw e;
      reason = describeFetchError(e);
    }
    if (opts.signal.aborted) break;
    failures += 1;
    opts.onReconnect?.(failures, reason);
    if (!(await pause(RECONNECT_MS[Math.min(failures - 1, RECONNECT_MS.length - 1)]!, opts.signal))) break;
  }
  return 'aborted';
}

/** Waits; answers false when aborted meanwhile. */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** New log entries of one tenant after `afterId`, every page of them. */
export async function logsAfter(api: ApiClient, tenantId: string, afterId: number, query: Record<string, string | number | undefined> = {}): Promise<LogEntry[]> {
  const all: LogEntry[] = [];
  let after = afterId;
  for (;;) {
    const page = await api.get<LogsAnswer>(`/provisioning/tenants/${tenantId}/logs`, { ...query, after_id: after, limit: 1000 });
    all.push(...page.logs);
    if (page.logs.length < 1000) return all;
    after = page.logs[page.logs.length - 1]!.id;
  }
}

/**
 * Every new log entry of one tenant, in order and once, until `signal` aborts: the event stream,
 * or polling the logs every second when the API has none. Answers the last id delivered.
 */
export async function followTenantLogs(opts: {
  api: ApiClient;
  tenantId: string;
  afterId: number;
  onEntry: (entry: LogEntry) => void;
  onReconnect?: (attempt: number, reason: string) => void;
  signal: AbortSignal;
  pollMs?: number;
}): Promise<number> {
  let lastId = opts.afterId;
  const deliver = (e: LogEntry) => {
    if (typeof e.id === 'number' && e.id <= lastId) return; // a replay after a reconnect
    if (typeof e.id === 'number') lastId = e.id;
    opts.onEntry(e);
  };
  const end = await followEventStream({
    api: opts.api,
    path: `/provisioning/tenants/${opts.tenantId}/events`,
    lastEventId: String(lastId), // replays what happened since the caller's last entry
    onEvent: deliver,
    onReconnect: opts.onReconnect,
    signal: opts.signal,
  });
  if (end === 'aborted') return lastId;
  while (!opts.signal.aborted) {
    try {
      for (const e of await logsAfter(opts.api, opts.tenantId, lastId)) deliver(e);
    } catch (e) {
      if (e instanceof ApiProblemError) throw e;
      opts.onReconnect?.(1, e instanceof Error ? e.message : String(e));
    }
    if (!(await pause(opts.pollMs ?? 1000, opts.signal))) break;
  }
  return lastId;
}
