import { createHmac } from 'node:crypto';
import type { ProvisionerHarness } from './harness.ts';

/** POST /api/auth/login; the status, body and headers. */
export async function login(api: string, email: string, password: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** A user made through the API by the harness's admin, logged in: its id and token. */
export async function userWithToken(h: ProvisionerHarness, user: { email: string; role: string; tenant_id?: string }): Promise<{ id: string; token: string; password: string }> {
  const password = `pw-${user.email}-long-enough`;
  const created = await h.call('POST', '/api/users', { ...user, password });
  if (created.status !== 201) throw new Error(`user creation answered ${created.status}: ${JSON.stringify(created.body)}`);
  const answer = await login(h.api, user.email, password);
  if (answer.status !== 200) throw new Error(`login answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { id: created.body.user.id, token: answer.body.access_token, password };
}

/** A request with this token; JSON in and out. */
export async function callAs(h: ProvisionerHarness, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${h.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT signed by hand, with any header and claims: for the tokens the server must refuse. */
export function handSignedJwt(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string): string {
  const alg = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[String(header.alg)] ?? 'sha256';
  const body = `${b64url(header)}.${b64url(claims)}`;
  return `${body}.${createHmac(alg, secret).update(body).digest('base64url')}`;
}
