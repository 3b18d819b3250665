/**
 * The HTTP server: Odoo's external JSON-RPC endpoint `POST /jsonrpc` (odoo.md A.1) plus the
 * control API under /__simulator/ (control.ts). Every call's work runs in one synchronous step,
 * so concurrent calls serialise as PostgreSQL's unique checks make them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson, sendText, sleep } from '../erpnext/http.ts';
import { handleControl } from './control.ts';
import { errorEnvelope, OdooException } from './errors.ts';
import type { CallKey, OdooFaultSpec, OdooLatencySpec } from './faults.ts';
import { OdooSimulator } from './simulator.ts';

export interface OdooSimulatorOptions {
  /** Port to listen on (Default: 0 = a random free port). */
  port?: number;
  /** Interface to bind (Default: '127.0.0.1'). */
  host?: string;
  /** Database name (Default: 'odoo'). */
  db?: string;
  /** Login of the administrator (Default: 'admin'). */
  login?: string;
  /** Its API key (Default: 'sim-odoo-key'). */
  apiKey?: string;
  /** Seed of the fault plan's PRNG (Default: random). */
  seed?: number;
  /** Keep the records in this file across restarts (mode 0600; Default: memory only). */
  dataFile?: string;
  /** Latency from the start: ms for every call, or rules. */
  latency?: number | OdooLatencySpec | OdooLatencySpec[];
  /** Faults from the start. */
  faults?: OdooFaultSpec[];
  /** Start as an engine that is down (Default: false). */
  down?: boolean;
  /** Receives one line per JSON-RPC call (Default: none). */
  logger?: { info(obj: object, msg?: string): void };
}

export interface RunningOdooSimulator {
  /** e.g. http://127.0.0.1:34567 */
  url: string;
  db: string;
  login: string;
  apiKey: string;
  sim: OdooSimulator;
  close(): Promise<void>;
}

interface RpcRequest {
  id: unknown;
  service: string;
  method: string;
  args: unknown[];
}

/** `{"jsonrpc":"2.0","method":"call","params":{"service","method","args"},"id"}`, or null when not JSON-RPC. */
function parseRpc(raw: string): RpcRequest | null {
  try {
    const body = JSON.parse(raw) as { id?: unknown; params?: { service?: unknown; method?: unknown; args?: unknown } };
    if (!body || typeof body !== 'object' || typeof body.params !== 'object' || body.params === null) return null;
    const { service, method, args } = body.params;
    return { id: body.id ?? null, service: String(service ?? ''), method: String(method ?? ''), args: Array.isArray(args) ? args : [] };
  } catch {
    return null;
  }
}

/** `JsonRPCDispatcher._response`: `result` only when not None (odoo/http.py; odoo.md Part C). */
function rpcAnswer(id: unknown, result: unknown): Record<string, unknown> {
  return result === undefined || result === null ? { jsonrpc: '2.0', id } : { jsonrpc: '2.0', id, result };
}

const PROXY_REASONS: Record<number, string> = { 429: 'Too Many Requests', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

/** An injected HTTP error: the reverse proxy's page (nginx), or werkzeug's 500 page. */
function faultPage(res: ServerResponse, status: number, retryAfter: number | undefined): void {
  const reason = PROXY_REASONS[status] ?? (status === 500 ? 'Internal Server Error' : 'Error');
  const html = `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html), ...(retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {}) });
  res.end(html);
}

async function handleRpc(sim: OdooSimulator, opts: OdooSimulatorOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const raw = await readBody(req);
  const rpc = parseRpc(raw);
  // odoo/http.py JsonRPCDispatcher.dispatch: a body that is not JSON-RPC is a plain 400
  if (!rpc) return sendText(res, 400, 'text/html; charset=utf-8', 'Invalid JSON-RPC data');
  const model = rpc.service === 'object' && typeof rpc.args[3] === 'string' ? rpc.args[3] : undefined;
  const method = model && typeof rpc.args[4] === 'string' ? rpc.args[4] : rpc.method;
  const key: CallKey = { service: rpc.service, method, model };

  if (sim.faults.down) {
    sim.recordCall({ ...key, status: 0, outcome: 'refused' });
    req.socket.destroy();
    return;
  }
  const delay = sim.faults.latencyFor(key);
  if (delay > 0) await sleep(delay);
  const fault = sim.faults.decide(key);
  if (fault?.kind === 'error' && fault.exception) {
    sim.recordCall({ ...key, latencyMs: delay, status: 200, error: fault.exception.name, outcome: 'injected' });
    return sendJson(res, 200, { jsonrpc: '2.0', id: rpc.id, error: errorEnvelope(new OdooException(fault.exception.name, fault.exception.message ?? `${fault.exception.name} (injected by the simulator)`)) });
  }
  if (fault?.kind === 'error') {
    sim.recordCall({ ...key, latencyMs: delay, status: fault.status!, outcome: 'injected' });
    return faultPage(res, fault.status!, fault.retryAfter);
  }
  if (fault?.kind === 'timeout') {
    sim.recordCall({ ...key, latencyMs: delay, status: 0, outcome: 'timeout' });
    return; // held until the client gives up (or close())
  }
  if (fault?.kind === 'reset') {
    sim.recordCall({ ...key, latencyMs: delay, status: 0, outcome: 'reset' });
    req.socket.resetAndDestroy();
    return;
  }

  let body: Record<string, unknown>;
  let error: string | undefined;
  try {
    let result: unknown;
    if (rpc.service === 'common') result = sim.common(rpc.method, rpc.args, req.socket.remoteAddress ?? '');
    else if (rpc.service === 'object' && rpc.method === 'execute_kw') result = sim.executeKw(rpc.args);
    else if (rpc.service === 'object' && rpc.method === 'execute') result = sim.executeKw([...rpc.args.slice(0, 5), rpc.args.slice(5), {}]);
    else throw new OdooException('builtins.KeyError', `'${rpc.service}'`); // dispatch_rpc's dict lookup
    body = rpcAnswer(rpc.id, result);
  } catch (e) {
    const ex = e instanceof OdooException ? e : new OdooException('builtins.Exception', e instanceof Error ? e.message : String(e));
    error = ex.exceptionName;
    body = { jsonrpc: '2.0', id: rpc.id, error: errorEnvelope(ex) };
  }
  opts.logger?.info({ ...key, error, ms: Date.now() - started, lost: fault?.kind === 'lost' }, 'odoo simulator call');
  if (fault?.kind === 'lost') {
    sim.recordCall({ ...key, latencyMs: delay, status: 200, ...(error ? { error } : {}), outcome: 'lost' });
    req.socket.destroy();
    return;
  }
  sim.recordCall({ ...key, latencyMs: delay, status: 200, ...(error ? { error } : {}) });
  sendJson(res, 200, body);
}

export async function startOdooSimulator(options: OdooSimulatorOptions = {}): Promise<RunningOdooSimulator> {
  const latency = options.latency === undefined ? [] : typeof options.latency === 'number' ? [{ ms: options.latency }] : Array.isArray(options.latency) ? options.latency : [options.latency];
  const sim = new OdooSimulator({ db: options.db, login: options.login, apiKey: options.apiKey, seed: options.seed, dataFile: options.dataFile, faults: options.faults, latency });
  if (options.down) sim.setDown(true);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let work: Promise<void>;
    if (url.pathname === '/__simulator' || url.pathname.startsWith('/__simulator/')) work = handleControl(sim, req, res, url);
    else if (url.pathname === '/jsonrpc' && req.method === 'POST') {
      sim.requestArrived();
      res.once('close', () => sim.requestEnded());
      work = handleRpc(sim, options, req, res);
    }
    else if (sim.faults.down) {
      req.socket.destroy();
      return;
    } else work = Promise.resolve(sendText(res, 404, 'text/html; charset=utf-8', '<!doctype html><title>404 Not Found</title><h1>Not Found</h1>'));
    work.catch(() => {
      if (!res.headersSent) sendText(res, 500, 'text/html; charset=utf-8', 'Internal Server Error');
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    ...sim.credentials,
    sim,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sim.flush();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
