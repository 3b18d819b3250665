import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../app.ts';
import { METRICS_EXAMPLE, problems, textResponse } from '../responses.ts';

const schema = {
  tags: ['health'],
  operationId: 'getMetrics',
  summary: 'Prometheus metrics (runs, tenants, steps, engine calls, queue, leases, process)',
  security: [],
  response: { 200: textResponse('text/plain', 'Prometheus text exposition format (version 0.0.4)', METRICS_EXAMPLE), ...problems() },
};

/** Prometheus metrics in the text exposition format; no authentication, like /api/health. */
export const metricsRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { metrics }) => {
  app.get('/metrics', { schema }, async (_req, reply) => {
    const body = await metrics.render();
    return reply.type(metrics.contentType).send(body);
  });
};
