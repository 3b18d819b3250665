import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../app.ts';

/** Prometheus metrics in the text exposition format; no authentication, like /api/health. */
export const metricsRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { metrics }) => {
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics (runs, tenants, steps, engine calls, queue, leases, process)', security: [] } }, async (_req, reply) => {
    const body = await metrics.render();
    return reply.type(metrics.contentType).send(body);
  });
};
