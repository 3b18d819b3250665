import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProvisionerError } from '../../domain/errors.ts';
import type { Role } from '../../ports/store.ts';

/** What a bearer token says about its holder. */
export interface Principal {
  sub: string;
  email: string;
  role: Role;
  tenant_id: string | null;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Principal;
    user: Principal;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    requirePlatformAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export class UnauthenticatedError extends ProvisionerError {
  constructor(detail: string) {
    super('UNAUTHENTICATED', detail, 'Log in (POST /api/auth/login) and send "Authorization: Bearer <access_token>".', { httpStatus: 401 });
  }
}

export class ForbiddenError extends ProvisionerError {
  constructor(detail: string) {
    super('FORBIDDEN', detail, 'Ask a platform admin for access.', { httpStatus: 403 });
  }
}

/** Token lifetime. (Default: 8 hours, a working shift) */
export const TOKEN_TTL_SECONDS = 8 * 3600;

/** May this principal read the tenant? Platform admins see all tenants; tenant users their own. */
export function canSee(p: Principal, tenantId: string): boolean {
  return p.role === 'platform_admin' || p.tenant_id === tenantId;
}

/** May this principal start, continue, retry or skip for the tenant? */
export function canOperate(p: Principal, tenantId: string): boolean {
  return p.role === 'platform_admin' || (p.role === 'tenant_admin' && p.tenant_id === tenantId);
}

export const authentication = fp(async (app: FastifyInstance, opts: { secret: string }) => {
  await app.register(fastifyJwt, { secret: opts.secret, sign: { expiresIn: TOKEN_TTL_SECONDS } });

  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (!request.headers.authorization) throw new UnauthenticatedError('Missing Authorization header');
    try {
      await request.jwtVerify();
    } catch {
      throw new UnauthenticatedError('Invalid or expired access token');
    }
  });

  app.decorate('requirePlatformAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply);
    if (request.user.role !== 'platform_admin') throw new ForbiddenError('Only platform admins may do this');
  });
});
