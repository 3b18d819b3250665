/**
 * Which engine URLs Provisioner may call (issue 11, item 6: SSRF through an engine's base_url).
 *
 * An engine URL is https, with no user, query or fragment, whose host resolves only to public
 * addresses. Loopback, private, link-local, unspecified and reserved addresses (IPv4-mapped IPv6
 * forms included) are refused unless PROVISIONER_ENGINE_ALLOWED_HOSTS names the host; http is
 * refused unless it names the host too. Demo mode, which runs the simulator on 127.0.0.1, also
 * allows loopback targets and http. The check runs at registration, again before every
 * request, and once more as the request connects, on the addresses it connects to
 * (src/adapters/engine-fetch.ts): a name that changes its answer (DNS rebinding) is refused when
 * it points inward, even between the check and the connection.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { EngineUnavailableError, ProvisionerError } from '../domain/errors.ts';

export const ALLOWED_HOSTS_VARIABLE = 'PROVISIONER_ENGINE_ALLOWED_HOSTS';

export interface EngineUrlPolicy {
  /** Demo mode: loopback targets and http are allowed. */
  demo: boolean;
  /** Hosts allowed whatever they resolve to, and over http: "host" (any port) or "host:port", normalised by parseAllowedHost. */
  allowedHosts: readonly string[];
}

/** Nothing but public https targets: what a policy is when nobody said otherwise. */
export const STRICT_ENGINE_URL_POLICY: EngineUrlPolicy = { demo: false, allowedHosts: [] };

/** The engine URL may not be called. The message never says whether anything listens there. */
export class EngineUrlForbiddenError extends ProvisionerError {
  constructor(readonly reason: string) {
    super(
      'ENGINE_URL_FORBIDDEN',
      `Engine URL refused: ${reason}`,
      `Use the engine's public https URL (no user, query or fragment). To call a host on an internal network, or over http, name it in ${ALLOWED_HOSTS_VARIABLE} (e.g. "erp.internal" or "127.0.0.1:8000", comma-separated) on every API and worker process.`,
      { httpStatus: 400 },
    );
  }
}

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'reserved';

const ranges = (list: Array<[string, number]>, family: 'ipv4' | 'ipv6') => {
  const b = new BlockList();
  for (const [net, prefix] of list) b.addSubnet(net, prefix, family);
  return b;
};

const CLASSES: Array<[Exclude<AddressClass, 'public'>, BlockList, BlockList]> = [
  ['unspecified', ranges([['0.0.0.0', 8]], 'ipv4'), ranges([['::', 128]], 'ipv6')],
  ['loopback', ranges([['127.0.0.0', 8]], 'ipv4'), ranges([['::1', 128]], 'ipv6')],
  ['private', ranges([['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]], 'ipv4'), ranges([['fc00::', 7]], 'ipv6')],
  ['link-local', ranges([['169.254.0.0', 16]], 'ipv4'), ranges([['fe80::', 10]], 'ipv6')],
  [
    'reserved',
    // IETF protocol assignments, documentation, benchmarking, multicast, future use and broadcast
    ranges([['192.0.0.0', 24], ['192.0.2.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]], 'ipv4'),
    // IPv4-compatible (deprecated), NAT64 (embeds any IPv4), site-local, documentation, multicast
    ranges([['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['fec0::', 10], ['2001:db8::', 32], ['ff00::', 8]], 'ipv6'),
  ],
];

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail or not). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d, any spelling) stands for, else null. */
export function mappedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  if (g.length !== 8 || g.slice(0, 5).some((x) => x !== 0) || g[5] !== 0xffff) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/** What kind of address this is; anything not public is refused unless allow-listed. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  const v4 = family === 4 ? bare : mappedIpv4(bare);
  for (const [name, ipv4, ipv6] of CLASSES) {
    if (v4 !== null ? ipv4.check(v4, 'ipv4') : ipv6.check(bare.replace(/%.*$/, ''), 'ipv6')) return name;
  }
  return 'public';
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

/** An allow-list entry as the URL parser spells its host: "Erp.Internal" → "erp.internal", "2130706433:8000" → "127.0.0.1:8000". Null when it is not a host[:port]. */
export function parseAllowedHost(entry: string): string | null {
  const m = /^(\[[^\]]+\]|[^:/?#@\s[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
  if (!m) return null;
  let host: string;
  try {
    host = new URL(`http://${m[1]}`).hostname;
  } catch {
    return null;
  }
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return null;
  return m[2] === undefined ? host : `${host}:${Number(m[2])}`;
}

const isAllowListed = (url: URL, policy: EngineUrlPolicy) => {
  const port = url.port || defaultPort(url.protocol);
  return policy.allowedHosts.includes(url.hostname) || policy.allowedHosts.includes(`${url.hostname}:${port}`);
};

/** The URL's form: http(s), no user, password, query or fragment. Returns it parsed. */
export function parseEngineUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EngineUrlForbiddenError('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EngineUrlForbiddenError(`${url.protocol} is not http or https`);
  if (url.username || url.password || raw.includes('@')) throw new EngineUrlForbiddenError('a user or password in the URL (give the API key and secret instead)');
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) throw new EngineUrlForbiddenError('a query or fragment in the URL');
  return url;
}

export type Resolver = (host: string) => Promise<string[]>;

export const resolveHost: Resolver = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses an engine URL the policy does not allow: its form, its scheme, and each address its
 * host resolves to now. `unresolvable`: what a host name that does not resolve means here —
 * 'allow' at registration (the check before each request covers it), 'refuse' before a request.
 */
export async function assertEngineUrlAllowed(raw: string, policy: EngineUrlPolicy, opts: { resolve?: Resolver; unresolvable: 'allow' | 'refuse' }): Promise<void> {
  const url = parseEngineUrl(raw);
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(literal)) {
    addresses = [literal];
  } else {
    try {
      addresses = await (opts.resolve ?? resolveHost)(url.hostname);
    } catch (e) {
      if (opts.unresolvable === 'allow') addresses = [];
      // as fetch would say it: a name that does not resolve (yet, or for now) is an unreachable engine
      else throw new EngineUnavailableError(`unreachable (${(e as { code?: string }).code ?? 'name does not resolve'})`, { cause: e });
    }
  }
  assertAddressesAllowed(url, policy, addresses);
}

/**
 * Refuses the addresses `url`'s host resolves to when the policy does not allow them (or, for
 * http, does not allow the host). Checked before every request, and again by the engine fetch
 * as it connects, on the very addresses it connects to (src/adapters/engine-fetch.ts).
 */
export function assertAddressesAllowed(url: URL, policy: EngineUrlPolicy, addresses: readonly string[]): void {
  const listed = isAllowListed(url, policy);
  const classes = addresses.map(classifyAddress);
  const allLoopback = classes.length > 0 && classes.every((c) => c === 'loopback');
  if (url.protocol === 'http:' && !listed && !(policy.demo && allLoopback)) {
    throw new EngineUrlForbiddenError(`http is allowed only to hosts named in ${ALLOWED_HOSTS_VARIABLE}${policy.demo ? ' or loopback addresses (demo mode)' : ''}: the API secret would cross the network in clear text`);
  }
  if (listed) return;
  const inward = classes.find((c) => c !== 'public' && !(policy.demo && c === 'loopback'));
  if (inward) throw new EngineUrlForbiddenError(`${url.hostname} is (or resolves to) a ${inward} address`);
}
