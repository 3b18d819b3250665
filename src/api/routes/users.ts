import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assertStrongPassword, hashPassword } from '../../application/passwords.ts';
import { TenantNotFoundError } from '../../application/provisioning-service.ts';
import { assertRoleFitsTenant, createAccount, LastPlatformAdminError, roleTenantMismatch, UserNotFoundError } from '../../application/accounts.ts';
import type { UserChange, UserChangeRefusal } from '../../adapters/postgres/store.ts';
import { isPlatformRole, type UserRecord } from '../../ports/store.ts';
import { CreateUserBody, encodeCursor, UpdateUserBody, UserIdParams, UserListQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { PROBLEM, problems, UserAnswer, UserList } from '../responses.ts';
import { problemOf } from '../plugins/problem-details.ts';
import { auditEntry } from './audit.ts';

const userView = (u: UserRecord) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  tenant_id: u.tenantId,
  disabled: u.disabledAt !== null,
  disabled_reason: u.disabledReason,
  created_at: u.createdAt.toISOString(),
});

function changed(result: UserRecord | UserChangeRefusal, id: string): UserRecord {
  if (result === 'not_found') throw new UserNotFoundError(id);
  if (result === 'last_platform_admin') throw new LastPlatformAdminError();
  return result;
}

const tags = ['users'];
const badUserId = PROBLEM.validation('params.id', 'must be a user id (UUID)');
const userNotFound = problemOf(new UserNotFoundError('dbc62631-64fb-49f9-8f2d-3332c5605d76'));
const lastAdmin = problemOf(new LastPlatformAdminError());
const schemas = {
  list: {
    tags,
    operationId: 'listUsers',
    summary: 'Users, oldest first (no password hashes; platform admins and viewers; paging: limit, cursor)',
    querystring: UserListQuery,
    response: { 200: UserList, ...problems(PROBLEM.badCursor, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
  },
  create: {
    tags,
    operationId: 'createUser',
    summary: 'Create a user',
    body: CreateUserBody,
    response: {
      201: UserAnswer,
      ...problems(
        PROBLEM.validation('body.email', 'Invalid email address'),
        PROBLEM.malformedJson,
        problemOf(roleTenantMismatch()),
        PROBLEM.weakPassword,
        PROBLEM.unauthenticated,
        PROBLEM.tokenRevoked,
        PROBLEM.forbidden,
        PROBLEM.tenantNotFound,
        PROBLEM.userExists,
        PROBLEM.databaseUnavailable,
      ),
    },
  },
  update: {
    tags,
    operationId: 'updateUser',
    summary: "Change a user's role, tenant, password, or disable/enable it (revokes its tokens, except enabling)",
    params: UserIdParams,
    body: UpdateUserBody,
    response: {
      200: UserAnswer,
      ...problems(badUserId, PROBLEM.malformedJson, problemOf(roleTenantMismatch()), PROBLEM.weakPassword, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, userNotFound, PROBLEM.tenantNotFound, lastAdmin, PROBLEM.databaseUnavailable),
    },
  },
  delete: {
    tags,
    operationId: 'deleteUser',
    summary: 'Delete a user (its tokens stop working at once)',
    params: UserIdParams,
    response: { 200: UserAnswer, ...problems(badUserId, PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.forbidden, userNotFound, lastAdmin, PROBLEM.databaseUnavailable) },
  },
};

export const userRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  // platform viewers list users; every change is for platform admins only
  app.addHook('onRequest', async (request, reply) => (request.method === 'GET' ? app.requirePlatformReader(request, reply) : app.requirePlatformAdmin(request, reply)));

  app.get('/api/users', { schema: schemas.list }, async (req) => {
    const page = await store.listUsersPage({ after: req.query.cursor ?? null, limit: req.query.limit });
    return { users: page.items.map(userView), next_cursor: page.more ? encodeCursor(page.keys.at(-1)!) : null };
  });

  app.post('/api/users', { schema: schemas.create }, async (req, reply) => {
    const b = req.body;
    const user = await createAccount(store, { email: b.email, name: b.name ?? null, password: b.password, role: b.role, tenantId: b.tenant_id ?? null }, (u) =>
      auditEntry(req, 'user.create', 'user', u.id, { email: u.email, role: u.role, tenant_id: u.tenantId }),
    );
    return reply.status(201).send({ user: userView(user) });
  });

  app.patch('/api/users/:id', { schema: schemas.update }, async (req) => {
    const b = req.body;
    const current = await store.getUser(req.params.id);
    if (!current) throw new UserNotFoundError(req.params.id);
    const role = b.role ?? current.role;
    // a platform role drops the tenant by itself; a tenant role needs one
    const tenantId = b.tenant_id !== undefined ? b.tenant_id : isPlatformRole(role) ? null : current.tenantId;
    assertRoleFitsTenant(role, tenantId);
    if (tenantId && tenantId !== current.tenantId && !(await store.getTenant(tenantId))) throw new TenantNotFoundError(tenantId);
    if (b.password !== undefined) assertStrongPassword(b.password, current.email);
    const change: UserChange = { role, tenantId, disabled: b.disabled, disabledReason: b.disabled ? `disabled by ${req.user.email}` : null };
    if (b.password !== undefined) change.passwordHash = await hashPassword(b.password);
    // what changed, never the password itself
    const details = { email: current.email, ...(b.role !== undefined && { role }), ...(b.tenant_id !== undefined && { tenant_id: tenantId }), ...(b.disabled !== undefined && { disabled: b.disabled }), ...(b.password !== undefined && { password_changed: true }) };
    return { user: userView(changed(await store.updateUser(req.params.id, change, auditEntry(req, 'user.update', 'user', req.params.id, details)), req.params.id)) };
  });

  app.delete('/api/users/:id', { schema: schemas.delete }, async (req) => {
    const current = await store.getUser(req.params.id);
    const audit = auditEntry(req, 'user.delete', 'user', req.params.id, { email: current?.email ?? null, role: current?.role ?? null });
    return { user: userView(changed(await store.deleteUser(req.params.id, audit), req.params.id)) };
  });
};
