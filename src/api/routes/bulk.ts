import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BulkActions, type BulkFilter } from '../../application/bulk-actions.ts';
import { BulkBody } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { BulkAnswer, PROBLEM, problems } from '../responses.ts';
import { auditEntry } from './audit.ts';

const schemas = {
  bulk: {
    tags: ['provisioning'],
    operationId: 'bulkProvisioning',
    summary: 'Continue or Retry every tenant a filter matches (dry_run: only list them); platform admins',
    body: BulkBody,
    response: {
      200: BulkAnswer,
      ...problems(PROBLEM.validation('body.action', 'Invalid option: expected one of "continue"|"retry"'), PROBLEM.malformedJson, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable),
    },
  },
};

export const bulkRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, service, engineFor }) => {
  const bulk = new BulkActions(store, service, engineFor);

  app.post('/api/provisioning/bulk', { schema: schemas.bulk, onRequest: [app.requirePlatformAdmin] }, async (req) => {
    const { action, filter: f, dry_run } = req.body;
    const filter: BulkFilter = {
      status: f.status,
      engineId: f.engine_id,
      step: f.step,
      code: f.code,
      createdBefore: f.created_before ? new Date(f.created_before) : undefined,
      createdAfter: f.created_after ? new Date(f.created_after) : undefined,
    };
    if (dry_run) {
      const ids = await bulk.match(filter);
      return { matched: ids.length, tenant_ids: ids, dry_run, queued: 0, runs: [], skipped: [] };
    }
    const outcome = await bulk.run(action, filter, req.user.email);
    await store.recordAudit(auditEntry(req, `provisioning.bulk_${action}`, 'tenant', null, { filter: f, matched: outcome.tenantIds.length, queued: outcome.queued.length, skipped: outcome.skipped.length }));
    return {
      matched: outcome.tenantIds.length,
      tenant_ids: outcome.tenantIds,
      dry_run,
      queued: outcome.queued.length,
      runs: outcome.queued.map((q) => ({ tenant_id: q.tenantId, run_id: q.runId })),
      skipped: outcome.skipped.map((s) => ({ tenant_id: s.tenantId, reason: s.reason })),
    };
  });
};
