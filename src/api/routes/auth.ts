import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ProvisionerError } from '../../domain/errors.ts';
import { hashPassword, verifyPassword } from '../../application/passwords.ts';
import { TOKEN_TTL_SECONDS } from '../plugins/authentication.ts';
import { LoginBody } from '../schemas.ts';
import type { ApiDeps } from '../app.ts';
import { LoginAnswer, MeAnswer, PROBLEM, problems } from '../responses.ts';
import { problemOf } from '../plugins/problem-details.ts';

class InvalidCredentialsError extends ProvisionerError {
  constructor() {
    super('INVALID_CREDENTIALS', 'Invalid email or password', 'Check the email and password; accounts are created by a platform admin.', { httpStatus: 401 });
  }
}

/** A hash to verify against when the email is unknown, so both cases take the same time. */
const dummyHash = hashPassword('not-a-real-password-' + Math.random());

const tags = ['auth'];
const schemas = {
  login: {
    tags,
    operationId: 'login',
    summary: 'Log in; answers a bearer token',
    security: [],
    body: LoginBody,
    response: {
      200: LoginAnswer,
      ...problems(PROBLEM.validation('body.password', 'Invalid input: expected string, received undefined'), PROBLEM.malformedJson, problemOf(new InvalidCredentialsError()), PROBLEM.databaseUnavailable),
    },
  },
  me: { tags, operationId: 'getCurrentUser', summary: 'Who the token belongs to', response: { 200: MeAnswer, ...problems(PROBLEM.unauthenticated) } },
};

export const authRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, service }) => {
  app.post('/api/auth/login', { schema: schemas.login }, async (request) => {
    const user = await store.findUserByEmail(request.body.email);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), request.body.password);
    if (!user || !ok) throw new InvalidCredentialsError();
    const access_token = app.jwt.sign({ sub: user.id, email: user.email, role: user.role, tenant_id: user.tenantId });
    const tenants = await store.listTenants(user.role === 'platform_admin' ? {} : { ids: user.tenantId ? [user.tenantId] : [] });
    const statuses = await service.statuses(tenants);
    return {
      access_token,
      token_type: 'bearer' as const,
      expires_in: TOKEN_TTL_SECONDS,
      user: { id: user.id, email: user.email, role: user.role, tenant_id: user.tenantId },
      tenants: statuses.map((s) => ({ id: s.tenant_id, name: s.tenant_name, status: s.status })),
    };
  });

  app.get('/api/auth/me', { schema: schemas.me, onRequest: [app.authenticate] }, async (request) => ({ user: request.user }));
};
