import { AlreadyExistsError, InvalidInputError, ProvisionerError } from '../domain/errors.ts';
import { isUniqueViolation } from '../adapters/postgres/database.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import { isPlatformRole, type AuditEntry, type Role, type UserRecord } from '../ports/store.ts';
import { assertStrongPassword, hashPassword } from './passwords.ts';
import { TenantNotFoundError } from './provisioning-service.ts';

/** Too many failed logins for this account or from this address: locked for a while. */
export class LoginThrottledError extends ProvisionerError {
  constructor(readonly retryAfterS: number) {
    super(
      'LOGIN_THROTTLED',
      `Too many failed logins for this account or from this address; try again in ${retryAfterS} s`,
      'Wait for the time in the Retry-After header, then log in with the right password. Each further failure doubles the wait; a platform admin can set a new password (provisioner users set-password).',
      { httpStatus: 429, retryAfterMs: retryAfterS * 1000 },
    );
  }
}

/** The password was right, but the account is disabled. */
export class AccountDisabledError extends ProvisionerError {
  constructor(reason: string | null) {
    super('ACCOUNT_DISABLED', `This account is disabled${reason ? `: ${reason}` : ''}`, 'Ask a platform admin to enable it (provisioner users enable EMAIL).', { httpStatus: 403 });
  }
}

export class UserNotFoundError extends ProvisionerError {
  constructor(id: string) {
    super('USER_NOT_FOUND', `No user ${id}`, 'List the users (GET /api/users, provisioner users list).', { httpStatus: 404 });
  }
}

/** Removing, disabling or demoting the last active platform admin would lock everyone out of administration. */
export class LastPlatformAdminError extends ProvisionerError {
  constructor() {
    super('LAST_PLATFORM_ADMIN', 'This is the last active platform admin: nobody could manage users and engines without it', 'Make another user platform_admin first (provisioner users add --role platform_admin), then change this one.', { httpStatus: 409 });
  }
}

/** Why the demo account is disabled outside demo mode (users.disabled_reason). */
export const DEMO_ACCOUNT_DISABLED_REASON = 'the demo account (its password is published in the guide) is refused outside demo mode';

export const roleTenantMismatch = () =>
  new InvalidInputError('ROLE_TENANT_MISMATCH', 'platform_admin and platform_viewer users have no tenant_id; tenant users need one', 'Send tenant_id exactly for tenant_admin and tenant_user (null for the platform roles).');

/** Platform roles have no tenant; tenant roles need exactly one (the users table checks it too). */
export function assertRoleFitsTenant(role: Role, tenantId: string | null): void {
  if (isPlatformRole(role) !== (tenantId === null)) throw roleTenantMismatch();
}

/**
 * A new user, checked the same way whoever makes it (the API's POST /api/users, and `users create`
 * straight in the database): role and tenant fit, the tenant exists, the password is strong, the
 * email is free. Each refusal is a typed error, never the database's constraint message.
 */
export async function createAccount(
  store: Pick<PostgresStore, 'getTenant' | 'createUser'>,
  input: { email: string; name?: string | null; password: string; role: Role; tenantId: string | null },
  /** The audit line of the new user, written in the same transaction. */
  audit: ((user: UserRecord) => AuditEntry) | null,
): Promise<UserRecord> {
  assertRoleFitsTenant(input.role, input.tenantId);
  if (input.tenantId && !(await store.getTenant(input.tenantId))) throw new TenantNotFoundError(input.tenantId);
  assertStrongPassword(input.password, input.email);
  try {
    return await store.createUser({ email: input.email, name: input.name ?? null, passwordHash: await hashPassword(input.password), role: input.role, tenantId: input.tenantId }, audit);
  } catch (e) {
    if (isUniqueViolation(e, 'users_email')) throw new AlreadyExistsError('USER_EXISTS', `A user with email ${input.email} already exists`, 'Use another email.');
    throw e;
  }
}
