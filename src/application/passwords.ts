import { hash, verify } from '@node-rs/argon2';
import { ProvisionerError } from '../domain/errors.ts';

/** argon2id with the library's defaults (m=19456 KiB, t=2, p=1: OWASP's minimum profile). */
export const hashPassword = (password: string) => hash(password);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

export class WeakPasswordError extends ProvisionerError {
  constructor(reason: string) {
    super('WEAK_PASSWORD', `Password rejected: ${reason}`, 'Use at least 10 characters, not the email address.', { httpStatus: 400 });
  }
}

export function assertStrongPassword(password: string, email: string): void {
  if (password.length < 10) throw new WeakPasswordError('shorter than 10 characters');
  if (password.toLowerCase() === email.toLowerCase()) throw new WeakPasswordError('equal to the email address');
}
