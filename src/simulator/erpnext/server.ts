/**
 * The HTTP server: Frappe's v1 REST API (erpnext.md §1.1) plus the control API (control.ts).
 * Each request's validation and commit run in one synchronous step, so concurrent requests
 * serialise like database unique checks do — except a Company insert given a duration or held
 * (company-inserts.ts): validated at its start, its chart of accounts built and committed at its
 * end, so two at once with one abbreviation race as on a real site (erpnext.md §15).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate } from './auth.ts';
import { handleControl } from './control.ts';
import { asDict, deleteDocument, metaOf, updateDocument } from './documents.ts';
import { asFrappeError, encodeServerMessages, errorBody, excTypeForStatus, FrappeError, frappeThrow, bold } from './errors.ts';
import type { FaultSpec, LatencySpec, RequestKey } from './faults.ts';
import { readBody, safeDecode, sendJson, sendText, sleep } from './http.ts';
import { type DocContext } from './meta.ts';
import { resolveMethod } from './methods.ts';
import { listDocuments } from './queries.ts';
import { sessionStoppedError, UPDATING_MESSAGE, type ScenarioSpec } from './scenarios.ts';
import { ErpnextSimulator } from './simulator.ts';

export interface SimulatorOptions {
  /** Port to listen on (Default: 0 = a random free port). */
  port?: number;
  /** Interface to bind (Default: '127.0.0.1'). */
  host?: string;
  /** API key of the Administrator (Default: 'sim-key'). */
  apiKey?: string;
  /** API secret of the Administrator (Default: 'sim-secret'). */
  apiSecret?: string;
  /** false = a site whose setup wizard never ran (Default: true). See fixtures.ts. */
  setupComplete?: boolean;
  /** Receives one line per Frappe request (Default: none). */
  logger?: { info(obj: object, msg?: string): void };
  /** Seed of the fault plan's PRNG: same seed, same requests → same faults (Default: random). */
  seed?: number;
  /** Keep the documents in this JSON file across restarts (Default: in memory only). */
  dataFile?: string;
  /** Latency from the start: ms for every request, or rules (fixed or min..max, per doctype/method). */
  latency?: number | LatencySpec | LatencySpec[];
  /** Faults from the start (errors, rates, timeouts, resets, lost responses; faults.ts). */
  faults?: FaultSpec[];
  /** The guide's errors from the start (scenarios.ts). */
  scenarios?: ScenarioSpec[];
  /** Start as an engine that is down (Default: false). */
  down?: boolean;
  /**
   * How long a Company insert takes between its validation and its chart of accounts, ms
   * (Default: 0 = no window). See company-inserts.ts; tests hold inserts with `sim.holdCompanyInserts()`.
   */
  companyInsertMs?: number;
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:34567 */
  url: string;
  apiKey: string;
  apiSecret: string;
  close(): Promise<void>;
  /** In-process access to state, same as the control API. */
  sim: ErpnextSimulator;
}

type Route =
  | { kind: 'method'; cmd: string }
  | { kind: 'resource'; doctype: string; name?: string }
  | { kind: 'unknown-api' }
  | { kind: 'not-api' };

/** /api/method/<cmd>, /api/resource/<doctype>[/<name...>] (also under /api/v1/). */
function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').slice(1);
  if (parts[0] !== 'api') return { kind: 'not-api' };
  const rest = parts[1] === 'v1' ? parts.slice(2) : parts.slice(1);
  if (rest[0] === 'method' && rest[1]) return { kind: 'method', cmd: safeDecode(rest.slice(1).join('/')) };
  if (rest[0] === 'resource' && rest[1]) {
    const name = rest.slice(2).map(safeDecode).join('/');
    return { kind: 'resource', doctype: safeDecode(rest[1]), name: name || undefined };
  }
  return { kind: 'unknown-api' };
}

/** Request arguments: query string merged with a JSON or form body (frappe.form_dict). */
function parseArgs(url: URL, raw: string, contentType: string | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (!raw.trim()) return args;
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
    return args;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new FrappeError('JSONDecodeError', e instanceof Error ? e.message : 'Invalid JSON', [], 500); // [M]
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(args, parsed);
  return args;
}

/** create_doc/update_doc payload: the JSON body, or a `data` form field holding JSON. */
function docPayload(url: URL, raw: string, contentType: string | undefined): Record<string, unknown> {
  const args = parseArgs(new URL(url.origin), raw, contentType);
  const data = typeof args.data === 'string' ? (JSON.parse(args.data) as Record<string, unknown>) : args;
  const { doctype: _ignored, ...rest } = data;
  return rest;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function withMessages(body: Record<string, unknown>, ctx: DocContext): Record<string, unknown> {
  return ctx.messages.length ? { ...body, _server_messages: encodeServerMessages(ctx.messages) } : body;
}

/**
 * /api/method/<cmd>: execute_cmd (methods.ts), then handle() puts a return value under "message",
 * leaving the key out when the method returns None [V 8848digital/frappe-v15:frappe/handler.py@e0497f5].
 */
function answerMethod(sim: ErpnextSimulator, siteUrl: string, user: string, httpMethod: string, cmd: string, args: Record<string, unknown>): Answer {
  const def = resolveMethod(cmd, user, httpMethod);
  const { result, ctx } = sim.transact(siteUrl, (c) => def.run(args, c), user);
  const body: Record<string, unknown> = result === undefined || result === null ? {} : { message: result };
  return { status: 200, body: withMessages(body, ctx) };
}

async function answerResource(sim: ErpnextSimulator, siteUrl: string, user: string, method: string, route: { doctype: string; name?: string }, url: URL, raw: string, contentType: string | undefined): Promise<Answer> {
  const def = metaOf(route.doctype);
  if (user === 'Guest') frappeThrow(`Insufficient Permission for ${bold(def.name)}`, 'PermissionError'); // [M] message
  if (def.table) frappeThrow(`Please specify a valid parent DocType for ${bold(def.name)}`, 'PermissionError'); // [M]
  const name = route.name;
  const run = <T>(work: (ctx: DocContext) => T) => sim.transact(siteUrl, work, user);

  if (method === 'GET' && !name) {
    const { result } = run((c) => (def.single ? [{ name: def.name }] : listDocuments(c.tx, def, url.searchParams)));
    return { status: 200, body: { data: result } };
  }
  if (method === 'GET' && name) {
    const { result } = run((c) => {
      const doc = c.tx.get(def.name, def.single ? def.name : name);
      if (!doc) frappeThrow(`${def.name} ${name} not found`, 'DoesNotExistError');
      return asDict(def, doc, { noNulls: true }); // read_doc returns the Document (§15)
    });
    return { status: 200, body: { data: result } };
  }
  if (method === 'POST' && !name) {
    const payload = docPayload(url, raw, contentType);
    const raced = sim.beforeInsert(def.name, payload); // armed scenarios (scenarios.ts)
    if (raced) throw raced;
    const { result, ctx } = await sim.insertRequest(siteUrl, user, def.name, payload, (doc) => asDict(def, doc, { noNulls: true }));
    return { status: 200, body: withMessages({ data: result }, ctx) };
  }
  if (method === 'PUT' && name) {
    const payload = docPayload(url, raw, contentType);
    const { result, ctx } = run((c) => asDict(def, updateDocument(c, def.name, def.single ? def.name : name, payload), { noNulls: true }));
    return { status: 200, body: withMessages({ data: result }, ctx) };
  }
  if (method === 'DELETE' && name) {
    // delete_doc sets http_status_code 202 and returns "ok", which handle() puts under "data"
    // [V 8848digital/frappe-v15:frappe/api/v1.py@e0497f5 delete_doc, frappe/api/__init__.py handle;
    //  seen on ERPNext 15.71.1, erpnext.md §15]
    run((c) => deleteDocument(c, def.name, name));
    return { status: 202, body: { data: 'ok' } };
  }
  if (method === 'POST' && name) frappeThrow('run_method is required to call a document method'); // [M] execute_doc_method
  throw new FrappeError('MethodNotAllowed', `The method is not allowed for the requested URL.`, [], 405);
}

const PROXY_REASONS: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

/**
 * The answer of an injected error. 502/503/504 come from the reverse proxy in front of Frappe
 * (nginx's HTML page: Frappe itself only answers 503 in maintenance mode, see engine_updating);
 * other statuses are Frappe-shaped, their message saying they were injected.
 */
function faultAnswer(res: ServerResponse, status: number, body: Record<string, unknown> | undefined, headers: Record<string, string>): void {
  if (body) return sendJson(res, status, body, headers);
  const reason = PROXY_REASONS[status];
  if (reason) {
    const html = `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html), ...headers });
    res.end(html);
    return;
  }
  const excType = excTypeForStatus(status);
  const message =
    status === 429 ? 'You hit the rate limit because of too many requests. Please try after sometime. (injected by the simulator)' :
    status >= 500 ? 'Internal Server Error (injected by the simulator)' : `Injected ${excType}`;
  sendJson(res, status, errorBody(new FrappeError(excType, message, [{ message, title: excType, indicator: 'red', raise_exception: 1 }], status)), headers);
}

/** JSON unless a non-/api path or an Accept header starting with "text" (app.py handle_exception [V]). */
function wantsJson(req: IncomingMessage, pathname: string): boolean {
  const accept = req.headers.accept ?? '';
  if (accept.includes('application/json') || req.headers['x-requested-with'] === 'XMLHttpRequest') return true;
  return pathname.startsWith('/api/') && !accept.startsWith('text');
}

const HTML_TITLES: Record<number, string> = { 401: 'Session Expired', 403: 'Not Permitted', 404: 'Not Found' };

async function handleFrappe(sim: ErpnextSimulator, opts: Required<Pick<SimulatorOptions, 'apiKey' | 'apiSecret'>> & SimulatorOptions, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const started = Date.now();
  const arrived = performance.now();
  const route = parseRoute(url.pathname);
  const method = (req.method ?? 'GET').toUpperCase();
  const key: RequestKey = { method, path: safeDecode(url.pathname), doctype: route.kind === 'resource' ? route.doctype : undefined };

  if (sim.faults.down) {
    sim.recordCall({ ...key, status: 0, outcome: 'refused' });
    req.socket.destroy();
    return;
  }
  const delay = sim.faults.latencyFor(key);
  if (delay > 0) await sleep(delay);
  const raw = await readBody(req);

  if (sim.faults.updating) {
    // maintenance mode: init_request raises before auth; browsers get the "Updating" page [V app.py, response.py]
    sim.recordCall({ ...key, latencyMs: delay, status: 503, outcome: 'updating' });
    if (wantsJson(req, url.pathname)) return sendJson(res, 503, errorBody(sessionStoppedError(), [], sim.errorTraceback()));
    return sendText(res, 503, 'text/html; charset=utf-8', `<!DOCTYPE html><html><head><title>Updating</title></head><body><h1>Updating</h1><p>${UPDATING_MESSAGE}</p></body></html>`);
  }

  const fault = sim.faults.decide(key);
  if (fault?.kind === 'error') {
    sim.recordCall({ ...key, latencyMs: delay, status: fault.status, outcome: 'injected' });
    faultAnswer(res, fault.status, fault.body, fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {});
    return;
  }
  if (fault?.kind === 'timeout') {
    // held: never answered nor applied; the socket closes when the client gives up (or on close())
    sim.recordCall({ ...key, latencyMs: delay, status: 0, outcome: 'timeout' });
    return;
  }
  if (fault?.kind === 'reset') {
    sim.recordCall({ ...key, latencyMs: delay, status: 0, outcome: 'reset' });
    req.socket.resetAndDestroy();
    return;
  }
  const lost = fault?.kind === 'lost';

  const siteUrl = `http://${req.headers.host ?? 'localhost'}`;
  let answer: Answer;
  try {
    const user = authenticate(req.headers.authorization, opts);
    if (route.kind === 'method') answer = answerMethod(sim, siteUrl, user, method, route.cmd, parseArgs(url, raw, req.headers['content-type']));
    else if (route.kind === 'resource') answer = await answerResource(sim, siteUrl, user, method, route, url, raw, req.headers['content-type']);
    else if (route.kind === 'unknown-api') throw new FrappeError('DoesNotExistError', '', [], 404);
    else answer = { status: 404, body: {} };
  } catch (e) {
    const err = asFrappeError(e);
    answer = { status: err.httpStatus, body: errorBody(err, [], sim.errorTraceback() && err.httpStatus !== 404) };
  }

  opts.logger?.info({ method, path: key.path, status: answer.status, ms: Date.now() - started, lost }, 'erpnext simulator request');
  if (lost) {
    // applied (or rejected) as usual, but the client never hears back
    sim.recordCall({ ...key, latencyMs: delay, status: answer.status, outcome: 'lost' });
    req.socket.destroy();
    return;
  }
  sim.recordCall({ ...key, latencyMs: delay, status: answer.status, handledMs: performance.now() - arrived });
  if (route.kind === 'not-api' || !wantsJson(req, url.pathname)) {
    const title = answer.status === 200 ? 'OK' : HTML_TITLES[answer.status] ?? 'Server Error';
    if (answer.status < 400) return sendJson(res, answer.status, answer.body);
    return sendText(res, answer.status, 'text/html; charset=utf-8', `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`);
  }
  sendJson(res, answer.status, answer.body);
}

export async function startErpnextSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const opts = { ...options, apiKey: options.apiKey ?? 'sim-key', apiSecret: options.apiSecret ?? 'sim-secret' };
  const latency = options.latency === undefined ? [] : typeof options.latency === 'number' ? [{ ms: options.latency }] : Array.isArray(options.latency) ? options.latency : [options.latency];
  const sim = new ErpnextSimulator({
    setupComplete: options.setupComplete ?? true,
    seed: options.seed,
    dataFile: options.dataFile,
    faults: options.faults,
    latency,
    scenarios: options.scenarios,
    companyInsertMs: options.companyInsertMs,
  });
  if (options.down) sim.setDown(true);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const control = url.pathname === '/__simulator' || url.pathname.startsWith('/__simulator/');
    if (!control) {
      sim.requestArrived();
      res.once('close', () => sim.requestEnded());
    }
    const work = control ? handleControl(sim, req, res, url) : handleFrappe(sim, opts, req, res, url);
    work.catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(asFrappeError(e)));
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
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    sim,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sim.companyInserts.abort('The simulator closed while this Company insert was held');
        sim.flush();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
