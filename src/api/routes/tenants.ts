import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { CreateTenantInput } from '../../application/provisioning-service.ts';
import { assertStrongPassword, hashPassword } from '../../application/passwords.ts';
import type { StatusView } from '../../application/status-view.ts';
import type { TenantRecord } from '../../ports/store.ts';
import { AlreadyExistsError, InvalidInputError } from '../../domain/errors.ts';
import { assertCanSee } from './provisioning.ts';
import { visibleTenantIds } from '../plugins/authentication.ts';
import { auditEntry } from './audit.ts';
import { CreateTenantBody, encodeCursor, LegacyCreateTenantBody, TenantIdParams, TenantListQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { PROBLEM, problems, TenantAnswer, TenantCreated, TenantList } from '../responses.ts';
import { problem } from '../plugins/problem-details.ts';

function tenantView(t: TenantRecord, s: StatusView) {
  return {
    id: t.id,
    name: t.name,
    country_code: t.countryCode,
    country: t.country,
    currency: t.currency,
    engine_id: t.engineId,
    admin_email: t.adminEmail,
    created_at: t.createdAt.toISOString(),
    status: s.status,
    message: t.note,
    provisioning_config: { include_demo_data: t.config.includeDemoData, pos_store_enabled: t.config.posStoreEnabled, country_template: t.config.countryTemplate, payment_methods: t.config.paymentMethods, auto_continue: t.config.autoContinue ?? true },
    engine_facts: t.engineFacts,
  };
}

const provisioningSummary = (s: StatusView) => ({
  status: s.status,
  progress: s.progress,
  current_step: s.current_step,
  steps_completed: s.steps_completed,
  total_steps: s.total_steps,
  message: s.message,
  // the fleet table's "last error" column, without one status request per row
  last_error_code: s.errors.at(-1)?.code ?? null,
  drift: { drifted: s.drift.drifted, drifted_at: s.drift.drifted_at, first_step: s.drift.first_step, verified_at: s.drift.verified_at },
});

const tags = ['tenants'];

/** What both creation routes may answer besides 201. */
const creationProblems = problems(
  PROBLEM.validation('body.country_code', 'two-letter country code'),
  PROBLEM.malformedJson,
  PROBLEM.unknownCountry,
  PROBLEM.engineNotRegistered,
  PROBLEM.weakPassword,
  problem(400, 'ADMIN_EMAIL_REQUIRED', 'admin_password needs admin_email', { hint: 'Send admin_email with admin_password, or neither.' }),
  PROBLEM.unauthenticated,
        PROBLEM.tokenRevoked,
  PROBLEM.forbidden,
  PROBLEM.tenantNameTaken,
  PROBLEM.userExists,
  PROBLEM.databaseUnavailable,
);

const schemas = {
  create: {
    tags,
    operationId: 'createTenant',
    summary: 'Create a tenant; provisioning starts unless provisioning.auto_start is false',
    body: CreateTenantBody,
    response: { 201: TenantCreated, ...creationProblems },
  },
  createLegacy: {
    tags,
    operationId: 'createTenantLegacy',
    summary: "Alias of tenant creation with the replaced system's body",
    body: LegacyCreateTenantBody,
    response: { 201: TenantCreated, ...creationProblems },
  },
  list: {
    tags,
    operationId: 'listTenants',
    summary: 'Tenants the caller may see, with their status, oldest first (filters: status, drifted; paging: limit, cursor)',
    description:
      'The status is derived from each tenant\'s steps, not stored, so a filter (status, drifted) is applied to the tenants as they are read, oldest first. One request looks at no more than TENANT_FILTER_SCAN_LIMIT tenants (default 2,000, never fewer than limit), matching or not: when a filter matches few or none of them, the page holds fewer than limit tenants, possibly none, and next_cursor is not null. A page ends at the last tenant looked at; follow next_cursor until it is null to see every matching tenant, each exactly once. Without a filter every page is full but the last.',
    querystring: TenantListQuery,
    response: {
      200: TenantList,
      ...problems(PROBLEM.validation('querystring.status', 'Invalid option: expected one of "NOT_STARTED"|"IN_PROGRESS"|"COMPLETED"|"PARTIAL"|"FAILED"'), PROBLEM.badCursor, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.databaseUnavailable),
    },
  },
  get: {
    tags,
    operationId: 'getTenant',
    summary: 'One tenant with its provisioning summary',
    params: TenantIdParams,
    response: { 200: TenantAnswer, ...problems(PROBLEM.validation('params.id', 'must be a tenant id (UUID)'), PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.tenantNotFound, PROBLEM.databaseUnavailable) },
  },
};

export const tenantRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, service, tenantFilterScanLimit }) => {

  /** Creation shared by both bodies: the tenant, its admin user when given, then auto-start. */
  async function create(request: FastifyRequest, input: CreateTenantInput, admin: { email?: string; name?: string; password?: string }) {
    const requestedBy = request.user.email;
    if (admin.password !== undefined) {
      if (!admin.email) throw new InvalidInputError('ADMIN_EMAIL_REQUIRED', 'admin_password needs admin_email', 'Send admin_email with admin_password, or neither.');
      assertStrongPassword(admin.password, admin.email);
    }
    const passwordHash = admin.password ? await hashPassword(admin.password) : null;
    if (admin.email && passwordHash && (await store.findUserByEmail(admin.email))) {
      throw new AlreadyExistsError('USER_EXISTS', `A user with email ${admin.email} already exists`, 'Use another admin_email, or leave admin_password out to skip creating the admin user.');
    }
    const result = await service.createTenant(input, requestedBy);
    const details = { name: result.tenant.name, engine_id: result.tenant.engineId, run_id: result.run?.id ?? null };
    await store.recordAudit(auditEntry(request, 'tenant.create', 'tenant', result.tenant.id, details));
    if (admin.email && passwordHash) {
      const user = await store.createUser({ email: admin.email, name: admin.name ?? null, passwordHash, role: 'tenant_admin', tenantId: result.tenant.id });
      await store.recordAudit(auditEntry(request, 'user.create', 'user', user.id, { email: user.email, role: user.role, tenant_id: user.tenantId }));
    }
    return { tenant: tenantView(result.tenant, result.status), provisioning: { ...provisioningSummary(result.status), run_id: result.run?.id ?? null } };
  }

  app.post('/api/tenants', { schema: schemas.create, onRequest: [app.requirePlatformAdmin] }, async (req, reply) => {
    const b = req.body;
    const p = b.provisioning;
    const input: CreateTenantInput = {
      name: b.name,
      countryCode: b.country_code,
      currency: b.currency,
      engineId: b.engine_id,
      adminEmail: b.admin_email ?? null,
      autoStart: p?.auto_start ?? true,
      config: { includeDemoData: p?.include_demo_data, posStoreEnabled: p?.pos_store_enabled, countryTemplate: p?.country_template, paymentMethods: p?.payment_methods, autoContinue: p?.auto_continue },
    };
    return reply.status(201).send(await create(req, input, { email: b.admin_email, name: b.admin_name, password: b.admin_password }));
  });

  app.post('/api/iam/tenants', { schema: schemas.createLegacy, onRequest: [app.requirePlatformAdmin] }, async (req, reply) => {
    const b = req.body;
    const input: CreateTenantInput = { name: b.name, countryCode: b.country_code, engineId: b.engine, adminEmail: b.admin_email ?? null, autoStart: true, config: {} };
    return reply.status(201).send(await create(req, input, { email: b.admin_email, name: b.admin_name, password: b.admin_password }));
  });

  app.get('/api/tenants', { schema: schemas.list, onRequest: [app.authenticate] }, async (req) => {
    const { status, drifted, limit, cursor } = req.query;
    const page = await service.listTenants({ ids: visibleTenantIds(req.user), status, drifted, after: cursor ?? null, limit, scanLimit: tenantFilterScanLimit });
    return { tenants: page.rows.map(({ tenant, status: s }) => ({ ...tenantView(tenant, s), provisioning: provisioningSummary(s) })), next_cursor: page.next ? encodeCursor(page.next) : null };
  });

  app.get('/api/tenants/:id', { schema: schemas.get, onRequest: [app.authenticate] }, async (req) => {
    assertCanSee(req.user, req.params.id);
    const tenant = await service.tenant(req.params.id);
    const status = await service.status(tenant.id);
    return { tenant: tenantView(tenant, status), provisioning: provisioningSummary(status) };
  });
};
