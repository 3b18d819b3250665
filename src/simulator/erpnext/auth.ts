/**
 * Frappe's validate_auth (erpnext.md §1.2, frappe/auth.py [V]): the Authorization header is split
 * on one space into exactly two parts; "token key:secret" (case-insensitive scheme) and
 * "Basic base64(key:secret)" authenticate; "Bearer" is only for OAuth tokens. A two-part header
 * that authenticates nobody → 401; no header (or not two parts) → Guest.
 */
import { frappeRaise } from './errors.ts';

export interface Credentials {
  apiKey: string;
  apiSecret: string;
}

/** The user of a request ("Administrator" or "Guest"); throws AuthenticationError (401). */
export function authenticate(header: string | undefined, creds: Credentials): string {
  if (!header) return 'Guest';
  const parts = header.split(' ');
  if (parts.length !== 2) return 'Guest';
  const [scheme, value] = parts as [string, string];
  let pair: string | undefined;
  if (scheme.toLowerCase() === 'token') pair = value;
  else if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    // Buffer ignores bad characters; re-encoding tells whether the token was valid base64
    if (!decoded || Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') !== value.replace(/=+$/, '')) {
      frappeRaise('InvalidAuthorizationToken', 'Failed to decode token, please provide a valid base64-encoded token.');
    }
    pair = decoded;
  }
  if (pair !== undefined) {
    const i = pair.indexOf(':');
    const key = i < 0 ? pair : pair.slice(0, i);
    const secret = i < 0 ? '' : pair.slice(i + 1);
    if (key === creds.apiKey && secret === creds.apiSecret) return 'Administrator';
  }
  // unknown key, wrong secret, or a scheme that authenticated nobody (e.g. "Bearer key:secret")
  frappeRaise('AuthenticationError');
}
