/**
 * The real-engine suite (`npm run test:erpnext`) runs against any ERPNext v15 site given by
 * ERPNEXT_URL, ERPNEXT_API_KEY and ERPNEXT_API_SECRET (an Administrator's or System Manager's
 * API key), and is skipped with this reason without them, so `npm test` stays hermetic.
 *
 * It creates uniquely named companies (a run suffix) and never deletes anything it did not
 * create. The web-server restart test also needs ERPNEXT_WEB_STOP_CMD and ERPNEXT_WEB_START_CMD:
 * shell commands that stop the site's web server (returning once it no longer answers) and start
 * it again (returning once it answers).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { engineRequest, type EngineAccess } from '../support/harness.ts';

export const SKIP_REASON = 'set ERPNEXT_URL, ERPNEXT_API_KEY and ERPNEXT_API_SECRET to run against a real ERPNext v15 site';

export function realErpnext(): EngineAccess | null {
  const { ERPNEXT_URL: url, ERPNEXT_API_KEY: apiKey, ERPNEXT_API_SECRET: apiSecret } = process.env;
  return url && apiKey && apiSecret ? { url: url.replace(/\/+$/, ''), apiKey, apiSecret } : null;
}

/** A suffix that makes this run's company names unique on a shared site. */
export const runSuffix = () => `${Date.now().toString(36).slice(-4)}${Math.floor(Math.random() * 1296).toString(36)}`.toUpperCase();

const run = promisify(execFile);

export const webServerControl = () => {
  const stop = process.env.ERPNEXT_WEB_STOP_CMD;
  const start = process.env.ERPNEXT_WEB_START_CMD;
  if (!stop || !start) return null;
  return {
    stop: () => run('bash', ['-c', stop], { timeout: 120_000 }),
    start: () => run('bash', ['-c', start], { timeout: 300_000 }),
  };
};

const enc = encodeURIComponent;

/** The site's Frappe REST API with the suite's key. */
export function siteClient(site: EngineAccess) {
  const req = (method: string, path: string, body?: unknown) => engineRequest(site, method, path, body);
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await req(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    return res.body;
  };
  return {
    req,
    get: async (doctype: string, name: string) => (await ok('GET', `/api/resource/${enc(doctype)}/${enc(name)}`)).data,
    find: async (doctype: string, name: string) => {
      const res = await req('GET', `/api/resource/${enc(doctype)}/${enc(name)}`);
      if (res.status === 404) return null;
      if (res.status >= 300) throw new Error(`GET ${doctype} ${name} answered ${res.status}`);
      return res.body.data;
    },
    update: async (doctype: string, name: string, patch: Record<string, unknown>) => (await ok('PUT', `/api/resource/${enc(doctype)}/${enc(name)}`, patch)).data,
    remove: (doctype: string, name: string) => ok('DELETE', `/api/resource/${enc(doctype)}/${enc(name)}`),
    count: async (doctype: string, filters: Record<string, unknown> | unknown[]) =>
      Number((await ok('GET', `/api/method/frappe.client.get_count?doctype=${enc(doctype)}&filters=${enc(JSON.stringify(filters))}`)).message),
  };
}
export type SiteClient = ReturnType<typeof siteClient>;

/**
 * How many records a tenant has in the engine, by kind: what "retry creates nothing" compares.
 * Mode of Payment rows are counted on the modes the POS uses.
 */
export async function tenantRecordCounts(site: SiteClient, company: string, abbr: string, modes: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await Promise.all(
    [
      ['Company', { company_name: company }],
      ['Account', { company }],
      ['Cost Center', { company }],
      ['Warehouse', { company }],
      ['POS Profile', { company }],
      ['POS Opening Entry', { company, docstatus: ['<', 2] }],
      ['Customer', [['customer_name', 'like', `%- ${abbr}`]]],
      ['Item', [['item_code', 'like', `${abbr}-%`]]],
      ['Item Price', [['item_code', 'like', `${abbr}-%`]]],
    ].map(async ([doctype, filters]) => {
      counts[doctype as string] = await site.count(doctype as string, filters as Record<string, unknown>);
    }),
  );
  for (const mode of modes) {
    const doc = await site.find('Mode of Payment', mode);
    counts[`Mode of Payment Account (${mode})`] = (doc?.accounts ?? []).filter((r: any) => r.company === company).length;
  }
  return counts;
}
