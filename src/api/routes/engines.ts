import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EngineRecord } from '../../ports/store.ts';
import type { EnginePort } from '../../ports/engine.ts';
import { EngineNotFoundError } from '../../application/provisioning-service.ts';
import { toProvisionerError } from '../../domain/errors.ts';
import { encodeCursor, EngineBody, EngineIdParams, EngineListQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { auditEntry } from './audit.ts';
import { readEngineLoads, type EngineLoad } from '../../adapters/postgres/engine-load.ts';
import { EngineAnswer, EngineHealthAnswer, EngineList, PROBLEM, problems } from '../responses.ts';

/** An engine as the API shows it: credentials never leave the server. */
export const engineView = (e: EngineRecord) => ({ id: e.id, kind: e.kind, base_url: e.baseUrl, api_key_set: e.apiKey.length > 0, created_at: e.createdAt.toISOString() });

const loadView = (l: EngineLoad) => ({ in_flight: l.inFlight, limit: l.limit, max: l.max, reason: l.reason });

export async function liveEngineHealth(engine: EnginePort) {
  const started = performance.now();
  try {
    const h = await engine.checkHealth();
    return { reachable: true, authenticated: true, user: h.authenticatedAs, versions: h.versions, latency_ms: h.latencyMs };
  } catch (e) {
    const err = toProvisionerError(e);
    return {
      reachable: err.code !== 'ENGINE_UNAVAILABLE' && err.code !== 'ENGINE_TIMEOUT',
      authenticated: false,
      error: err.message,
      code: err.code,
      hint: err.hint,
      latency_ms: Math.round(performance.now() - started),
    };
  }
}

const tags = ['engines'];
const badEngineId = PROBLEM.validation('params.id', 'must not contain control characters');
const schemas = {
  list: {
    tags,
    operationId: 'listEngines',
    summary: 'Registered engines, oldest first (no credentials; paging: limit, cursor)',
    querystring: EngineListQuery,
    response: { 200: EngineList, ...problems(PROBLEM.badCursor, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
  register: {
    tags,
    operationId: 'registerEngine',
    summary: 'Register or update an engine',
    body: EngineBody,
    response: { 201: EngineAnswer, ...problems(PROBLEM.validation('body.base_url', 'Invalid URL'), PROBLEM.malformedJson, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
  get: {
    tags,
    operationId: 'getEngine',
    summary: 'One engine',
    params: EngineIdParams,
    response: { 200: EngineAnswer, ...problems(badEngineId, PROBLEM.engineNotRegistered, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
  health: {
    tags,
    operationId: 'checkEngineHealth',
    summary: 'Live engine check: reachable, authenticated, versions, latency',
    params: EngineIdParams,
    response: { 200: EngineHealthAnswer, ...problems(badEngineId, PROBLEM.engineNotRegistered, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
};

export const engineRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, engineFor, engineMaxConcurrency }) => {
  const loads = (ids: string[]) => readEngineLoads(store.pool, ids, engineMaxConcurrency);

  // platform viewers read engines and check their health; every other request (register, any
  // route added later) is for platform admins only
  app.addHook('onRequest', async (request, reply) =>
    request.method === 'GET' || request.routeOptions.url === '/api/engines/:id/health' ? app.requirePlatformReader(request, reply) : app.requirePlatformAdmin(request, reply),
  );

  app.get('/api/engines', { schema: schemas.list }, async (req) => {
    const page = await store.listEnginesPage({ after: req.query.cursor ?? null, limit: req.query.limit });
    const load = await loads(page.items.map((e) => e.id));
    return { engines: page.items.map((e) => ({ ...engineView(e), load: loadView(load.get(e.id)!) })), next_cursor: page.more ? encodeCursor(page.keys.at(-1)!) : null };
  });

  app.post('/api/engines', { schema: schemas.register }, async (req, reply) => {
    const b = req.body;
    const before = await store.getEngine(b.id);
    const engine = await store.upsertEngine({ id: b.id, kind: b.kind, baseUrl: b.base_url, apiKey: b.api_key, apiSecret: b.api_secret });
    // the key and secret never go in the audit log; a URL's user and password neither
    const url = new URL(engine.baseUrl);
    url.username = '';
    url.password = '';
    await store.recordAudit(auditEntry(req, before ? 'engine.update' : 'engine.register', 'engine', engine.id, { kind: engine.kind, base_url: url.toString(), credentials_changed: !before || before.apiKey !== b.api_key || before.apiSecret !== b.api_secret }));
    return reply.status(201).send({ engine: engineView(engine) });
  });

  app.get('/api/engines/:id', { schema: schemas.get }, async (req) => {
    const engine = await store.getEngine(req.params.id);
    if (!engine) throw new EngineNotFoundError(req.params.id);
    return { engine: engineView(engine) };
  });

  app.post('/api/engines/:id/health', { schema: schemas.health }, async (req) => {
    const engine = await store.getEngine(req.params.id);
    if (!engine) throw new EngineNotFoundError(req.params.id);
    const health = await liveEngineHealth(engineFor(engine));
    return { engine: engineView(engine), health, load: loadView((await loads([engine.id])).get(engine.id)!) };
  });
};
