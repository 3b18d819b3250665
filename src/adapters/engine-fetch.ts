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
import { assertAddressesAllowed, EngineUrlForbiddenError, resolveHost, type EngineUrlPolicy, type Resolver } from './engine-url-policy.ts';

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
