/**
 * The test control API under /__simulator/ (a prefix no Frappe route uses). No Frappe auth,
 * JSON in and out, and it keeps answering while the engine is "down".
 *
 *   GET    /__simulator/documents/:doctype          {data: Doc[]}
 *   GET    /__simulator/documents/:doctype/:name    {data: Doc} | 404
 *   DELETE /__simulator/documents/:doctype/:name    {deleted: true} | 404   (operator delete, no checks)
 *   GET    /__simulator/duplicates                  {data: Duplicate[]}
 *   GET    /__simulator/calls?method=&doctype=&path=&status=   {data: CallRecord[], count}
 *   GET    /__simulator/calls/stats?(same filters)  {data: {"POST Company": 3, ...}}
 *   DELETE /__simulator/calls                       clears the call log
 *   GET    /__simulator/concurrency                 {inFlight, peak}: Frappe requests held now, and the most at once
 *   POST   /__simulator/concurrency/reset           the peak starts again from the requests held now
 *   GET    /__simulator/snapshot                    {data: {doctype: Doc[]}}
 *   GET    /__simulator/state                       {seed, down, updating, latency, faults, armedScenarios}
 *   POST   /__simulator/reset                       fixtures, start-up faults, seed restarted
 *   POST   /__simulator/faults                      body = injectFault argument (error/timeout/reset/lost, count or rate)
 *   DELETE /__simulator/faults                      clears faults, latency, armed scenarios, down, updating
 *   POST   /__simulator/lost-responses              body = injectLostResponse argument
 *   POST   /__simulator/latency                     {ms} or {min, max}, optional doctype/method/path
 *   POST   /__simulator/seed                        {seed}: restart the fault sequence
 *   POST   /__simulator/down                        {down: boolean}
 *   POST   /__simulator/updating                    {updating: boolean}
 *   GET    /__simulator/scenarios                   {data: scenario names}
 *   POST   /__simulator/scenarios                   {name, company?, warehouse?, mode_of_payment?, active?, count?}
 *   GET    /__simulator/company-inserts[?parked=N]  {ms, held, parked} (with parked=N: once N Company inserts are parked)
 *   POST   /__simulator/company-inserts             {ms?, hold?, race?}: insert duration; hold true parks Company inserts, false releases them;
 *                                                    race: how the loser of a same-abbreviation race fails (duplicate | deadlock | lock_wait_timeout)
 *   POST   /__simulator/company-inserts/release     {name?}: the named parked insert, or all (the hold ends) → {released}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { COMPANY_RACE_OUTCOMES } from './company-inserts.ts';
import { faultSpecSchema, latencySpecSchema, lostResponseSpecSchema, seedSchema } from './faults.ts';
import { readBody, safeDecode, sendJson } from './http.ts';
import { ScenarioError, SCENARIOS, scenarioSpecSchema } from './scenarios.ts';
import type { CallFilter, ErpnextSimulator } from './simulator.ts';

const downSchema = z.object({ down: z.boolean() }).strict();
const updatingSchema = z.object({ updating: z.boolean() }).strict();
const seedBodySchema = z.object({ seed: seedSchema }).strict();
const companyInsertsSchema = z.object({ ms: z.number().int().min(0).max(600_000).optional(), hold: z.boolean().optional(), race: z.enum(COMPANY_RACE_OUTCOMES).optional() }).strict();
const releaseSchema = z.object({ name: z.string().min(1).optional() }).strict();

function callFilter(q: URLSearchParams): CallFilter {
  const status = q.get('status');
  if (status !== null && !/^\d+$/.test(status)) throw new ScenarioError('status must be a number');
  return {
    method: q.get('method') ?? undefined,
    doctype: q.get('doctype') ?? undefined,
    path: q.get('path') ?? undefined,
    status: status === null ? undefined : Number(status),
  };
}

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
    if (head === 'calls' && a === 'stats' && method === 'GET') return sendJson(res, 200, { data: sim.callStats(callFilter(url.searchParams)) });
    if (head === 'calls' && !a && method === 'GET') {
      const calls = sim.calls(callFilter(url.searchParams));
      return sendJson(res, 200, { data: calls, count: calls.length });
    }
    if (head === 'calls' && method === 'DELETE') {
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
      sim.injectLatency(latencySpecSchema.parse(await jsonBody(req)));
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'seed' && method === 'POST') {
      sim.reseed(seedBodySchema.parse(await jsonBody(req)).seed);
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'down' && method === 'POST') {
      sim.setDown(downSchema.parse(await jsonBody(req)).down);
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'updating' && method === 'POST') {
      sim.setUpdating(updatingSchema.parse(await jsonBody(req)).updating);
      return sendJson(res, 200, { ok: true });
    }
    if (head === 'scenarios' && method === 'GET') return sendJson(res, 200, { data: SCENARIOS });
    if (head === 'scenarios' && method === 'POST') {
      return sendJson(res, 200, { ok: true, done: sim.scenario(scenarioSpecSchema.parse(await jsonBody(req))) });
    }
    if (head === 'company-inserts' && !a && method === 'GET') {
      const parked = url.searchParams.get('parked');
      if (parked !== null) {
        if (!/^\d+$/.test(parked)) throw new ScenarioError('parked must be a number');
        await sim.companyInsertsParked(Number(parked));
      }
      return sendJson(res, 200, sim.companyInsertState());
    }
    if (head === 'company-inserts' && !a && method === 'POST') {
      const body = companyInsertsSchema.parse(await jsonBody(req));
      if (body.ms !== undefined) sim.setCompanyInsertMs(body.ms);
      if (body.race !== undefined) sim.setCompanyRaceOutcome(body.race);
      if (body.hold === true) sim.holdCompanyInserts();
      if (body.hold === false) sim.releaseCompanyInserts();
      return sendJson(res, 200, sim.companyInsertState());
    }
    if (head === 'company-inserts' && a === 'release' && method === 'POST') {
      return sendJson(res, 200, { released: sim.releaseCompanyInserts(releaseSchema.parse(await jsonBody(req)).name) });
    }
    return sendJson(res, 404, { error: `No control route ${method} ${url.pathname}` });
  } catch (e) {
    const message = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') : e instanceof Error ? e.message : String(e);
    return sendJson(res, 400, { error: message });
  }
}
