import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuditEntry, AuditRecord } from '../../ports/store.ts';
import { AuditQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { AuditList, PROBLEM, problems } from '../responses.ts';

/** An audit line for a change the request's caller made. `details` must hold no secret. */
export function auditEntry(request: FastifyRequest, action: string, targetType: AuditEntry['targetType'], targetId: string | null, details: Record<string, unknown> = {}): AuditEntry {
  return { actorId: request.user?.sub ?? null, actorEmail: request.user?.email ?? null, action, targetType, targetId, details, ip: request.ip };
}

const auditView = (a: AuditRecord) => ({
  id: a.id,
  at: a.at.toISOString(),
  actor_id: a.actorId,
  actor_email: a.actorEmail,
  action: a.action,
  target_type: a.targetType,
  target_id: a.targetId,
  details: a.details,
  ip: a.ip,
});

const schemas = {
  list: {
    tags: ['audit'],
    operationId: 'listAuditLog',
    summary: 'Who did what: tenant creation, runs, skips, user and engine changes (newest first; platform admins)',
    querystring: AuditQuery,
    response: {
      200: AuditList,
      ...problems(PROBLEM.validation('querystring.limit', 'Too big: expected number to be <=500'), PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable),
    },
  },
};

export const auditRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  app.get('/api/audit', { schema: schemas.list, onRequest: [app.requirePlatformAdmin] }, async (request) => {
    const { limit, cursor } = request.query;
    // one more than asked: a full last page has no cursor to an empty one
    const rows = await store.listAudit({ limit: limit + 1, beforeId: cursor ?? null });
    const entries = rows.slice(0, limit);
    return { entries: entries.map(auditView), next_cursor: rows.length > limit ? String(entries.at(-1)!.id) : null };
  });
};
