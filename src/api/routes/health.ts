import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import type { ApiDeps } from '../app.ts';
import { isPlatformRole } from '../../ports/store.ts';
import { EngineReadinessCache, engineReady, type EngineReadiness } from '../../application/readiness.ts';
import { LivenessAnswer, NotReadyAnswer, PROBLEM, problems, ReadinessAnswer } from '../responses.ts';

const tags = ['health'];
const liveness = (operationId: string, summary: string) => ({ tags, operationId, summary, security: [], response: { 200: LivenessAnswer, ...problems() } });
const schemas = {
  health: liveness('getHealth', 'Liveness'),
  healthAlias: liveness('getHealthAlias', 'Liveness (alias)'),
  ready: {
    tags,
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers and every engine is healthy. Without a token only the status; platform admins and viewers also get the checks',
    description:
      'Open to anyone (load balancers send no token): the answer is then `{status}` only. With the token of a platform admin or platform viewer it also lists the database and every engine (reachable, authenticated, latency, error code); only platform admins see the engine user and versions. Engines are checked at most once per READINESS_CACHE_MS (5 s), whoever asks; ERPNext and Odoo engines are both checked; an engine of a kind this version cannot check would be listed with supported false and not count.',
    security: [{}, { bearer: [] }] as Array<Record<string, string[]>>,
    response: { 200: ReadinessAnswer, ...problems(PROBLEM.unauthenticated, PROBLEM.tokenRevoked), 503: NotReadyAnswer },
  },
};

/** What one caller may see of an engine check: viewers get no engine user or versions. */
function engineView(e: EngineReadiness, admin: boolean) {
  const { user, versions, ...checks } = e;
  return admin ? { ...checks, ...(user === undefined ? {} : { user }), ...(versions === undefined ? {} : { versions }) } : checks;
}

export const healthRoutes: FastifyPluginAsyncZod<ApiDeps & { readinessCacheMs: number }> = async (app, { store, engineFor, version, readinessCacheMs }) => {
  const alive = async () => ({ status: 'ok' as const, service: 'provisioner', version, uptime_s: Math.round(process.uptime()) });
  app.get('/api/health', { schema: schemas.health }, alive);
  app.get('/health', { schema: schemas.healthAlias }, alive);

  const engineChecks = new EngineReadinessCache({ listEngines: () => store.listEngines(), engineFor, ttlMs: readinessCacheMs });

  /** Details for platform roles; a token that is sent must be valid (401 otherwise), none is fine. */
  const detailsFor = async (req: FastifyRequest, reply: Parameters<typeof app.authenticate>[1]) => {
    if (req.headers.authorization === undefined) return null;
    await app.authenticate(req, reply);
    return isPlatformRole(req.user.role) ? { admin: req.user.role === 'platform_admin' } : null;
  };

  app.get('/api/ready', { schema: schemas.ready }, async (req, reply) => {
    const details = await detailsFor(req, reply);
    let databaseOk = true;
    try {
      await store.pool.query('select 1');
    } catch {
      // the driver's message names hosts and users: the code says enough
      databaseOk = false;
    }
    const round = databaseOk ? await engineChecks.check().catch(() => null) : null;
    const ready = databaseOk && round !== null && round.engines.every(engineReady);
    const status = ready ? ('ready' as const) : ('not_ready' as const);
    reply.status(ready ? 200 : 503);
    if (!details) return { status };
    return {
      status,
      database: databaseOk ? { ok: true } : { ok: false, code: 'DATABASE_UNAVAILABLE' },
      engines: (round?.engines ?? []).map((e) => engineView(e, details.admin)),
      ...(round ? { checked_at: round.checkedAt.toISOString() } : {}),
    };
  });
};
