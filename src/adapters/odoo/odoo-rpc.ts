import { EngineAuthError, EngineInternalError, EngineRateLimitedError, EngineUnavailableError } from '../../domain/errors.ts';
import { DEFAULT_ENGINE_TIME_BUDGETS, type EngineTimeBudgets } from '../../ports/engine.ts';
import type { EngineCall } from '../erpnext/frappe-client.ts';
import type { EngineUrlPolicy, Resolver } from '../engine-url-policy.ts';
import { engineFetch, exchange, type EngineFetch } from '../engine-fetch.ts';
import { parseRetryAfter } from '../erpnext/frappe-errors.ts';
import { ODOO_AUTH_HINT, odooError, type OdooRpcErrorBody } from './odoo-errors.ts';

export interface OdooCredentials {
  /** e.g. http://127.0.0.1:8069 */
  baseUrl: string;
  /** The database (Odoo serves several from one URL). */
  db: string;
  login: string;
  /** An API key (res.users.apikeys) or the password; sent in every call's params, never logged. */
  apiKey: string;
}

export interface OdooRpcOptions extends OdooCredentials {
  /** Time budgets of reads and writes. (Default: DEFAULT_ENGINE_TIME_BUDGETS) */
  budgets?: Partial<EngineTimeBudgets>;
  /** Called after every request, for logs and metrics; never sees credentials or arguments. */
  onCall?: (call: EngineCall) => void;
  /** Wraps every request, e.g. to limit concurrency per engine; `kind` is e.g. "res.company.create". (Default: none) */
  gate?: <T>(fn: () => Promise<T>, kind: string) => Promise<T>;
  /** Which URLs may be called, checked before every request as for ERPNext (the key travels in every body). (Default: no check; the engine factory always passes the configured policy) */
  urlPolicy?: EngineUrlPolicy;
  /** Host name lookup for the policy. (Default: node:dns lookup) */
  resolve?: Resolver;
}

/** `common.version` (odoo/service/common.py `exp_version`). */
export interface OdooVersion {
  server_version: string;
  server_version_info: [number, number, number, string, number, string];
  server_serie: string;
  protocol_version: number;
}

/** A domain: `[['name', '=', 'X'], '|', ['a', '=', 1], ['b', '=', 2]]`. */
export type OdooDomain = ReadonlyArray<readonly [string, string, unknown] | '&' | '|' | '!'>;

export interface CallOptions {
  /** Overrides the budget (reads: readMs; writes: writeMs). */
  timeoutMs?: number;
}

/** Methods that change nothing: they get the read budget. */
const READ_METHODS = new Set(['search', 'search_read', 'search_count', 'read', 'fields_get', 'name_search', 'check_access_rights', 'default_get', 'read_group']);

type JsonRpcAnswer = { jsonrpc?: string; id?: unknown; result?: unknown; error?: OdooRpcErrorBody };

/**
 * A client for Odoo's external JSON-RPC API (odoo.md A.1): `POST /jsonrpc` with
 * `{"jsonrpc":"2.0","method":"call","params":{"service","method","args"}}`. Stateless: each
 * `object.execute_kw` carries db, uid and the API key (model.py `dispatch` checks them every
 * call). Success is "no `error` key": a method returning None answers without `result` (seen on
 * Odoo 17, odoo.md Part C). Errors come with HTTP 200 and are sorted by odoo-errors.ts.
 */
export class OdooRpcClient {
  readonly baseUrl: string;
  readonly db: string;
  readonly login: string;
  readonly budgets: EngineTimeBudgets;
  private readonly apiKey: string;
  private readonly onCall: ((call: EngineCall) => void) | undefined;
  private readonly gate: <T>(fn: () => Promise<T>, kind: string) => Promise<T>;
  private readonly urlPolicy: EngineUrlPolicy | undefined;
  private readonly resolve: Resolver | undefined;
  /** Connects only to addresses the URL policy accepted (engine-fetch.ts), like the Frappe client. */
  private readonly fetch: EngineFetch;
  private uidPromise: Promise<number> | undefined;
  private nextId = 1;

  constructor(opts: OdooRpcOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.db = opts.db;
    this.login = opts.login;
    this.apiKey = opts.apiKey;
    this.budgets = { ...DEFAULT_ENGINE_TIME_BUDGETS, ...opts.budgets };
    this.onCall = opts.onCall;
    this.gate = opts.gate ?? ((fn) => fn());
    this.urlPolicy = opts.urlPolicy;
    this.resolve = opts.resolve;
    this.fetch = opts.urlPolicy ? engineFetch(this.baseUrl, opts.urlPolicy, opts.resolve) : (url, init) => fetch(url, init);
  }

  /** Needs no credentials: the health check (odoo.md A.3 step_0). */
  version(): Promise<OdooVersion> {
    return this.call<OdooVersion>('common', 'version', [], 'common.version');
  }

  /**
   * The uid of `login`. A wrong login or key answers `false`, not an error (common.py
   * `exp_login`; odoo.md Part C): that is ENGINE_AUTH_FAILED. Never retried here: five failed
   * logins from one address within 60 s put it on a cooldown (odoo.md Part C).
   */
  async authenticate(): Promise<number> {
    const uid = await this.call<number | false>('common', 'login', [this.db, this.login, this.apiKey], 'common.login');
    if (typeof uid !== 'number') throw new EngineAuthError(`common.login answered false for "${this.login}" on database "${this.db}"`, ODOO_AUTH_HINT);
    return uid;
  }

  /**
   * The uid, logging in once: concurrent first calls share one login (a burst of failing logins
   * would put the address on Odoo's cooldown). A failed login is forgotten, so a later call tries again.
   */
  uid(): Promise<number> {
    this.uidPromise ??= this.authenticate().catch((e: unknown) => {
      this.uidPromise = undefined;
      throw e;
    });
    return this.uidPromise;
  }

  /**
   * `object.execute_kw(db, uid, key, model, method, args, kwargs)`. Resolves with `result`, or
   * undefined when the method returned None (no `result` key).
   */
  async executeKw<T = unknown>(model: string, method: string, args: readonly unknown[] = [], kwargs: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<T> {
    const uid = await this.uid();
    return this.call<T>('object', 'execute_kw', [this.db, uid, this.apiKey, model, method, args, kwargs], `${model}.${method}`, opts.timeoutMs ?? (READ_METHODS.has(method) ? this.budgets.readMs : this.budgets.writeMs));
  }

  searchRead<T = Record<string, unknown>>(model: string, domain: OdooDomain, fields: readonly string[], kwargs: Record<string, unknown> = {}): Promise<T[]> {
    return this.executeKw<T[]>(model, 'search_read', [domain], { fields, ...kwargs });
  }

  searchCount(model: string, domain: OdooDomain, kwargs: Record<string, unknown> = {}): Promise<number> {
    return this.executeKw<number>(model, 'search_count', [domain], kwargs);
  }

  search(model: string, domain: OdooDomain, kwargs: Record<string, unknown> = {}): Promise<number[]> {
    return this.executeKw<number[]>(model, 'search', [domain], kwargs);
  }

  read<T = Record<string, unknown>>(model: string, ids: readonly number[], fields: readonly string[], kwargs: Record<string, unknown> = {}): Promise<T[]> {
    return this.executeKw<T[]>(model, 'read', [ids], { fields, ...kwargs });
  }

  /** The new record's id (one values dict). */
  create(model: string, values: Record<string, unknown>, kwargs: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<number> {
    return this.executeKw<number>(model, 'create', [values], kwargs, opts);
  }

  write(model: string, ids: readonly number[], values: Record<string, unknown>, kwargs: Record<string, unknown> = {}): Promise<boolean> {
    return this.executeKw<boolean>(model, 'write', [ids, values], kwargs);
  }

  /** One JSON-RPC call; `what` names it in errors and the call log, without its arguments. */
  call<T>(service: 'common' | 'object', method: string, args: readonly unknown[], what: string, timeoutMs: number = this.budgets.readMs): Promise<T> {
    // common.version and common.login change nothing; of execute_kw, the model method (args[4]) tells
    const idempotent = service === 'common' || READ_METHODS.has(String(args[4]));
    return this.gate(() => this.send<T>(service, method, args, what, timeoutMs, idempotent), what);
  }

  private async send<T>(service: string, method: string, args: readonly unknown[], what: string, timeoutMs: number, idempotent: boolean): Promise<T> {
    const id = this.nextId++;
    const path = `/jsonrpc ${what}`;
    const started = performance.now();
    const report = (status: number | null, error?: string) => this.onCall?.({ method: 'POST', path, status, ms: Math.round(performance.now() - started), ...(error ? { error } : {}) });
    const policy = this.urlPolicy ? { baseUrl: this.baseUrl, urlPolicy: this.urlPolicy, resolve: this.resolve } : undefined;
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id });
    const res = await exchange(this.fetch, new URL(`${this.baseUrl}/jsonrpc`), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body }, { what, timeoutMs, report, idempotent, policy });
    const text = res.text;
    let answer: JsonRpcAnswer | null = null;
    try {
      const parsed: unknown = text ? JSON.parse(text) : null;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) answer = parsed as JsonRpcAnswer;
    } catch {
      /* a proxy's HTML page: sorted on the status below */
    }
    if (answer?.error) {
      report(res.status, answer.error.data?.name ?? answer.error.message ?? 'error');
      throw odooError(answer.error, what);
    }
    report(res.status);
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    if (res.status === 429) throw new EngineRateLimitedError(retryAfter);
    if (res.status >= 500) throw new EngineUnavailableError(`HTTP ${res.status} from ${what}`, { retryAfterMs: retryAfter });
    if (!res.ok || !answer || answer.jsonrpc !== '2.0') throw new EngineInternalError(`${what} answered HTTP ${res.status} without a JSON-RPC body`);
    return answer.result as T;
  }
}
