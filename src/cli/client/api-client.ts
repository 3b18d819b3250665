import { ConfigError } from '../../config.ts';
import { ProvisionerError } from '../../domain/errors.ts';
import { cliCommand } from './invocation.ts';

export const DEFAULT_API_URL = 'http://localhost:4000/api';

/** A problem document (RFC 9457) the API answered with, carried as an error with its HTTP status. */
export class ApiProblemError extends ProvisionerError {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    const code = typeof problem.code === 'string' ? problem.code : `HTTP_${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : `The API answered ${status}`;
    const hint = typeof problem.hint === 'string' ? problem.hint : 'See the API document at /docs.';
    super(code, detail, hint, { httpStatus: status });
  }
}

export class ApiUnreachableError extends ProvisionerError {
  constructor(url: string, cause: string) {
    super('API_UNREACHABLE', `The API at ${url} did not answer: ${cause}`, 'Start the server (npm start) or point API_URL / --api-url at it, e.g. http://localhost:4000/api.', { httpStatus: 503 });
  }
}

export class NotLoggedInError extends ProvisionerError {
  constructor(apiUrl: string, detail = `Not logged in to ${apiUrl}`) {
    super('NOT_LOGGED_IN', detail, `Log in first: ${cliCommand(`login --api-url ${apiUrl}`)} (or set PROVISIONER_TOKEN).`, { httpStatus: 401 });
  }
}

/** --api-url, else API_URL, else the guide's http://localhost:4000/api; without a trailing slash. */
export function resolveApiUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (option ?? env.API_URL ?? '').trim() || DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`API URL "${raw}" is not a URL`, 'Use the API base URL, e.g. --api-url http://localhost:4000/api (or API_URL).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`API URL "${raw}" is not http or https`, 'Use the API base URL, e.g. http://localhost:4000/api.');
  if (url.username || url.password) throw new ConfigError('API URL must not carry credentials', `Log in with ${cliCommand('login')} instead.`);
  return url.toString().replace(/\/+$/, '');
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** The HTTP API, with a bearer token; every non-2xx answer becomes an ApiProblemError. */
/** Rows per request when the CLI reads a whole list: the API's most. */
const LIST_PAGE_SIZE = 500;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
    private readonly timeoutMs = 30_000,
  ) {}

  url(path: string, query: Query = {}): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    return u.toString();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** `accept`: statuses besides 2xx whose body is an answer, not an error (readiness answers 503). */
  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; headers?: Record<string, string>; accept?: number[] } = {}): Promise<ApiAnswer<T>> {
    const url = this.url(path, opts.query);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: this.headers({ ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers }),
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ApiUnreachableError(this.baseUrl, describeFetchError(e));
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { detail: text.slice(0, 300) };
      }
    }
    if (!res.ok && !(opts.accept ?? []).includes(res.status)) {
      throw new ApiProblemError(res.status, body && typeof body === 'object' ? (body as Record<string, unknown>) : {});
    }
    return { status: res.status, body: body as T };
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>('GET', path, { query })).body;
  }

  /**
   * Every row of a paged list (`key`: its array, e.g. "tenants"), following next_cursor 500
   * rows at a time, as one last page (next_cursor null); a server without paging answers one
   * page without next_cursor.
   */
  async getAll<K extends string, T>(path: string, key: K, query: Query = {}): Promise<Record<K, T[]> & { next_cursor: null }> {
    const rows: T[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.get<Record<K, T[]> & { next_cursor?: string | null }>(path, { ...query, limit: LIST_PAGE_SIZE, cursor });
      rows.push(...page[key]);
      cursor = page.next_cursor;
    } while (cursor);
    return { [key]: rows, next_cursor: null } as Record<K, T[]> & { next_cursor: null };
  }

  async post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>('POST', path, { body, headers })).body;
  }
}

/** fetch hides the reason in `cause` (ECONNREFUSED, ENOTFOUND…). */
export function describeFetchError(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return 'timed out';
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
