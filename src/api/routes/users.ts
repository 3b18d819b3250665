import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assertStrongPassword, hashPassword } from '../../application/passwords.ts';
import { TenantNotFoundError } from '../../application/provisioning-service.ts';
import { isUniqueViolation } from '../../adapters/postgres/database.ts';
import type { UserRecord } from '../../ports/store.ts';
import { AlreadyExistsError, InvalidInputError } from '../../domain/errors.ts';
import { CreateUserBody } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';

const userView = (u: UserRecord) => ({ id: u.id, email: u.email, name: u.name, role: u.role, tenant_id: u.tenantId, created_at: u.createdAt.toISOString() });

export const userRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  app.addHook('onRequest', app.requirePlatformAdmin);
  const tags = ['users'];

  app.get('/api/users', { schema: { tags, summary: 'Users (no password hashes)' } }, async () => ({ users: (await store.listUsers()).map(userView) }));

  app.post('/api/users', { schema: { tags, summary: 'Create a user', body: CreateUserBody } }, async (req, reply) => {
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
