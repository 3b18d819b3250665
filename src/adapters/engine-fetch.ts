/**
 * fetch for engine requests that connects only to addresses the engine URL policy accepted, as
 * it connects. The check before each request (assertEngineUrlAllowed) looks the name up; a plain
 * fetch would then look it up again to connect, and a name answering public, then private
 * (DNS rebinding) within that moment would reach an internal address. Here the lookup of the
 * connection itself is the checked one: undici's Agent with `connect.lookup`, which answers only
 * addresses the policy allows and fails the connection otherwise, before a byte is sent.
 *
 * undici's own fetch (the `undici` package, pinned) rather than Node's global one: an Agent of
 * one undici version is not a dispatcher Node's bundled fetch of another version is sure to
 * accept (Node 20 bundles undici 6, Node 24 undici 7), and the same code must run on both.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { assertAddressesAllowed, assertEngineUrlAllowed, EngineUrlForbiddenError, resolveHost, type EngineUrlPolicy, type Resolver } from './engine-url-policy.ts';
import { EngineTimeoutError, EngineUnavailableError, ProvisionerError } from '../domain/errors.ts';
import { isConnectionClosed, networkCause } from './network-errors.ts';

export interface EngineRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  redirect: 'manual';
}

/** What the engine clients read of an answer (undici's Response and the global one both fit). */
export interface EngineResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  body: { cancel(): Promise<void> } | null;
}

export type EngineFetch = (url: URL, init: EngineRequest) => Promise<EngineResponse>;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A lookup for net.connect that answers only what `resolve` says and the policy allows for `url`. */
export function pinnedLookup(url: URL, policy: EngineUrlPolicy, resolve: Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (all) => {
        const addresses = all.filter((a) => !options.family || isIP(a) === options.family);
        try {
          // every address of the answer, as the check before the request: one inward address refuses the name
          assertAddressesAllowed(url, policy, all);
        } catch (e) {
          return callback(e as NodeJS.ErrnoException, '');
        }
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, addresses.map((address) => ({ address, family: isIP(address) })));
        callback(null, addresses[0]!, isIP(addresses[0]!));
      },
      (e: NodeJS.ErrnoException) => callback(e, ''),
    );
  };
}

/** One Agent (one connection pool) per engine origin, policy and resolver in this process. */
const agents = new WeakMap<Resolver, Map<string, Agent>>();

function agentFor(url: URL, policy: EngineUrlPolicy, resolve: Resolver): Agent {
  let byOrigin = agents.get(resolve);
  if (!byOrigin) agents.set(resolve, (byOrigin = new Map()));
  const key = `${url.origin}\u0000${policy.demo}\u0000${policy.allowedHosts.join(',')}`;
  let agent = byOrigin.get(key);
  if (!agent) byOrigin.set(key, (agent = new Agent({ connect: { lookup: pinnedLookup(url, policy, resolve) } })));
  return agent;
}

/** The fetch of an engine at `baseUrl` under `policy`: its connections go only to allowed addresses. */
export function engineFetch(baseUrl: string, policy: EngineUrlPolicy, resolve: Resolver = resolveHost): EngineFetch {
  const dispatcher = agentFor(new URL(baseUrl), policy, resolve);
  return async (url, init) => (await undiciFetch(url, { ...init, dispatcher })) as EngineResponse;
}

/** The policy's refusal inside a failed fetch (undici nests the connection's error under `cause`). */
export function refusalIn(e: unknown): EngineUrlForbiddenError | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 4; depth++) {
    if (cur instanceof EngineUrlForbiddenError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The engine answered with a redirect, which is never followed: the policy checked this URL, not where it points. */
export class EngineRedirectError extends ProvisionerError {
  constructor(what: string, status: number) {
    super('ENGINE_REDIRECTED', `${what} answered with a redirect (HTTP ${status}); redirects are not followed`, 'Register the engine with the URL it answers at (its final https:// address, e.g. without a trailing path or with https instead of http), then use "Continue".', { httpStatus: 502 });
  }
}

/** An engine's answer, read whole: what each client sorts by its own protocol. */
export interface EngineAnswer {
  status: number;
  ok: boolean;
  headers: EngineResponse['headers'];
  text: string;
}

export interface ExchangeOptions {
  /** Names the call in errors, without its arguments. */
  what: string;
  timeoutMs: number;
  /** Told of every failed attempt (status null when nothing answered) and of a redirect or a lost body. */
  report: (status: number | null, error?: string) => void;
  /** A call that changes nothing: sent once more when its connection was closed before any answer. */
  idempotent: boolean;
  /** Checked against the policy before the request (the connection's own lookup is checked by engineFetch). */
  policy?: { baseUrl: string; urlPolicy: EngineUrlPolicy; resolve?: Resolver | undefined };
}

/**
 * One engine request, as both engine clients send it: the URL policy checked first, redirects not
 * followed, the time budget covering the answer's body too. A connection closed under the request
 * before any answer (typically a kept-alive socket the engine closed first: gunicorn's keep-alive
 * is 2 s, undici keeps idle sockets 4 s) is met by an idempotent call with one more try on a new
 * connection, as browsers do; a write may have been done, so it is not resent (its step's ensure
 * reads first). Seen on a real ERPNext: a start's pre-flight check failed UND_ERR_SOCKET and the
 * tenant stayed NOT_STARTED.
 */
export async function exchange(fetch: EngineFetch, url: URL, init: Omit<EngineRequest, 'signal' | 'redirect'>, opts: ExchangeOptions): Promise<EngineAnswer> {
  const { what, timeoutMs, report } = opts;
  if (opts.policy) {
    try {
      await assertEngineUrlAllowed(opts.policy.baseUrl, opts.policy.urlPolicy, { resolve: opts.policy.resolve, unresolvable: 'refuse' });
    } catch (e) {
      report(null, (e as { code?: string }).code ?? 'refused');
      throw e;
    }
  }
  let res: EngineResponse;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      break;
    } catch (e) {
      if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
        report(null, 'timeout');
        throw new EngineTimeoutError(what, timeoutMs);
      }
      // the name pointed inward by the time the connection looked it up (DNS rebinding)
      const refused = refusalIn(e);
      if (refused) {
        report(null, refused.code);
        throw refused;
      }
      const network = networkCause(e);
      const cause = network ?? (e instanceof Error ? e.message : String(e));
      report(null, cause);
      if (opts.idempotent && attempt === 1 && isConnectionClosed(network)) continue;
      throw new EngineUnavailableError(`unreachable (${cause})`, { cause: e });
    }
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    report(res.status, 'redirect');
    throw new EngineRedirectError(what, res.status);
  }
  try {
    return { status: res.status, ok: res.ok, headers: res.headers, text: await res.text() };
  } catch (e) {
    report(res.status, 'body lost');
    if (e instanceof DOMException && e.name === 'TimeoutError') throw new EngineTimeoutError(what, timeoutMs);
    throw new EngineUnavailableError(`connection lost while reading the answer to ${what}`, { cause: e });
  }
}
