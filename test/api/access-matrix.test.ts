/**
 * Who may call what: every route of the OpenAPI document × every role × the caller's own and a
 * foreign tenant. Each route has one access rule below; a route the table does not classify
 * fails the test, so a new route cannot ship without deciding who may call it.
 *
 * "Allowed" means the request got past authentication and authorisation: any answer but 401, 403
 * and the 404 TENANT_NOT_FOUND that hides a foreign tenant (a 409 RUN_ACTIVE or a 404 for an
 * unknown engine still says the caller was let in). "Denied" is exactly the status the rule
 * names, so a route cannot deny by accident (a 400 for a body the caller may not send anyway).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

type Rule =
  /** anyone, no token */
  | 'public'
  /** any valid token */
  | 'authenticated'
  /** platform roles: any tenant; tenant roles: their own (a foreign one is a 404) */
  | 'tenant_read'
  /** platform admins: any tenant; tenant admins: their own; everyone else 403 (a foreign tenant 404) */
  | 'tenant_operate'
  /** platform admins and platform viewers (read-only across tenants) */
  | 'platform_read'
  /** platform admins only */
  | 'platform_admin';

const RULES: Record<string, Rule> = {
  'GET /health': 'public',
  'GET /api/health': 'public',
  'GET /api/ready': 'public',
  'GET /metrics': 'public',
  'POST /api/auth/login': 'public',
  'GET /api/auth/me': 'authenticated',
  'GET /api/tenants': 'authenticated',
  'POST /api/tenants': 'platform_admin',
  'POST /api/iam/tenants': 'platform_admin',
  'GET /api/tenants/{id}': 'tenant_read',
  'GET /api/provisioning/tenants/{id}/status': 'tenant_read',
  'GET /api/provisioning/tenants/{id}/logs': 'tenant_read',
  'GET /api/provisioning/tenants/{id}/events': 'tenant_read',
  'POST /api/provisioning/tenants/{id}/start': 'tenant_operate',
  'POST /api/provisioning/tenants/{id}/continue': 'tenant_operate',
  'POST /api/provisioning/tenants/{id}/retry': 'tenant_operate',
  'POST /api/provisioning/tenants/{id}/skip-step': 'tenant_operate',
  'POST /api/provisioning/tenants/{id}/verify': 'tenant_operate',
  'POST /api/provisioning/tenants/{id}/heal': 'tenant_operate',
  'GET /api/provisioning/tenants/{id}/plan': 'tenant_read',
  'GET /api/provisioning/events': 'authenticated',
  'GET /api/provisioning/stats': 'authenticated',
  'GET /api/engines': 'platform_read',
  'POST /api/provisioning/bulk': 'platform_admin',
  'POST /api/engines': 'platform_admin',
  'GET /api/engines/{id}': 'platform_read',
  'DELETE /api/engines/{id}': 'platform_admin',
  'POST /api/engines/{id}/health': 'platform_read',
  'GET /api/webhooks': 'platform_admin',
  'POST /api/webhooks': 'platform_admin',
  'PATCH /api/webhooks/{id}': 'platform_admin',
  'DELETE /api/webhooks/{id}': 'platform_admin',
  'GET /api/webhooks/{id}/deliveries': 'platform_admin',
  'POST /api/webhooks/{id}/test': 'platform_admin',
  'GET /api/users': 'platform_read',
  'POST /api/users': 'platform_admin',
  'PATCH /api/users/{id}': 'platform_admin',
  'DELETE /api/users/{id}': 'platform_admin',
  'GET /api/audit': 'platform_admin',
};

type Caller = 'anonymous' | 'platform_admin' | 'platform_viewer' | 'tenant_admin' | 'tenant_user';
const CALLERS: Caller[] = ['anonymous', 'platform_admin', 'platform_viewer', 'tenant_admin', 'tenant_user'];

let h: Harness;
let own: string;
let foreign: string;
/** The user the PATCH and DELETE routes act on. */
let target: string;
const tokens = new Map<Caller, string | null>();
const strongPassword = 'matrix passphrase, long enough 7Q';
let serial = 0;

before(async () => {
  h = await startHarness();
  own = (await h.createTenant({ name: 'Matrix Own Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  foreign = (await h.createTenant({ name: 'Matrix Foreign Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  tokens.set('anonymous', null);
  tokens.set('platform_admin', h.token);
  target = (await h.call('POST', '/api/users', { email: 'target@matrix.example', password: strongPassword, role: 'tenant_user', tenant_id: own })).body.user.id;
  for (const role of ['platform_viewer', 'tenant_admin', 'tenant_user'] as const) {
    const email = `${role}@matrix.example`;
    const created = await h.call('POST', '/api/users', { email, password: strongPassword, role, ...(role === 'platform_viewer' ? {} : { tenant_id: own }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: strongPassword }) });
    assert.equal(login.status, 200);
    tokens.set(role, ((await login.json()) as { access_token: string }).access_token);
  }
});
after(() => h.close());

/** A body the route accepts (so that only authorisation decides), fresh on each call. */
function bodyFor(method: string, path: string): unknown {
  const n = ++serial;
  switch (`${method} ${path}`) {
    case 'POST /api/auth/login':
      return { email: 'tenant_user@matrix.example', password: strongPassword };
    case 'POST /api/tenants':
      return { name: `Matrix Made ${n}`, country_code: 'KE', provisioning: { auto_start: false } };
    case 'POST /api/iam/tenants':
      return { name: `Matrix Legacy ${n}`, country_code: 'KE' };
    case 'POST /api/users':
      return { email: `made-${n}@matrix.example`, password: strongPassword, role: 'tenant_user', tenant_id: own };
    case 'POST /api/engines':
      return { id: `matrix-${n}`, kind: 'erpnext', base_url: 'http://127.0.0.1:9/', api_key: 'k', api_secret: 's' };
    case 'POST /api/webhooks':
      return { url: 'http://127.0.0.1:9/hook', events: ['run.failed'], secret: 'matrix-secret-0123456789' };
    case 'PATCH /api/users/{id}':
      return { disabled: false };
    case 'PATCH /api/webhooks/{id}':
      return { enabled: true };
    case 'POST /api/provisioning/bulk':
      return { action: 'continue', filter: { status: 'FAILED' }, dry_run: true };
    case 'POST /api/provisioning/tenants/{id}/skip-step':
      return { step: 'step_6_items' };
    default:
      return undefined;
  }
}

const isTenantPath = (path: string) => path.includes('{id}') && !path.startsWith('/api/engines/') && !path.startsWith('/api/users/') && !path.startsWith('/api/webhooks/');

function fill(path: string, tenantId: string): string {
  if (path.startsWith('/api/engines/')) return path.replace('{id}', 'default');
  if (path.startsWith('/api/users/')) return path.replace('{id}', target);
  // no such webhook: a platform admin gets WEBHOOK_NOT_FOUND, everyone else the refusal first
  if (path.startsWith('/api/webhooks/')) return path.replace('{id}', '00000000-0000-4000-8000-000000000000');
  return path.replace('{id}', tenantId);
}

async function request(caller: Caller, method: string, path: string, tenantId: string) {
  const token = tokens.get(caller);
  const body = bodyFor(method, path);
  const controller = new AbortController();
  const res = await fetch(`${h.api}${fill(path, tenantId)}`, {
    method,
    signal: controller.signal,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // event streams stay open: the status and headers are the answer
  const streamed = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const text = streamed ? '' : await res.text();
  if (streamed) controller.abort();
  let code: string | undefined;
  try {
    code = text ? (JSON.parse(text) as { code?: string }).code : undefined;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

/** The answer the rule gives this caller for this tenant: 'allowed' or the status of the refusal. */
function expected(rule: Rule, caller: Caller, tenantIsOwn: boolean): 'allowed' | 401 | 403 | 404 {
  if (rule === 'public') return 'allowed';
  if (caller === 'anonymous') return 401;
  if (caller === 'platform_admin') return 'allowed';
  switch (rule) {
    case 'authenticated':
      return 'allowed';
    case 'tenant_read':
      return caller === 'platform_viewer' || tenantIsOwn ? 'allowed' : 404;
    case 'tenant_operate':
      if (caller === 'platform_viewer') return 403;
      if (!tenantIsOwn) return 404;
      return caller === 'tenant_admin' ? 'allowed' : 403;
    case 'platform_read':
      return caller === 'platform_viewer' ? 'allowed' : 403;
    case 'platform_admin':
      return 403;
  }
}

test('every route of the OpenAPI document has an access rule', async () => {
  const doc = (await (await fetch(`${h.api}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const unclassified = routes.filter((r) => !(r in RULES));
  assert.deepEqual(unclassified, [], 'classify these routes in RULES');
  const stale = Object.keys(RULES).filter((r) => !routes.includes(r));
  assert.deepEqual(stale, [], 'these rules name no route');
});

test('every route × every role × own and foreign tenant gets exactly what its rule allows', async () => {
  const failures: string[] = [];
  let checked = 0;
  for (const [route, rule] of Object.entries(RULES)) {
    const [method, path] = route.split(' ') as [string, string];
    const tenantCases = isTenantPath(path) ? [true, false] : [true];
    for (const caller of CALLERS) {
      for (const tenantIsOwn of tenantCases) {
        const want = expected(rule, caller, tenantIsOwn);
        const got = await request(caller, method, path, tenantIsOwn ? own : foreign);
        checked++;
        const let_in = got.status !== 401 && got.status !== 403 && got.code !== 'TENANT_NOT_FOUND';
        const ok = want === 'allowed' ? let_in && got.status < 500 : got.status === want;
        if (!ok) failures.push(`${route} as ${caller} on ${tenantIsOwn ? 'own' : 'foreign'} tenant: want ${want}, got ${got.status} ${got.code ?? ''}`);
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${checked} checks failed`);
});
