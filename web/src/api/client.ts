/**
 * The dashboard's whole API layer: openapi-fetch over the types generated from the OpenAPI
 * document (schema.d.ts, `npm run api-types`), the session's bearer token, and problem documents
 * turned into errors that carry their code and hint. Pages call `api.GET('/api/…')` and `unwrap`.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

type Json<P extends keyof paths, M extends 'get' | 'post' | 'delete', S extends number> = paths[P][M] extends { responses: { [K in S]: { content: { 'application/json': infer T } } } } ? T : never;

export type Session = Json<'/api/auth/login', 'post', 200>;
export type User = Session['user'];
export type TenantRow = Json<'/api/tenants', 'get', 200>['tenants'][number];
export type Tenant = Json<'/api/tenants/{id}', 'get', 200>;
export type Status = Json<'/api/provisioning/tenants/{id}/status', 'get', 200>;
export type StepView = Status['steps'][number];
export type ProvisioningStatus = Status['status'];
/** Every provisioning status, in the order the pages list them. */
export const PROVISIONING_STATUSES: readonly ProvisioningStatus[] = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED'];
export type LogEntry = Json<'/api/provisioning/tenants/{id}/logs', 'get', 200>['logs'][number];
export type Engine = Json<'/api/engines', 'get', 200>['engines'][number];
export type EngineHealth = Json<'/api/engines/{id}/health', 'post', 200>['health'];
export type UserRow = Json<'/api/users', 'get', 200>['users'][number];
export type StepId = StepView['id'];
export type DriftFinding = Status['drift']['findings'][number];
export type Verification = Json<'/api/provisioning/tenants/{id}/verify', 'post', 200>;
export type RunPlan = Json<'/api/provisioning/tenants/{id}/plan', 'get', 200>;
export type BulkFilter = NonNullable<NonNullable<paths['/api/provisioning/bulk']['post']['requestBody']>['content']['application/json']['filter']>;
export type BulkOutcome = Json<'/api/provisioning/bulk', 'post', 200>;
export type Webhook = Json<'/api/webhooks', 'get', 200>['webhooks'][number];
export type WebhookEvent = Webhook['events'][number];
export type WebhookDelivery = Json<'/api/webhooks/{id}/deliveries', 'get', 200>['deliveries'][number];
/** PATCH /api/webhooks/{id}: any of url, events, enabled, secret. */
export type WebhookChange = NonNullable<paths['/api/webhooks/{id}']['patch']['requestBody']>['content']['application/json'];

/** An error answer (application/problem+json): its stable code, what went wrong, what resolves it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly hint: string | null,
  ) {
    super(detail);
  }
}

const SESSION_KEY = 'provisioner.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** Called when the API answers 401 to a logged-in request (expired or revoked token). */
let onUnauthenticated: () => void = () => {};
export const setUnauthenticatedHandler = (fn: () => void) => void (onUnauthenticated = fn);

const auth: Middleware = {
  onRequest({ request }) {
    const token = loadSession()?.access_token;
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && request.headers.has('authorization')) onUnauthenticated();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** The data of a success, or an ApiError made of the problem document. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) {
    const p = (error ?? {}) as { code?: string; detail?: string; hint?: string };
    throw new ApiError(response.status, p.code ?? `HTTP_${response.status}`, p.detail ?? response.statusText, p.hint ?? null);
  }
  return data;
}

/** Every row of a paged list (limit/cursor), following `next_cursor` (at most 100 pages). */
async function listAll<Row>(page: (cursor: string | undefined) => Promise<{ rows: Row[]; next_cursor?: string | null }>): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 100; n++) {
    const body = await page(cursor);
    rows.push(...body.rows);
    if (!body.next_cursor) break;
    cursor = body.next_cursor;
  }
  return rows;
}

const cursorQuery = (cursor: string | undefined) => (cursor ? { cursor } : {});

/** Every tenant the caller may see. */
export const listAllTenants = (): Promise<TenantRow[]> =>
  listAll(async (cursor) => {
    const body = await unwrap(api.GET('/api/tenants', { params: { query: cursorQuery(cursor) } }));
    return { rows: body.tenants, next_cursor: body.next_cursor };
  });

/** Every user (platform admins and viewers). */
export const listAllUsers = (): Promise<UserRow[]> =>
  listAll(async (cursor) => {
    const body = await unwrap(api.GET('/api/users', { params: { query: cursorQuery(cursor) } }));
    return { rows: body.users, next_cursor: body.next_cursor };
  });

/** Every webhook (platform admins), oldest first, following next_cursor page after page. */
export const listAllWebhooks = (): Promise<Webhook[]> =>
  listAll(async (cursor) => {
    const body = await unwrap(api.GET('/api/webhooks', { params: { query: cursorQuery(cursor) } }));
    return { rows: body.webhooks, next_cursor: body.next_cursor };
  });

/** The types of the events the stream sends (LogEntry.type), each a named SSE event. */
export const EVENT_TYPES = ['tenant_created', 'run_queued', 'run_started', 'run_refused', 'auto_continue', 'auto_continue_exhausted', 'step_started', 'step_retrying', 'step_completed', 'step_failed', 'step_skipped', 'note', 'run_finished', 'run_handed_back', 'tenant_drifted', 'tenant_drift_cleared'] as const;

export type StreamEvent = LogEntry & { tenant_id: string };

/**
 * The live event stream (SSE) of every tenant the caller may see, or of one. EventSource cannot
 * send headers: the token goes as ?access_token=. The browser reconnects by itself with
 * Last-Event-ID. Returns a function that closes the stream.
 */
export function subscribe(tenantId: string | null, onEvent: (e: StreamEvent) => void, onState?: (open: boolean) => void): () => void {
  const token = loadSession()?.access_token ?? '';
  const path = tenantId ? `/api/provisioning/tenants/${encodeURIComponent(tenantId)}/events` : '/api/provisioning/events';
  const source = new EventSource(`${path}?access_token=${encodeURIComponent(token)}`);
  const handler = (m: MessageEvent<string>) => {
    try {
      onEvent(JSON.parse(m.data) as StreamEvent);
    } catch {
      /* a frame that is not JSON: ignored */
    }
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, handler as EventListener);
  source.onmessage = handler;
  source.onopen = () => onState?.(true);
  source.onerror = () => onState?.(false);
  return () => source.close();
}
