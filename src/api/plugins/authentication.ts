import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProvisionerError } from '../../domain/errors.ts';
import { isPlatformRole, type Role, type TokenState } from '../../ports/store.ts';
import type { TokenStateCache } from '../../adapters/postgres/token-state-cache.ts';

/** What a bearer token says about its holder, as checked against the users table. */
export interface Principal {
  sub: string;
  email: string;
  role: Role;
  tenant_id: string | null;
  /** users.token_version when the token was issued. */
  ver: number;
  iat?: number;
  exp?: number;
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
    /** Platform admins and platform viewers: the routes that read across tenants. */
    requirePlatformReader: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Verifies a token (signature, HS256, exp) and checks it against the users table; the principal, or an UnauthenticatedError/TokenRevokedError. */
    principalOf: (token: string) => Promise<Principal>;
  }
}

export class UnauthenticatedError extends ProvisionerError {
  constructor(detail: string) {
    super('UNAUTHENTICATED', detail, 'Log in (POST /api/auth/login) and send "Authorization: Bearer <access_token>".', { httpStatus: 401 });
  }
}

/** The token was valid once, but its user was deleted, disabled, re-roled or changed password since. */
export class TokenRevokedError extends ProvisionerError {
  constructor(detail = 'The access token was revoked: its user was deleted, disabled, given another role or tenant, or changed password') {
    super('TOKEN_REVOKED', detail, 'Log in again (POST /api/auth/login); a disabled or deleted account cannot, ask a platform admin.', { httpStatus: 401 });
  }
}

export class ForbiddenError extends ProvisionerError {
  constructor(detail: string) {
    super('FORBIDDEN', detail, 'Ask a platform admin for access.', { httpStatus: 403 });
  }
}

/** Token lifetime. (Default: 8 hours, a working shift) */
export const TOKEN_TTL_SECONDS = 8 * 3600;
/** Clocks of API processes may differ by this much when checking exp and iat. */
export const CLOCK_TOLERANCE_MS = 5_000;
/** The one algorithm tokens are signed and verified with: a token that says another is refused. */
export const TOKEN_ALGORITHM = 'HS256';


/** May this principal read the tenant? Platform admins and viewers see all tenants; tenant users their own. */
export function canSee(p: Pick<Principal, 'role' | 'tenant_id'>, tenantId: string): boolean {
  return isPlatformRole(p.role) || p.tenant_id === tenantId;
}

/** May this principal start, continue, retry or skip for the tenant? Viewers never. */
export function canOperate(p: Pick<Principal, 'role' | 'tenant_id'>, tenantId: string): boolean {
  return p.role === 'platform_admin' || (p.role === 'tenant_admin' && p.tenant_id === tenantId);
}

/** The tenants whose rows a principal may list: null for every tenant. */
export function visibleTenantIds(p: Pick<Principal, 'role' | 'tenant_id'>): string[] | null {
  return isPlatformRole(p.role) ? null : p.tenant_id ? [p.tenant_id] : [];
}

/** Is this token still what the users table says? (not deleted, not disabled, same version) */
export function tokenStillValid(p: Principal, state: TokenState | undefined): boolean {
  return state !== undefined && !state.disabled && state.tokenVersion === p.ver;
}

export const authentication = fp(async (app: FastifyInstance, opts: { secret: string; tokenStates: TokenStateCache }) => {
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { algorithm: TOKEN_ALGORITHM, expiresIn: TOKEN_TTL_SECONDS },
    verify: { algorithms: [TOKEN_ALGORITHM], requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_TOLERANCE_MS },
  });

  app.decorate('principalOf', async (token: string): Promise<Principal> => {
    let claims: Principal;
    try {
      claims = app.jwt.verify<Principal>(token);
    } catch {
      throw new UnauthenticatedError('Invalid or expired access token');
    }
    if (typeof claims.sub !== 'string' || !Number.isInteger(claims.ver) || !/^[0-9a-f-]{36}$/i.test(claims.sub)) throw new TokenRevokedError('The access token was issued by an older version; log in again');
    // the users table's word, kept only while every change of a user is heard: a revoked token
    // stops working in every process as soon as its notice arrives
    const state = await opts.tokenStates.get(claims.sub);
    if (!tokenStillValid(claims, state)) throw new TokenRevokedError();
    return { ...claims, email: state!.email, role: state!.role, tenant_id: state!.tenantId };
  });

  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) throw new UnauthenticatedError('Missing Authorization header');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthenticatedError('Invalid or expired access token');
    request.user = await app.principalOf(match[1]!);
  });

  app.decorate('requirePlatformAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply);
    if (request.user.role !== 'platform_admin') throw new ForbiddenError('Only platform admins may do this');
  });

  app.decorate('requirePlatformReader', async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply);
    if (!isPlatformRole(request.user.role)) throw new ForbiddenError('Only platform admins and platform viewers may see this');
  });
});
