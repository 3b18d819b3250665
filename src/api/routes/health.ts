import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { liveEngineHealth } from './engines.ts';
import type { ApiDeps } from '../app.ts';
import { LivenessAnswer, NotReadyAnswer, problems, ReadinessAnswer } from '../responses.ts';

const tags = ['health'];
const liveness = (operationId: string, summary: string) => ({ tags, operationId, summary, security: [], response: { 200: LivenessAnswer, ...problems() } });
const schemas = {
  health: liveness('getHealth', 'Liveness'),
  healthAlias: liveness('getHealthAlias', 'Liveness (alias)'),
  ready: {
    tags,
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers and every engine is healthy',
    security: [],
    response: { 200: ReadinessAnswer, ...problems(), 503: NotReadyAnswer },
  },
};

export const healthRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, engineFor, version }) => {
  const alive = async () => ({ status: 'ok' as const, service: 'provisioner', version, uptime_s: Math.round(process.uptime()) });
  app.get('/api/health', { schema: schemas.health }, alive);
  app.get('/health', { schema: schemas.healthAlias }, alive);

  app.get('/api/ready', { schema: schemas.ready }, async (_req, reply) => {
    let database: { ok: boolean; error?: string };
    try {
      await store.pool.query('select 1');
      database = { ok: true };
    } catch (e) {
      database = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    const engines = database.ok ? await Promise.all((await store.listEngines()).map(async (e) => ({ id: e.id, ...(await liveEngineHealth(engineFor(e))) }))) : [];
    const ready = database.ok && engines.every((e) => e.authenticated);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', database, engines });
  });
};
