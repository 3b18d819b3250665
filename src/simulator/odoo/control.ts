/**
 * The test control API under /__simulator/ (a prefix Odoo never serves), in the ERPNext
 * simulator's style (docs/simulator.md). No Odoo auth, JSON in and out; it keeps answering while
 * the engine is "down".
 *
 *   GET    /__simulator/records/:model             {data: Record[]}
 *   GET    /__simulator/records/:model/:id         {data: Record} | 404
 *   DELETE /__simulator/records/:model/:id         {deleted: true} | 404   (operator delete, no checks)
 *   GET    /__simulator/duplicates                 {data: [{model, key, ids}]}
 *   GET    /__simulator/calls?service=&model=&method=&status=   {data: CallRecord[], count}
 *   GET    /__simulator/calls/stats?(same filters) {data: {"res.company.create": 1, ...}}
 *   DELETE /__simulator/calls                      clears the call log
 *   GET    /__simulator/concurrency                {inFlight, peak}: JSON-RPC requests held now, and the most at once
 *   POST   /__simulator/concurrency/reset          the peak starts again from the requests held now
 *   GET    /__simulator/snapshot                   {data: {model: Record[]}}
 *   GET    /__simulator/state                      {seed, down, latency, faults}
 *   POST   /__simulator/reset                      fresh database, start-up faults, seed restarted
 *   POST   /__simulator/faults                     {service?, model?, method?, kind?, status? | exception?, count? | rate?, retryAfter?}
 *   DELETE /__simulator/faults                     clears faults, latency, down
 *   POST   /__simulator/lost-responses             {service?, model?, method?, count? | rate?}
 *   POST   /__simulator/latency                    {ms} or {min, max}, optional service/model/method
 *   POST   /__simulator/seed                       {seed}
 *   POST   /__simulator/down                       {down: boolean}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, safeDecode, sendJson } from '../erpnext/http.ts';
import { odooFaultSpecSchema, odooLatencySpecSchema } from './faults.ts';
import type { OdooCallFilter, OdooSimulator } from './simulator.ts';

const downSchema = z.object({ down: z.boolean() }).strict();
const seedSchema = z.object({ seed: z.number().int().min(0).max(0xffff_ffff) }).strict();
const lostSchema = z
  .object({ service: z.enum(['common', 'object']).optional(), model: z.string().min(1).optional(), method: z.string().min(1).optional(), count: z.number().int().min(1).optional(), rate: z.number().min(0).max(1).optional() })
  .strict()
  .refine((f) => f.count === undefined || f.rate === undefined, { message: 'give either count or rate, not both', path: ['rate'] });

class ControlInputError extends Error {}

function callFilter(q: URLSearchParams): OdooCallFilter {
  const status = q.get('status');
  if (status !== null && !/^\d+$/.test(status)) throw new ControlInputError('status must be a number');
  return { service: q.get('service') ?? undefined, model: q.get('model') ?? undefined, method: q.get('method') ?? undefined, status: status === null ? undefined : Number(status) };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  return text.trim() ? JSON.parse(text) : {};
}

export async function handleControl(sim: OdooSimulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const [head, a, b] = url.pathname.split('/').filter(Boolean).slice(1).map(safeDecode);
  const method = req.method ?? 'GET';
  try {
    if (head === 'records' && a && !b && method === 'GET') return sendJson(res, 200, { data: sim.list(a) });
    if (head === 'records' && a && b && /^\d+$/.test(b) && method === 'GET') {
      const rec = sim.get(a, Number(b));
      return rec ? sendJson(res, 200, { data: rec }) : sendJson(res, 404, { error: `${a} ${b} not found` });
    }
    if (head === 'records' && a && b && /^\d+$/.test(b) && method === 'DELETE') {
      return sim.deleteRecord(a, Number(b)) ? sendJson(res, 200, { deleted: true }) : sendJson(res, 404, { error: `${a} ${b} not found` });
    }
    if (head === 'duplicates' && method === 'GET') return sendJson(res, 200, { data: sim.duplicates() });
    if (head === 'calls' && a === 'stats' && method === 'GET') return sendJson(res, 200, { data: sim.callStats(callFilter(url.searchParams)) });
    if (head === 'calls' && !a && method === 'GET') {
      const calls = sim.calls(callFilter(url.searchParams));
      return sendJson(res, 200, { data: calls, count: calls.length });
    }
    if (head === 'calls' && !a && method === 'DELETE') {
      sim.clearCalls();
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'concurrency' && !a && method === 'GET') return sendJson(res, 200, sim.concurrency());
    if (head === 'concurrency' && a === 'reset' && method === 'POST') {
      sim.resetPeak();
      return sendJson(res, 200, sim.concurrency());
    }
    if (head === 'snapshot' && method === 'GET') return sendJson(res, 200, { data: sim.snapshot() });
    if (head === 'state' && method === 'GET') return sendJson(res, 200, sim.faultState());
    if (head === 'reset' && method === 'POST') {
      sim.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'faults' && method === 'POST') {
      sim.injectFault(odooFaultSpecSchema.parse(await jsonBody(req)));
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'faults' && method === 'DELETE') {
      sim.clearFaults();
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'lost-responses' && method === 'POST') {
      sim.injectLostResponse(lostSchema.parse(await jsonBody(req)));
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'latency' && method === 'POST') {
      sim.injectLatency(odooLatencySpecSchema.parse(await jsonBody(req)));
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'seed' && method === 'POST') {
      sim.reseed(seedSchema.parse(await jsonBody(req)).seed);
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'down' && method === 'POST') {
      sim.setDown(downSchema.parse(await jsonBody(req)).down);
      return sendJson(res, 200, { ok: true });
    }
    return sendJson(res, 404, { error: `No control route ${method} ${url.pathname}` });
  } catch (e) {
    const message = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') : e instanceof Error ? e.message : String(e);
    return sendJson(res, 400, { error: message });
  }
}
