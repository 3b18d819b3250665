/** Shared helpers for the simulator tests: a running simulator and a small Frappe client. */
import { after } from 'node:test';
import { startErpnextSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/erpnext/index.ts';

export interface Reply {
  status: number;
  body: Record<string, any>;
  headers: Headers;
}

export interface Client {
  sim: RunningSimulator;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  del(path: string, headers?: Record<string, string>): Promise<Reply>;
  /** GET /api/resource/<doctype> with list params. */
  list(doctype: string, params?: Record<string, unknown>): Promise<Reply>;
}

export function authHeader(sim: RunningSimulator): string {
  return `token ${sim.apiKey}:${sim.apiSecret}`;
}

export function resourcePath(doctype: string, name?: string): string {
  return `/api/resource/${encodeURIComponent(doctype)}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export function clientFor(sim: RunningSimulator): Client {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { Authorization: authHeader(sim), 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, any> = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { _text: text };
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    sim,
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, body, headers) => call('POST', path, body, headers),
    put: (path, body, headers) => call('PUT', path, body, headers),
    del: (path, headers) => call('DELETE', path, undefined, headers),
    list: (doctype, params = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) q.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      const qs = q.toString();
      return call('GET', `${resourcePath(doctype)}${qs ? `?${qs}` : ''}`);
    },
  };
}

/**
 * Starts one simulator for the test file, to be awaited at the top level (Node 20 runs root-level
 * `before` hooks at registration without awaiting one another), and closes it after the file.
 */
export async function useSimulator(opts: SimulatorOptions = {}): Promise<() => Client> {
  const client = clientFor(await startErpnextSimulator(opts));
  after(() => client.sim.close());
  return () => client;
}

/** The messages of a Frappe `_server_messages` field (double-encoded JSON). */
export function serverMessages(body: Record<string, any>): Array<Record<string, any>> {
  if (typeof body._server_messages !== 'string') return [];
  return (JSON.parse(body._server_messages) as string[]).map((m) => JSON.parse(m) as Record<string, any>);
}

export const ACME = { company_name: 'Acme Traders', abbr: 'ACM', default_currency: 'KES', country: 'Kenya' };

/** A company plus what a POS Profile needs. */
export async function createCompany(c: Client, values: Record<string, unknown> = ACME): Promise<Reply> {
  const r = await c.post(resourcePath('Company'), values);
  if (r.status !== 200) throw new Error(`company creation failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

export function posProfilePayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Acme POS',
    company: 'Acme Traders',
    currency: 'KES',
    warehouse: 'Stores - ACM',
    write_off_account: 'Write Off - ACM',
    write_off_cost_center: 'Main - ACM',
    payments: [{ mode_of_payment: 'Cash', default: 1 }],
    ...overrides,
  };
}
