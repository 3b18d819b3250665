import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ForbiddenError } from '../plugins/authentication.ts';
import { problemOf } from '../plugins/problem-details.ts';
import { PlanQuery, TenantIdParams } from '../schemas.ts';
import { PlanAnswer, PROBLEM, problems, RunAnswer, VerifyAnswer } from '../responses.ts';
import type { ApiDeps } from '../app.ts';
import { auditEntry } from './audit.ts';
import { assertCanOperate, assertCanSee, runView } from './provisioning.ts';

const tags = ['provisioning'];
const badTenantId = PROBLEM.validation('params.id', 'must be a tenant id (UUID)');
const notOperator = problemOf(new ForbiddenError('Only platform admins and the tenant admin may change provisioning'));
const IdempotencyHeaders = z.object({ 'idempotency-key': z.string().min(1).max(200).optional() });
/** A verification or a plan reads the engine: it answers as start does when the engine does not. */
const engineProblems = [PROBLEM.engineUnavailable, PROBLEM.engineAuthFailed] as const;

const schemas = {
  verify: {
    tags,
    operationId: 'verifyProvisioning',
    summary: "Drift check: re-read a COMPLETED tenant's records and links in the engine (reads only) and record what differs",
    params: TenantIdParams,
    response: {
      200: VerifyAnswer,
      ...problems(badTenantId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, notOperator, PROBLEM.tenantNotFound, PROBLEM.verifyNotCompleted, PROBLEM.runActive, PROBLEM.stateChanged, ...engineProblems, PROBLEM.databaseUnavailable),
    },
  },
  heal: {
    tags,
    operationId: 'healProvisioning',
    summary: 'Retry a drifted tenant from the first broken step its last verification found',
    params: TenantIdParams,
    headers: IdempotencyHeaders,
    response: {
      202: RunAnswer,
      ...problems(badTenantId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, notOperator, PROBLEM.tenantNotFound, PROBLEM.notDrifted, PROBLEM.invalidTransition('retry', 'NOT_STARTED'), PROBLEM.runActive, PROBLEM.stateChanged, ...engineProblems, PROBLEM.databaseUnavailable),
    },
  },
  plan: {
    tags,
    operationId: 'planProvisioning',
    summary: 'What a start, continue or retry would do now, from reads only: the records it would create or update, and those in place',
    params: TenantIdParams,
    querystring: PlanQuery,
    response: {
      200: PlanAnswer,
      ...problems(PROBLEM.validation('querystring.kind', 'Invalid option: expected one of "start"|"continue"|"retry"'), PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.tenantNotFound, PROBLEM.invalidTransition('continue', 'COMPLETED'), PROBLEM.runActive, ...engineProblems, PROBLEM.databaseUnavailable),
    },
  },
};

/** Drift check, heal and plan (issue 16 items 2 and 4): application/drift-checks.ts. */
export const driftRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, driftChecks }) => {
  app.addHook('onRequest', app.authenticate);

  // an operator's action: it loads the shared engine and changes the tenant's drift flag
  app.post('/api/provisioning/tenants/:id/verify', { schema: schemas.verify }, async (req) => {
    assertCanOperate(req.user, req.params.id);
    const v = await driftChecks.verify(req.params.id, req.user.email);
    return { tenant_id: v.tenantId, drifted: v.drifted, first_step: v.firstStep, findings: v.findings, verified_at: v.verifiedAt.toISOString() };
  });

  app.post('/api/provisioning/tenants/:id/heal', { schema: schemas.heal }, async (req, reply) => {
    assertCanOperate(req.user, req.params.id);
    const { run, created, fromStep } = await driftChecks.heal(req.params.id, { idempotencyKey: req.headers['idempotency-key'] ?? null, requestedBy: req.user.email });
    if (created) await store.recordAudit(auditEntry(req, 'provisioning.heal', 'tenant', req.params.id, { run_id: run.id, plan: run.plan, step: fromStep }));
    return reply.status(202).send(runView(run, created));
  });

  // a read: whoever may see the tenant may see what a run would do
  app.get('/api/provisioning/tenants/:id/plan', { schema: schemas.plan }, async (req) => {
    assertCanSee(req.user, req.params.id);
    const { kind, step } = req.query;
    const plan = await driftChecks.plan(req.params.id, kind ?? null, step ?? null);
    return { tenant_id: req.params.id, kind: plan.kind, steps: plan.steps, operations: plan.operations, problems: plan.problems };
  });
};
