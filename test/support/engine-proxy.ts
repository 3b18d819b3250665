/**
 * A forwarding HTTP proxy between Provisioner and an engine (a real ERPNext site or Odoo), for
 * tests that need a network fault or a pause at a precise point of a run without touching the
 * engine: hold matching requests until released (so the test acts while a request is in flight,
 * with no timer), or answer them with an error status as a failing gateway would. For the chaos
 * harness against a real engine: random gateway errors and lost answers (the engine did the work,
 * the caller never hears it), and an outage. Everything else is forwarded as it is, over real HTTP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** The decoded path without the query: "/api/resource/POS Profile". */
  path: string;
}

export type RequestMatcher = (req: ProxiedRequest) => boolean;

export interface Hold {
  /** Resolves once `count` matching requests are being held. */
  arrived: Promise<void>;
  /** Forwards the held requests (and stops holding new ones). */
  release(): void;
}

interface Rule {
  match: RequestMatcher;
  hold?: { waiting: Array<() => void>; count: number; arrived: () => void; released: boolean };
  status?: number;
}

export interface EngineProxy {
  url: string;
  hold(match: RequestMatcher, count?: number): Hold;
  /** Answers every matching request with `status` (a gateway's plain-text error) until cleared. */
  fail(match: RequestMatcher, status: number): { clear(): void };
  /** Requests seen, in order (forwarded or not). */
  seen: ProxiedRequest[];
  /** Requests the engine has now: arrived, not yet answered (held ones included). */
  readonly inFlight: number;
  /** The most requests in flight at once since the start (or the last resetPeak). */
  readonly peakInFlight: number;
  resetPeak(): void;
  /**
   * Random faults on every request from now on, drawn with `random`: a share answered 502/503
   * without reaching the engine, a share forwarded whose answer is dropped (the connection closed
   * instead). Counts of each in `faulted`.
   */
  randomFaults(opts: { errorRate: number; lostRate: number; random: () => number }): void;
  readonly faulted: { errors: number; lost: number; down: number };
  /** While down, every connection is closed at once, nothing forwarded: the engine is unreachable. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** Matches a resource route: `resource('POST', 'POS Profile')`. */
export const resource =
  (method: string, doctype: string): RequestMatcher =>
  (r) =>
    r.method === method && (r.path === `/api/resource/${doctype}` || r.path.startsWith(`/api/resource/${doctype}/`));

export async function startEngineProxy(upstreamUrl: string): Promise<EngineProxy> {
  const upstream = new URL(upstreamUrl);
  const rules: Rule[] = [];
  const seen: ProxiedRequest[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  let faults: { errorRate: number; lostRate: number; random: () => number } | null = null;
  let down = false;
  const faulted = { errors: 0, lost: 0, down: 0 };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, loseAnswer = false) => {
    const out = http.request(
      { host: upstream.hostname, port: upstream.port || 80, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        if (loseAnswer) {
          // the engine has done the work; its answer never reaches the caller
          answer.resume();
          answer.on('end', () => res.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // the engine is down or dropped the connection: so does the proxy, as the network would
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const info: ProxiedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname) };
    seen.push(info);
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    // answered, or the caller gave up (its connection closed): the engine has one request fewer
    let counted = true;
    const done = () => {
      if (counted) (counted = false), inFlight--;
    };
    res.on('finish', done);
    res.on('close', done);
    if (down) {
      faulted.down++;
      req.socket.destroy();
      return;
    }
    if (faults) {
      const draw = faults.random();
      if (draw < faults.errorRate) {
        faulted.errors++;
        req.resume();
        const status = draw < faults.errorRate / 2 ? 502 : 503;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`${status} from the test proxy\n`);
        return;
      }
      if (draw < faults.errorRate + faults.lostRate) {
        faulted.lost++;
        forward(req, res, true);
        return;
      }
    }
    const rule = rules.find((r) => r.match(info) && (r.status !== undefined || (r.hold && !r.hold.released)));
    if (rule?.status !== undefined) {
      req.resume();
      res.writeHead(rule.status, { 'content-type': 'text/plain' }).end(`${rule.status} from the test proxy\n`);
      return;
    }
    if (rule?.hold) {
      const hold = rule.hold;
      hold.waiting.push(() => forward(req, res));
      if (hold.waiting.length >= hold.count) hold.arrived();
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    resetPeak: () => void (peakInFlight = inFlight),
    randomFaults(opts) {
      faults = opts;
    },
    faulted,
    setDown(value) {
      down = value;
    },
    hold(match, count = 1) {
      let arrived!: () => void;
      const promise = new Promise<void>((resolve) => (arrived = resolve));
      const rule: Rule = { match, hold: { waiting: [], count, arrived, released: false } };
      rules.push(rule);
      return {
        arrived: promise,
        release() {
          rule.hold!.released = true;
          rules.splice(rules.indexOf(rule), 1);
          for (const go of rule.hold!.waiting.splice(0)) go();
        },
      };
    },
    fail(match, status) {
      const rule: Rule = { match, status };
      rules.push(rule);
      return { clear: () => void rules.splice(rules.indexOf(rule), 1) };
    },
    async close() {
      for (const r of rules) if (r.hold) for (const go of r.hold.waiting.splice(0)) go();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
