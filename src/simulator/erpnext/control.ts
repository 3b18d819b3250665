/**
 * The test control API under /__simulator/ (a prefix no Frappe route uses). No Frappe auth,
 * JSON in and out, and it keeps answering while the engine is "down".
 *
 *   GET    /__simulator/documents/:doctype          {data: Doc[]}
 *   GET    /__simulator/documents/:doctype/:name    {data: Doc} | 404
 *   DELETE /__simulator/documents/:doctype/:name    {deleted: true} | 404   (operator delete, no checks)
 *   GET    /__simulator/duplicates                  {data: Duplicate[]}
 *   GET    /__simulator/calls?method=&doctype=&path=   {data: CallRecord[], count}
 *   DELETE /__simulator/calls                       clears the call log
 *   GET    /__simulator/snapshot                    {data: {doctype: Doc[]}}
 *   GET    /__simulator/state                       {down, latencyMs, faults, lostResponses}
 *   POST   /__simulator/reset
 *   POST   /__simulator/faults                      body = injectFault argument
 *   DELETE /__simulator/faults                      clears faults, lost responses, latency, down
 *   POST   /__simulator/lost-responses              body = injectLostResponse argument
 *   POST   /__simulator/latency                     {ms}
 *   POST   /__simulator/down                        {down: boolean}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { faultSpecSchema, lostResponseSpecSchema } from './faults.ts';
import { readBody, safeDecode, sendJson } from './http.ts';
import type { ErpnextSimulator } from './simulator.ts';

const downSchema = z.object({ down: z.boolean() });
const latencySchema = z.object({ ms: z.number().min(0) });

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  return text.trim() ? JSON.parse(text) : {};
}

export async function handleControl(sim: ErpnextSimulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const parts = url.pathname.split('/').filter(Boolean).slice(1).map(safeDecode); // drop "__simulator"
  const method = req.method ?? 'GET';
  const [head, a, b] = parts;
  try {
    if (head === 'documents' && a && !b && method === 'GET') return sendJson(res, 200, { data: sim.list(a) });
    if (head === 'documents' && a && b && method === 'GET') {
      const doc = sim.get(a, b);
      return doc ? sendJson(res, 200, { data: doc }) : sendJson(res, 404, { error: `${a} ${b} not found` });
    }
    if (head === 'documents' && a && b && method === 'DELETE') {
      return sim.deleteDocument(a, b) ? sendJson(res, 200, { deleted: true }) : sendJson(res, 404, { error: `${a} ${b} not found` });
    }
    if (head === 'duplicates' && method === 'GET') return sendJson(res, 200, { data: sim.duplicates() });
    if (head === 'calls' && method === 'GET') {
      const q = url.searchParams;
      const status = q.get('status');
      const calls = sim.calls({
        method: q.get('method') ?? undefined,
        doctype: q.get('doctype') ?? undefined,
        path: q.get('path') ?? undefined,
        status: status === null ? undefined : Number(status),
      });
      return sendJson(res, 200, { data: calls, count: calls.length });
    }
    if (head === 'calls' && method === 'DELETE') {
      sim.clearCalls();
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'snapshot' && method === 'GET') return sendJson(res, 200, { data: sim.snapshot() });
    if (head === 'state' && method === 'GET') return sendJson(res, 200, sim.faults.describe());
    if (head === 'reset' && method === 'POST') {
      sim.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'faults' && method === 'POST') {
      sim.injectFault(faultSpecSchema.parse(await jsonBody(req)));
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'faults' && method === 'DELETE') {
      sim.clearFaults();
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'lost-responses' && method === 'POST') {
      sim.injectLostResponse(lostResponseSpecSchema.parse(await jsonBody(req)));
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'latency' && method === 'POST') {
      sim.injectLatency(latencySchema.parse(await jsonBody(req)).ms);
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
