import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isStepId } from '../../domain/steps/catalogue.ts';
import type { ApiDeps } from '../app.ts';
import { visibleTenantIds } from '../plugins/authentication.ts';
import { PROBLEM, problems, StatsAnswer } from '../responses.ts';

/** (Default: 24h) 24 one-hour buckets, or 7 days in 28 buckets of six hours. */
const WINDOWS = { '24h': { seconds: 86_400, bucket: 3_600 }, '7d': { seconds: 7 * 86_400, bucket: 6 * 3_600 } } as const;

/** The start of a window's first whole bucket: the bucket boundary before `nowMs` - the window, plus a bucket. */
export function statsWindowStart(window: keyof typeof WINDOWS, nowMs = Date.now()): Date {
  const w = WINDOWS[window];
  return new Date((Math.floor((nowMs / 1000 - w.seconds) / w.bucket) * w.bucket + w.bucket) * 1000);
}

const StatsQuery = z.object({ window: z.enum(['24h', '7d']).default('24h') });

const schema = {
  tags: ['provisioning'],
  operationId: 'getProvisioningStats',
  summary: 'Runs over time by outcome, failures by step and code (last 24 h or 7 d)',
  querystring: StatsQuery,
  response: { 200: StatsAnswer, ...problems(PROBLEM.validation('querystring.window', 'Invalid option: expected one of "24h"|"7d"'), PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.databaseUnavailable) },
};

/** The dashboard's charts: the fleet's recent runs and failures, for the tenants the caller may see. */
export const statsRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  app.get('/api/provisioning/stats', { schema, onRequest: [app.authenticate] }, async (req) => {
    const w = WINDOWS[req.query.window];
    const tenantIds = visibleTenantIds(req.user);
    const since = statsWindowStart(req.query.window);
    const first = since.getTime() / 1000;
    const [outcomes, failures] = await Promise.all([store.runOutcomes(tenantIds, since, w.bucket), store.stepFailures(tenantIds, since, 20)]);
    const buckets = new Map<number, { start: string; completed: number; partial: number; failed: number }>();
    for (let t = first; t <= Date.now() / 1000; t += w.bucket) buckets.set(t, { start: new Date(t * 1000).toISOString(), completed: 0, partial: 0, failed: 0 });
    const totals = { completed: 0, partial: 0, failed: 0 };
    for (const o of outcomes) {
      const b = buckets.get(Math.round(o.bucket.getTime() / 1000));
      if (b) b[o.status] += o.runs;
      totals[o.status] += o.runs;
    }
    return {
      window: req.query.window,
      since: since.toISOString(),
      bucket_seconds: w.bucket,
      runs: [...buckets.values()],
      totals,
      failures: failures.flatMap((f) => (isStepId(f.step) ? [{ step: f.step, code: f.code, failures: f.failures }] : [])),
    };
  });
};
