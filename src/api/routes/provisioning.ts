import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventRecord, RunRecord } from '../../ports/store.ts';
import type { RunKind } from '../../domain/plan.ts';
import { TenantNotFoundError } from '../../application/provisioning-service.ts';
import { canOperate, canSee, ForbiddenError, type Principal } from '../plugins/authentication.ts';
import { problemOf } from '../plugins/problem-details.ts';
import { LogsQuery, RetryBody, SkipStepBody, StartBody, TenantIdParams } from '../schemas.ts';
import { LogsAnswer, PROBLEM, problems, RunAnswer, StatusAnswer } from '../responses.ts';
import type { ApiDeps } from '../app.ts';
import { auditEntry } from './audit.ts';
import type { FastifyRequest } from 'fastify';

const IdempotencyHeaders = z.object({ 'idempotency-key': z.string().min(1).max(200).optional() });

/** A run's status as the run answers say it: a replayed Idempotency-Key may return a run that has ended since. */
const RUN_ANSWER_STATUS = { queued: 'IN_PROGRESS', running: 'IN_PROGRESS', completed: 'COMPLETED', partial: 'PARTIAL', failed: 'FAILED' } as const;

export function runView(run: RunRecord, created: boolean) {
  return {
    tenant_id: run.tenantId,
    status: RUN_ANSWER_STATUS[run.status],
    message: created ? `Provisioning ${run.kind} queued` : 'Same Idempotency-Key: the run created before',
    run: { id: run.id, kind: run.kind, status: run.status, plan: run.plan, created_at: run.createdAt.toISOString() },
  };
}

/** One log entry as the logs API and the event streams show it (product.md §5). */
export function logEntryView(e: EventRecord) {
  return {
    id: e.id,
    ts: e.createdAt.toISOString(),
    run_id: e.runId,
    step: e.stepId,
    type: e.type,
    status: e.status,
    level: e.level,
    message: e.message,
    error: e.error,
    code: e.code,
    hint: e.hint,
    attempt: e.attempt,
    duration_ms: e.durationMs,
    completed_at: e.type === 'step_completed' || e.type === 'run_finished' ? e.createdAt.toISOString() : null,
    engine: e.engine ?? null,
  };
}

/** Tenant users of another tenant get the same 404 as an unknown tenant: existence is not leaked. */
export function assertCanSee(user: Principal, tenantId: string): void {
  if (!canSee(user, tenantId)) throw new TenantNotFoundError(tenantId);
}

export function assertCanOperate(user: Principal, tenantId: string): void {
  assertCanSee(user, tenantId);
  if (!canOperate(user, tenantId)) throw new ForbiddenError('Only platform admins and the tenant admin may change provisioning');
}

const tags = ['provisioning'];
const badTenantId = PROBLEM.validation('params.id', 'must be a tenant id (UUID)');
const notOperator = problemOf(new ForbiddenError('Only platform admins and the tenant admin may change provisioning'));

/** What start, continue and retry may answer besides 202. */
const runProblems = (refusal: ReturnType<typeof PROBLEM.invalidTransition>, invalidBody: ReturnType<typeof PROBLEM.validation> | null) =>
  problems(
    ...(invalidBody ? [invalidBody, PROBLEM.malformedJson] : [badTenantId]),
    PROBLEM.unauthenticated,
        PROBLEM.tokenRevoked,
    notOperator,
    PROBLEM.tenantNotFound,
    refusal,
    PROBLEM.runActive,
    PROBLEM.stateChanged,
    PROBLEM.engineUnavailable,
    PROBLEM.engineAuthFailed,
    PROBLEM.databaseUnavailable,
  );

const schemas = {
  status: {
    tags,
    operationId: 'getProvisioningStatus',
    summary: 'Derived provisioning status with every step',
    params: TenantIdParams,
    response: { 200: StatusAnswer, ...problems(badTenantId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.tenantNotFound, PROBLEM.databaseUnavailable) },
  },
  logs: {
    tags,
    operationId: 'getProvisioningLogs',
    summary: 'Step logs, oldest first (filters: step, level, since, after_id; paging)',
    params: TenantIdParams,
    querystring: LogsQuery,
    response: {
      200: LogsAnswer,
      ...problems(PROBLEM.validation('querystring.level', 'Invalid option: expected one of "debug"|"info"|"warn"|"error"'), PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.tenantNotFound, PROBLEM.databaseUnavailable),
    },
  },
  start: {
    tags,
    operationId: 'startProvisioning',
    summary: 'Start provisioning (from NOT_STARTED)',
    params: TenantIdParams,
    headers: IdempotencyHeaders,
    body: StartBody,
    response: { 202: RunAnswer, ...runProblems(PROBLEM.invalidTransition('start', 'COMPLETED'), PROBLEM.validation('body.include_demo_data', 'Invalid input: expected boolean, received string')) },
  },
  continue: {
    tags,
    operationId: 'continueProvisioning',
    summary: 'Resume from the first failed or pending step (from PARTIAL or FAILED)',
    params: TenantIdParams,
    headers: IdempotencyHeaders,
    response: { 202: RunAnswer, ...runProblems(PROBLEM.invalidTransition('continue', 'COMPLETED'), null) },
  },
  retry: {
    tags,
    operationId: 'retryProvisioning',
    summary: 'Re-run every step, or a step and those after it',
    params: TenantIdParams,
    headers: IdempotencyHeaders,
    body: RetryBody,
    response: { 202: RunAnswer, ...runProblems(PROBLEM.invalidTransition('retry', 'NOT_STARTED'), PROBLEM.validation('body.step', 'Invalid option: expected one of the step ids')) },
  },
  skipStep: {
    tags,
    operationId: 'skipProvisioningStep',
    summary: 'Skip an optional step (step_6_items, step_9_pos_session)',
    params: TenantIdParams,
    body: SkipStepBody,
    response: { 200: StatusAnswer, ...problems(PROBLEM.stepNotSkippable, PROBLEM.malformedJson, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, notOperator, PROBLEM.tenantNotFound, PROBLEM.runActive, PROBLEM.databaseUnavailable) },
  },
};

export const provisioningRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, service }) => {
  app.addHook('onRequest', app.authenticate);

  app.get('/api/provisioning/tenants/:id/status', { schema: schemas.status }, async (request) => {
    assertCanSee(request.user, request.params.id);
    return service.status(request.params.id);
  });

  app.get('/api/provisioning/tenants/:id/logs', { schema: schemas.logs }, async (request) => {
    assertCanSee(request.user, request.params.id);
    await service.tenant(request.params.id);
    const q = request.query;
    const events = await store.listEvents(request.params.id, {
      stepId: q.step,
      level: q.level,
      since: q.since ? new Date(q.since) : undefined,
      afterId: q.after_id,
      limit: q.limit,
      offset: q.offset,
      includeEngineCalls: q.include_engine_calls,
    });
    return {
      tenant_id: request.params.id,
      logs: events.map(logEntryView),
      paging: { limit: q.limit, offset: q.offset, next_offset: events.length === q.limit ? q.offset + q.limit : null },
    };
  });

  const request = async (kind: RunKind, req: FastifyRequest, tenantId: string, key: string | undefined, opts: Parameters<typeof service.requestRun>[2] = {}) => {
    assertCanOperate(req.user, tenantId);
    const { run, created } = await service.requestRun(tenantId, kind, { ...opts, idempotencyKey: key ?? null, requestedBy: req.user.email });
    // a replayed Idempotency-Key changed nothing: nothing to audit
    if (created) await store.recordAudit(auditEntry(req, `provisioning.${kind}`, 'tenant', tenantId, { run_id: run.id, plan: run.plan, ...(opts.fromStep ? { step: opts.fromStep } : {}) }));
    return runView(run, created);
  };

  app.post('/api/provisioning/tenants/:id/start', { schema: schemas.start }, async (req, reply) => {
    const b = req.body ?? {};
    const config = { includeDemoData: b.include_demo_data ?? false, posStoreEnabled: b.pos_store_enabled ?? true, countryTemplate: b.country_template ?? null, paymentMethods: b.payment_methods, autoContinue: b.auto_continue };
    return reply.status(202).send(await request('start', req, req.params.id, req.headers['idempotency-key'], { config }));
  });

  app.post('/api/provisioning/tenants/:id/continue', { schema: schemas.continue }, async (req, reply) => {
    return reply.status(202).send(await request('continue', req, req.params.id, req.headers['idempotency-key']));
  });

  app.post('/api/provisioning/tenants/:id/retry', { schema: schemas.retry }, async (req, reply) => {
    return reply.status(202).send(await request('retry', req, req.params.id, req.headers['idempotency-key'], { fromStep: req.body?.step ?? null }));
  });

  app.post('/api/provisioning/tenants/:id/skip-step', { schema: schemas.skipStep }, async (req) => {
    assertCanOperate(req.user, req.params.id);
    const status = await service.skipStep(req.params.id, req.body.step, req.user.email);
    await store.recordAudit(auditEntry(req, 'provisioning.skip_step', 'tenant', req.params.id, { step: req.body.step }));
    return status;
  });
};
