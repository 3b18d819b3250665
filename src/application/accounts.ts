import { ProvisionerError } from '../domain/errors.ts';

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
