import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EngineRecord } from '../../ports/store.ts';
import type { EngineHandle } from '../../ports/engine.ts';
import { ProvisionerError, toProvisionerError } from '../../domain/errors.ts';
import { encodeCursor, EngineBody, EngineIdParams, EngineListQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { auditEntry } from './audit.ts';
import { assertEngineUrlAllowed, EngineUrlForbiddenError } from '../../adapters/engine-url-policy.ts';
import { EncryptionKeyMissingError } from '../../adapters/engine-secrets.ts';
import { readEngineLoads, type EngineLoad } from '../../adapters/postgres/engine-load.ts';
import { EngineAnswer, EngineHealthAnswer, EngineList, PROBLEM, problems } from '../responses.ts';
import { problemOf } from '../plugins/problem-details.ts';

/** An engine as the API shows it: credentials never leave the server. */
export const engineView = (e: EngineRecord) => ({ id: e.id, kind: e.kind, base_url: e.baseUrl, api_key_set: e.apiKeySet, ...(e.kind === 'odoo' ? { database: e.database, login: e.login } : {}), created_at: e.createdAt.toISOString() });

/**
 * What a failed check says, in our words only: an engine's error text (or whatever a wrong URL
 * answers) is never shown, so a health check cannot be used to read another service's answers.
 */
const CHECK_FAILURES: Record<string, string> = {
  ENGINE_UNAVAILABLE: 'The engine could not be reached, or answered 502/503/504',
  ENGINE_TIMEOUT: 'The engine did not answer in time',
  ENGINE_AUTH_FAILED: 'The engine rejected the credentials',
  ENGINE_NOT_ERPNEXT: 'Not an ERPNext site',
  ENGINE_NOT_ODOO: 'Not an Odoo database with Point of Sale',
  ENGINE_UPDATING: 'The site is being updated',
  ENGINE_RATE_LIMITED: 'The engine refused: too many requests',
  ENGINE_REDIRECTED: 'The engine answered with a redirect, which is not followed',
  ENGINE_URL_FORBIDDEN: 'The engine URL is refused by the URL policy',
  ENGINE_SECRETS_UNREADABLE: "The engine's stored credentials do not decrypt with this server's keys",
  ENCRYPTION_KEY_MISSING: "The engine's stored credentials are encrypted and this server has no key",
};
/** Failures before or instead of an answer from the engine. */
const NOT_REACHED = new Set(['ENGINE_UNAVAILABLE', 'ENGINE_TIMEOUT', 'ENGINE_URL_FORBIDDEN', 'ENGINE_SECRETS_UNREADABLE', 'ENCRYPTION_KEY_MISSING']);
const loadView = (l: EngineLoad) => ({ in_flight: l.inFlight, limit: l.limit, max: l.max, reason: l.reason });

/** `engine` is made inside the check: credentials that do not decrypt are a failed check, not an error of the route. */
export async function liveEngineHealth(engine: () => EngineHandle) {
  const started = performance.now();
  try {
    const h = await engine().checkHealth();
    return { reachable: true, authenticated: true, user: h.authenticatedAs, versions: h.versions, latency_ms: h.latencyMs };
  } catch (e) {
    const err = toProvisionerError(e);
    return {
      reachable: !NOT_REACHED.has(err.code),
      authenticated: false,
      error: CHECK_FAILURES[err.code] ?? `The engine answered with an error (${err.code})`,
      code: err.code,
      hint: err.hint,
      latency_ms: Math.round(performance.now() - started),
    };
  }
}

/** An engine URL for the audit log: the key and secret never go there, a URL's user and password (rows from before they were refused) neither. */
function auditableUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.toString();
}

/** The engine had these credentials (unknown, as changed, when its stored ones do not decrypt). */
function sameCredentials(engine: EngineRecord, apiKey: string, apiSecret: string): boolean {
  try {
    const before = engine.credentials();
    return before.apiKey === apiKey && before.apiSecret === apiSecret;
  } catch {
    return false;
  }
}

/** DELETE of an engine tenants are provisioned in: their records live there. */
export class EngineInUseError extends ProvisionerError {
  constructor(id: string, tenants: number) {
    super('ENGINE_IN_USE', `Engine "${id}" is used by ${tenants} tenant${tenants === 1 ? '' : 's'}`, 'An engine is kept while any tenant is provisioned in it (their companies and profiles live there). Delete it once no tenant names it (GET /api/tenants shows engine_id).', { httpStatus: 409 });
  }
}

/** DELETE of an engine that is not registered: a 404, as for any resource that is not there. */
/**
 * The engine a path names is not registered: 404, as for any resource (a request body naming
 * an unknown engine, e.g. a tenant's engine_id, is bad input instead: 400 EngineNotFoundError).
 */
export class EngineInPathNotFoundError extends ProvisionerError {
  constructor(id: string) {
    super('ENGINE_NOT_REGISTERED', `Engine "${id}" is not registered`, 'GET /api/engines lists the registered engines.', { httpStatus: 404 });
  }
}

const tags = ['engines'];
const badEngineId = PROBLEM.validation('params.id', 'must not contain control characters');
const engineInPathNotFound = problemOf(new EngineInPathNotFoundError('erp-eu'));
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
    response: { 201: EngineAnswer, ...problems(PROBLEM.validation('body.base_url', 'Invalid URL'), problemOf(new EngineUrlForbiddenError('169.254.169.254 is (or resolves to) a link-local address')), PROBLEM.malformedJson, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable, problemOf(new EncryptionKeyMissingError('The API key and secret of engine "erp-eu" cannot be stored: PROVISIONER_ENCRYPTION_KEY is not set, and they are never stored in clear text'))) },
  },
  get: {
    tags,
    operationId: 'getEngine',
    summary: 'One engine',
    params: EngineIdParams,
    response: { 200: EngineAnswer, ...problems(badEngineId, engineInPathNotFound, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
  delete: {
    tags,
    operationId: 'deleteEngine',
    summary: 'Delete an engine no tenant uses (platform admins; audited)',
    params: EngineIdParams,
    response: { 200: EngineAnswer, ...problems(badEngineId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, engineInPathNotFound, problemOf(new EngineInUseError('erp-eu', 3)), PROBLEM.databaseUnavailable) },
  },
  health: {
    tags,
    operationId: 'checkEngineHealth',
    summary: 'Live engine check: reachable, authenticated, versions, latency',
    params: EngineIdParams,
    response: { 200: EngineHealthAnswer, ...problems(badEngineId, engineInPathNotFound, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
};

export const engineRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, engineFor, engineUrlPolicy, engineMaxConcurrency }) => {
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
    // checked again before every request to the engine (a name may resolve elsewhere later)
    await assertEngineUrlAllowed(b.base_url, engineUrlPolicy, { unresolvable: 'allow' });
    const before = await store.getEngine(b.id);
    const engine = await store.upsertEngine({ id: b.id, kind: b.kind, baseUrl: b.base_url, apiKey: b.api_key, apiSecret: b.api_secret ?? '', database: b.database ?? null, login: b.login ?? null });
    const changed = !before || !sameCredentials(before, b.api_key, b.api_secret ?? '') || before.database !== (b.database ?? null) || before.login !== (b.login ?? null);
    await store.recordAudit(auditEntry(req, before ? 'engine.update' : 'engine.register', 'engine', engine.id, { kind: engine.kind, base_url: auditableUrl(engine.baseUrl), credentials_changed: changed }));
    return reply.status(201).send({ engine: engineView(engine) });
  });

  app.get('/api/engines/:id', { schema: schemas.get }, async (req) => {
    const engine = await store.getEngine(req.params.id);
    if (!engine) throw new EngineInPathNotFoundError(req.params.id);
    return { engine: engineView(engine) };
  });

  app.delete('/api/engines/:id', { schema: schemas.delete }, async (req) => {
    const outcome = await store.deleteEngine(req.params.id, (engine) => auditEntry(req, 'engine.delete', 'engine', engine.id, { kind: engine.kind, base_url: auditableUrl(engine.baseUrl) }));
    if (outcome === 'not_found') throw new EngineInPathNotFoundError(req.params.id);
    if ('tenants' in outcome) throw new EngineInUseError(req.params.id, outcome.tenants);
    return { engine: engineView(outcome) };
  });

  app.post('/api/engines/:id/health', { schema: schemas.health }, async (req) => {
    const engine = await store.getEngine(req.params.id);
    if (!engine) throw new EngineInPathNotFoundError(req.params.id);
    const health = await liveEngineHealth(() => engineFor(engine));
    return { engine: engineView(engine), health, load: loadView((await loads([engine.id])).get(engine.id)!) };
  });
};
