import { EngineInternalError } from '../../domain/errors.ts';
import type { EngineUrlPolicy, Resolver } from '../engine-url-policy.ts';
import { frappeError, type FrappeErrorBody } from './frappe-errors.ts';
import { DEFAULT_ENGINE_TIME_BUDGETS, type EngineTimeBudgets } from '../../ports/engine.ts';
import { engineFetch, exchange, type EngineFetch } from '../engine-fetch.ts';

export interface FrappeCredentials {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
}

export interface FrappeClientOptions extends FrappeCredentials {
  /** Time budgets of reads and writes. (Default: DEFAULT_ENGINE_TIME_BUDGETS) */
  budgets?: Partial<EngineTimeBudgets>;
  /** Called after every request, for logs and metrics; never sees credentials. */
  onCall?: (call: EngineCall) => void;
  /** Wraps every request, e.g. to limit concurrency per engine; `kind` is the method and route, e.g. "GET /api/resource/Company". (Default: none) */
  gate?: <T>(fn: () => Promise<T>, kind: string) => Promise<T>;
  /**
   * Which URLs may be called, checked (with a fresh DNS lookup) before every request and again
   * on the addresses each connection goes to, so that neither a request nor the API secret goes
   * to a refused target. (Default: no check, Node's fetch; the engine factory always passes the
   * configured policy)
   */
  urlPolicy?: EngineUrlPolicy;
  /** Host name lookup for the policy. (Default: node:dns lookup, every address) */
  resolve?: Resolver;
}

export interface EngineCall {
  method: string;
  path: string;
  status: number | null;
  ms: number;
  error?: string;
}

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RequestOptions {
  query?: Record<string, string>;
  body?: unknown;
  auth?: boolean;
  timeoutMs?: number;
}

export interface ListQuery {
  fields: readonly string[];
  filters?: Record<string, unknown> | unknown[];
  /** Conditions of which a row must meet at least one (and all of `filters`). */
  orFilters?: unknown[];
  orderBy?: string;
  /** 0 = all rows. (Default: 0, unlike Frappe's 20, because ensures must see every row) */
  limit?: number;
}

/**
 * A small client for Frappe's REST API v1 (erpnext.md §1.1). It authenticates with
 * `Authorization: token KEY:SECRET` (Bearer is for OAuth tokens only, §1.2), always asks list
 * calls for the fields it reads (Frappe returns only `name` otherwise), and turns every
 * failure into a typed engine error.
 */
export class FrappeClient {
  readonly baseUrl: string;
  private readonly authorization: string;
  readonly budgets: EngineTimeBudgets;
  private readonly onCall: ((call: EngineCall) => void) | undefined;
  private readonly gate: <T>(fn: () => Promise<T>, kind: string) => Promise<T>;
  private readonly urlPolicy: EngineUrlPolicy | undefined;
  private readonly resolve: Resolver | undefined;
  private readonly fetch: EngineFetch;

  constructor(opts: FrappeClientOptions) {
    this.gate = opts.gate ?? ((fn) => fn());
    this.urlPolicy = opts.urlPolicy;
    this.resolve = opts.resolve;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetch = opts.urlPolicy ? engineFetch(this.baseUrl, opts.urlPolicy, opts.resolve) : (url, init) => fetch(url, init);
    this.authorization = `token ${opts.apiKey}:${opts.apiSecret}`;
    this.budgets = { ...DEFAULT_ENGINE_TIME_BUDGETS, ...opts.budgets };
    this.onCall = opts.onCall;
  }

  static resourcePath(doctype: string, name?: string): string {
    return `/api/resource/${encodeURIComponent(doctype)}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  /** `timeoutMs` overrides the budget of the method (reads for GET, writes otherwise). */
  request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    // the route without the document's name: calls of one kind take about as long as each other
    return this.gate(() => this.send<T>(method, path, opts), `${method} ${path.split('?')[0]!.split('/').slice(0, 4).join('/')}`);
  }

  private async send<T>(method: HttpMethod, path: string, opts: RequestOptions): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? (method === 'GET' ? this.budgets.readMs : this.budgets.writeMs);
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.auth !== false) headers.Authorization = this.authorization;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const what = `${method} ${decodeURIComponent(path)}`;
    const started = performance.now();
    const report = (status: number | null, error?: string) => this.onCall?.({ method, path: decodeURIComponent(path), status, ms: Math.round(performance.now() - started), ...(error ? { error } : {}) });

    const policy = this.urlPolicy ? { baseUrl: this.baseUrl, urlPolicy: this.urlPolicy, resolve: this.resolve } : undefined;
    const res = await exchange(this.fetch, url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }, { what, timeoutMs, report, idempotent: method === 'GET', policy });
    const text = res.text;
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* HTML error pages and proxies: handled by status below */
    }
    report(res.status);
    if (!res.ok) throw frappeError(res.status, (json as FrappeErrorBody | null) ?? null, what, res.headers.get('retry-after'));
    if (json === null || typeof json !== 'object') throw new EngineInternalError(`${what} answered HTTP ${res.status} without a JSON body`);
    return json as T;
  }

  async callMethod<T>(method: string, opts: { auth?: boolean } = {}): Promise<T> {
    const res = await this.request<{ message: T }>('GET', `/api/method/${method}`, opts);
    return res.message;
  }

  async getDoc<T = Record<string, unknown>>(doctype: string, name: string): Promise<T> {
    return (await this.request<{ data: T }>('GET', FrappeClient.resourcePath(doctype, name))).data;
  }

  /** The document, or null when the engine answers 404. */
  async findDoc<T = Record<string, unknown>>(doctype: string, name: string): Promise<T | null> {
    try {
      return await this.getDoc<T>(doctype, name);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENGINE_NOT_FOUND') return null;
      throw e;
    }
  }

  async list<T = Record<string, unknown>>(doctype: string, q: ListQuery): Promise<T[]> {
    const query: Record<string, string> = { fields: JSON.stringify(q.fields), limit_page_length: String(q.limit ?? 0) };
    if (q.filters) query.filters = JSON.stringify(q.filters);
    if (q.orFilters) query.or_filters = JSON.stringify(q.orFilters);
    if (q.orderBy) query.order_by = q.orderBy;
    return (await this.request<{ data: T[] }>('GET', FrappeClient.resourcePath(doctype), { query })).data;
  }

  async insert<T = Record<string, unknown>>(doctype: string, doc: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<T> {
    return (await this.request<{ data: T }>('POST', FrappeClient.resourcePath(doctype), { body: doc, ...opts })).data;
  }

  async update<T = Record<string, unknown>>(doctype: string, name: string, patch: Record<string, unknown>): Promise<T> {
    return (await this.request<{ data: T }>('PUT', FrappeClient.resourcePath(doctype, name), { body: patch })).data;
  }
}
