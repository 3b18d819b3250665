import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { liveEngineHealth } from './engines.ts';
import type { ApiDeps } from '../app.ts';

export const healthRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, engineFor, version }) => {
  const tags = ['health'];
  const liveness = async () => ({ status: 'ok', service: 'provisioner', version, uptime_s: Math.round(process.uptime()) });
  app.get('/api/health', { schema: { tags, summary: 'Liveness' } }, liveness);
  app.get('/health', { schema: { tags, summary: 'Liveness (alias)' } }, liveness);

  app.get('/api/ready', { schema: { tags, summary: 'Readiness: the database answers and every engine is healthy' } }, async (_req, reply) => {
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
