import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ProvisionerError } from '../../domain/errors.ts';
import { hashPassword, verifyPassword } from '../../application/passwords.ts';
import { AccountDisabledError, LoginThrottledError } from '../../application/accounts.ts';
import { TOKEN_TTL_SECONDS, visibleTenantIds, TokenRevokedError } from '../plugins/authentication.ts';
import { encodeCursor, LoginBody, PAGE_LIMIT } from '../schemas.ts';
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
    summary: 'Log in; answers a bearer token (failed logins are throttled per account and per address)',
    security: [],
    body: LoginBody,
    response: {
      200: LoginAnswer,
      ...problems(
        PROBLEM.validation('body.password', 'Invalid input: expected string, received undefined'),
        PROBLEM.malformedJson,
        problemOf(new InvalidCredentialsError()),
        problemOf(new AccountDisabledError('disabled by a platform admin')),
        problemOf(new LoginThrottledError(60)),
        PROBLEM.databaseUnavailable,
      ),
    },
  },
  me: {
    tags,
    operationId: 'getCurrentUser',
    summary: 'Who the token belongs to, as the users table says now',
    response: { 200: MeAnswer, ...problems(PROBLEM.unauthenticated, PROBLEM.tokenRevoked, PROBLEM.databaseUnavailable) },
  },
};

export const authRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store, service, loginThrottle }) => {
  app.post('/api/auth/login', { schema: schemas.login }, async (request) => {
    const email = request.body.email.toLowerCase();
    const lockout = { baseMs: loginThrottle.baseMs, maxMs: loginThrottle.maxMs };
    // known and unknown emails are counted alike: the answers do not tell which accounts exist
    const accountKey = `account:${email}`;
    const keys = [
      { key: accountKey, policy: { ...lockout, maxFailures: loginThrottle.perAccount } },
      { key: `address:${request.ip}`, policy: { ...lockout, maxFailures: loginThrottle.perAddress } },
    ];
    // the attempt is counted as a failure before the password is checked (see claimLoginAttempt);
    // while locked, even the right password is refused, before any password is checked
    const lockedMs = await store.claimLoginAttempt(keys);
    if (lockedMs > 0) throw new LoginThrottledError(Math.max(1, Math.ceil(lockedMs / 1000)));
    const user = await store.findUserByEmail(email);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), request.body.password);
    if (!user || !ok) throw new InvalidCredentialsError();
    await store.settleGoodLogin(keys, { forgetKey: user.disabledAt ? null : accountKey });
    if (user.disabledAt) throw new AccountDisabledError(user.disabledReason);
    const access_token = app.jwt.sign({ sub: user.id, email: user.email, role: user.role, tenant_id: user.tenantId, ver: user.tokenVersion });
    const ids = visibleTenantIds({ role: user.role, tenant_id: user.tenantId });
    // the first page of GET /api/tenants: a platform admin of 10,000 tenants logs in as fast as one of 3
    const page = await store.listTenantsPage(ids === null ? {} : { ids }, { after: null, limit: PAGE_LIMIT.default });
    const statuses = await service.statuses(page.items);
    return {
      access_token,
      token_type: 'bearer' as const,
      expires_in: TOKEN_TTL_SECONDS,
      user: { id: user.id, email: user.email, role: user.role, tenant_id: user.tenantId },
      tenants: statuses.map((s) => ({ id: s.tenant_id, name: s.tenant_name, status: s.status })),
      tenants_next_cursor: page.more ? encodeCursor(page.keys.at(-1)!) : null,
    };
  });

  app.get('/api/auth/me', { schema: schemas.me, onRequest: [app.authenticate] }, async (request) => {
    // the users table, not the token: a changed name, role or tenant shows at once
    const user = await store.getUser(request.user.sub);
    if (!user) throw new TokenRevokedError();
    return { user: { sub: user.id, email: user.email, name: user.name, role: user.role, tenant_id: user.tenantId, iat: request.user.iat, exp: request.user.exp } };
  });
};
