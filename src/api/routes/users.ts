import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assertStrongPassword, hashPassword } from '../../application/passwords.ts';
import { TenantNotFoundError } from '../../application/provisioning-service.ts';
import { isUniqueViolation } from '../../adapters/postgres/database.ts';
import type { UserRecord } from '../../ports/store.ts';
import { AlreadyExistsError, InvalidInputError } from '../../domain/errors.ts';
import { CreateUserBody, encodeCursor, UserListQuery } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { PROBLEM, problems, UserAnswer, UserList } from '../responses.ts';
import { problem } from '../plugins/problem-details.ts';

const userView = (u: UserRecord) => ({ id: u.id, email: u.email, name: u.name, role: u.role, tenant_id: u.tenantId, created_at: u.createdAt.toISOString() });

const tags = ['users'];
const schemas = {
  list: {
    tags,
    operationId: 'listUsers',
    summary: 'Users, oldest first (no password hashes; paging: limit, cursor)',
    querystring: UserListQuery,
    response: { 200: UserList, ...problems(PROBLEM.badCursor, PROBLEM.unauthenticated, PROBLEM.forbidden, PROBLEM.databaseUnavailable) },
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
        problem(400, 'ROLE_TENANT_MISMATCH', 'platform_admin users have no tenant_id; tenant users need one', { hint: 'Send tenant_id exactly for tenant_admin and tenant_user.' }),
        PROBLEM.weakPassword,
        PROBLEM.unauthenticated,
        PROBLEM.forbidden,
        PROBLEM.tenantNotFound,
        PROBLEM.userExists,
        PROBLEM.databaseUnavailable,
      ),
    },
  },
};

export const userRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  app.addHook('onRequest', app.requirePlatformAdmin);

  app.get('/api/users', { schema: schemas.list }, async (req) => {
    const page = await store.listUsersPage({ after: req.query.cursor ?? null, limit: req.query.limit });
    return { users: page.items.map(userView), next_cursor: page.more ? encodeCursor(page.keys.at(-1)!) : null };
  });

  app.post('/api/users', { schema: schemas.create }, async (req, reply) => {
    const b = req.body;
    if ((b.role === 'platform_admin') !== (b.tenant_id === undefined)) {
      throw new InvalidInputError('ROLE_TENANT_MISMATCH', 'platform_admin users have no tenant_id; tenant users need one', 'Send tenant_id exactly for tenant_admin and tenant_user.');
    }
    if (b.tenant_id && !(await store.getTenant(b.tenant_id))) throw new TenantNotFoundError(b.tenant_id);
    assertStrongPassword(b.password, b.email);
    try {
      const user = await store.createUser({ email: b.email, name: b.name ?? null, passwordHash: await hashPassword(b.password), role: b.role, tenantId: b.tenant_id ?? null });
      return reply.status(201).send({ user: userView(user) });
    } catch (e) {
      if (isUniqueViolation(e, 'users_email')) throw new AlreadyExistsError('USER_EXISTS', `A user with email ${b.email} already exists`, 'Use another email.');
      throw e;
    }
  });
};
