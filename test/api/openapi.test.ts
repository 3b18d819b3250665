/**
 * The OpenAPI document (/docs/json of a running server) against the routes Fastify really serves:
 * every route has an operation with an operationId, a 2xx, the 4xx it can answer, each with a
 * schema and an example; the examples satisfy their schemas; bad requests to every route answer a
 * status the document lists, with a body its schema accepts; the document validates as OpenAPI 3.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { startHarness, type Harness } from '../support/harness.ts';
import { DASHBOARD_PAGES } from '../../src/api/routes/dashboard.ts';

// ajv-formats is CommonJS: its default export is the plugin itself
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Media = { schema?: Record<string, any>; example?: unknown };
type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
};
type Document = { openapi: string; security?: unknown[]; paths: Record<string, Record<string, Operation>>; components?: any };

let h: Harness;
let doc: Document;
/** The same document with every $ref replaced by what it points at. */
let flat: Document;
let routes: Array<{ method: string; path: string }>;
let tenantId: string;
let tenantUserToken: string;

/**
 * The routes Fastify serves, from its own route tree (printRoutes): one line per node, children
 * indented by four characters, each node's path relative to its parent's.
 */
function servedRoutes(tree: string): Array<{ method: string; path: string }> {
  const found: Array<{ method: string; path: string }> = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth > 0 ? prefixes[depth - 1]! : '') + m[2]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) found.push({ method, path });
  }
  return found;
}

/** A Fastify path (/api/tenants/:id) as the document writes it (/api/tenants/{id}). */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

const isProblem = (status: string) => status.startsWith('4') || status === '500';

before(async () => {
  h = await startHarness();
  doc = (await (await fetch(`${h.api}/docs/json`)).json()) as Document;
  flat = (await dereference(structuredClone(doc) as never)) as unknown as Document;
  routes = servedRoutes(h.provisioner.app.printRoutes({ commonPrefix: false }))
    // HEAD answers are Fastify's own for every GET; /docs serves this document and its explorer;
    // the dashboard's pages and assets are not API routes (hidden from the document)
    .filter((r) => r.method !== 'HEAD' && r.path !== '/docs' && !r.path.startsWith('/docs/'))
    .filter((r) => !(DASHBOARD_PAGES as readonly string[]).includes(r.path) && !r.path.startsWith('/assets/'))
    .map((r) => ({ method: r.method, path: openApiPath(r.path) }));

  tenantId = (await h.createTenant({ name: 'Spec Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  const password = 'spec-shop-user-password';
  const created = await h.call('POST', '/api/users', { email: 'clerk@spec.shop', password, role: 'tenant_user', tenant_id: tenantId });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const login = await fetch(`${h.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'clerk@spec.shop', password }) });
  tenantUserToken = ((await login.json()) as { access_token: string }).access_token;
});
after(() => h.close());

const operation = (method: string, path: string): Operation | undefined => doc.paths[path]?.[method.toLowerCase()];

test('the route list is read from Fastify itself', () => {
  assert.ok(routes.length >= 20, `${routes.length} routes`);
  for (const known of ['POST /api/provisioning/tenants/{id}/continue', 'GET /api/tenants/{id}', 'POST /api/engines/{id}/health', 'GET /health']) {
    assert.ok(routes.some((r) => `${r.method} ${r.path}` === known), known);
  }
});

test('the document validates as OpenAPI 3', async () => {
  assert.match(doc.openapi, /^3\./);
  const result = await validate(structuredClone(doc) as never);
  assert.ok(result.valid, result.valid ? '' : compileErrors(result));
});

test('every route served has an operation with a unique operationId, and every operation is a route served', () => {
  const ids = new Set<string>();
  for (const { method, path } of routes) {
    const op = operation(method, path);
    assert.ok(op, `${method} ${path} is in /docs/json`);
    assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, `${method} ${path}: operationId`);
    assert.ok(!ids.has(op.operationId!), `operationId ${op.operationId} is unique`);
    ids.add(op.operationId!);
  }
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) assert.ok(routes.some((r) => r.path === path && r.method === method.toUpperCase()), `${method} ${path} is served`);
  }
});

test('every operation documents a 2xx, 500, and the 4xx its inputs and security call for, each with a schema and an example', () => {
  for (const { method, path } of routes) {
    const name = `${method} ${path}`;
    const op = flat.paths[path]![method.toLowerCase()]!;
    const statuses = Object.keys(op.responses);
    assert.ok(statuses.some((s) => /^2\d\d$/.test(s)), `${name}: a 2xx`);
    assert.ok(statuses.includes('500'), `${name}: 500`);
    const secured = (op.security ?? doc.security ?? []).length > 0;
    if (secured) assert.ok(statuses.includes('401'), `${name}: secured, so 401`);
    if (op.requestBody || (op.parameters ?? []).length > 0) assert.ok(statuses.includes('400'), `${name}: has inputs, so 400`);
    if (/\/tenants\/\{id\}/.test(path)) assert.ok(statuses.includes('404'), `${name}: names a tenant, so 404`);
    if (/\/(start|continue|retry)$/.test(path)) assert.ok(statuses.includes('409'), `${name}: a run request, so 409`);

    for (const [status, response] of Object.entries(op.responses)) {
      assert.ok(response.description && response.description !== 'Default Response', `${name} ${status}: a description`);
      const media = Object.entries(response.content ?? {});
      assert.ok(media.length > 0, `${name} ${status}: a body`);
      for (const [type, m] of media) {
        assert.ok(m.schema, `${name} ${status} ${type}: a schema`);
        assert.ok((m.example ?? m.schema.example) !== undefined, `${name} ${status} ${type}: an example`);
      }
      if (isProblem(status)) {
        assert.deepEqual(Object.keys(response.content!), ['application/problem+json'], `${name} ${status}: problem+json`);
        const raw = operation(method, path)!.responses[status]!.content!['application/problem+json']!;
        assert.equal(raw.schema!.$ref, '#/components/schemas/Problem', `${name} ${status}: the Problem schema`);
      }
    }
    if (op.requestBody) {
      for (const [type, m] of Object.entries(op.requestBody.content)) assert.ok((m.example ?? m.schema?.example) !== undefined, `${name} request body ${type}: an example`);
    }
  }
});

test('the Problem schema has the fields every error answers', () => {
  const problem = doc.components.schemas.Problem;
  assert.deepEqual(problem.required, ['type', 'title', 'status', 'code', 'detail']);
  for (const field of ['hint', 'errors', 'active_run_id']) assert.ok(problem.properties[field], field);
});

const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
const validators = new Map<object, ValidateFunction>();
function check(schema: Record<string, any>, value: unknown, what: string): void {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = ajv.compile(schema)));
  assert.ok(v(value), `${what}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 400)}`);
}

test('every example satisfies its schema', () => {
  let checked = 0;
  for (const [path, ops] of Object.entries(flat.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const bodies = [...Object.entries(op.responses).map(([s, r]) => [s, r.content] as const), ['request', op.requestBody?.content] as const];
      for (const [status, content] of bodies) {
        for (const [type, m] of Object.entries(content ?? {})) {
          const example = m.example ?? m.schema?.example;
          if (example === undefined || !m.schema) continue;
          check(m.schema, example, `${method.toUpperCase()} ${path} ${status} ${type} example`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 100, `${checked} examples checked`);
});

/** One request; the answer's status, media type and body (streams are closed once their headers arrive). */
async function probe(method: string, url: string, opts: { token?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${h.api}${url}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body,
  });
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (type === 'text/event-stream') {
    await res.body?.cancel();
    return { status: res.status, type, body: undefined };
  }
  const text = await res.text();
  return { status: res.status, type, body: type.endsWith('json') ? JSON.parse(text) : text };
}

/** The answer is documented: its status, its media type, and a body the schema accepts. */
function assertDocumented(method: string, path: string, answer: Awaited<ReturnType<typeof probe>>, what: string) {
  const name = `${method} ${path} (${what})`;
  const response = flat.paths[path]![method.toLowerCase()]!.responses[String(answer.status)];
  assert.ok(response, `${name} answered ${answer.status}, which is not documented: ${JSON.stringify(answer.body)}`);
  const media = response.content?.[answer.type];
  assert.ok(media?.schema, `${name} answered ${answer.status} as ${answer.type}, documented as ${Object.keys(response.content ?? {}).join(', ')}`);
  if (answer.type.endsWith('json')) check(media.schema, answer.body, `${name} ${answer.status} body`);
}

test('bad requests to every route answer a documented status with a body its schema accepts', async () => {
  const unknownTenant = randomUUID();
  let probes = 0;
  for (const { method, path } of routes) {
    const withId = (id: string) => path.replace('{id}', id);
    const body = method === 'POST' ? '{}' : undefined;
    const cases: Array<[string, Parameters<typeof probe>[2], string]> = [
      ['no token', { body }, withId(unknownTenant)],
      ['a tenant user', { body, token: tenantUserToken }, withId(tenantId)],
      ['an admin, an unknown id', { body, token: h.token }, withId(unknownTenant)],
    ];
    const streams = flat.paths[path]![method.toLowerCase()]!.responses['200']?.content?.['text/event-stream'];
    if (streams) cases.push(['an admin, a bad Last-Event-ID', { token: h.token, headers: { 'last-event-id': 'x' } }, withId(tenantId)]);
    if (path.includes('{id}')) cases.push(['an admin, a malformed id', { body, token: h.token }, withId('not-an-id')]);
    if (method === 'POST') cases.push(['an admin, malformed JSON', { body: '{"a":', token: h.token }, withId(unknownTenant)]);
    for (const [what, opts, url] of cases) {
      assertDocumented(method, path, await probe(method, url, opts), what);
      probes++;
    }
  }
  assert.ok(probes > 80, `${probes} requests`);
});

test('refusals and conflicts answer documented statuses', async () => {
  const admin = { token: h.token };
  const run = (kind: string, body?: string) => probe('POST', `/api/provisioning/tenants/${tenantId}/${kind}`, { ...admin, body });
  const expect = async (method: string, path: string, answer: Awaited<ReturnType<typeof probe>>, status: number, what: string) => {
    assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
    assertDocumented(method, path, answer, what);
  };
  // NOT_STARTED: continue and retry are refused
  await expect('POST', '/api/provisioning/tenants/{id}/continue', await run('continue'), 409, 'continue from NOT_STARTED');
  await expect('POST', '/api/provisioning/tenants/{id}/retry', await run('retry', '{}'), 409, 'retry from NOT_STARTED');
  await expect('POST', '/api/provisioning/tenants/{id}/skip-step', await run('skip-step', '{"step":"step_2_company"}'), 400, 'a step that cannot be skipped');
  await expect('POST', '/api/provisioning/tenants/{id}/start', await run('start', '{}'), 202, 'start');
  const again = await run('start', '{}');
  await expect('POST', '/api/provisioning/tenants/{id}/start', again, 409, 'start again');
  await expect(
    'POST',
    '/api/tenants',
    await probe('POST', '/api/tenants', { ...admin, body: JSON.stringify({ name: 'Spec Shop', country_code: 'KE', provisioning: { auto_start: false } }) }),
    409,
    'a name taken',
  );
  await expect('POST', '/api/tenants', await probe('POST', '/api/tenants', { ...admin, body: JSON.stringify({ name: 'Nowhere Shop', country_code: 'ZZ' }) }), 400, 'an unknown country');
  await expect('POST', '/api/auth/login', await probe('POST', '/api/auth/login', { body: JSON.stringify({ email: 'admin@moran.com', password: 'wrong password' }) }), 401, 'a wrong password');
  await h.waitForStatus(tenantId, ['COMPLETED']);
  for (const path of ['/api/provisioning/tenants/{id}/status', '/api/provisioning/tenants/{id}/logs', '/api/tenants/{id}']) {
    await expect('GET', path, await probe('GET', path.replace('{id}', tenantId), admin), 200, 'a completed tenant');
  }
  await expect('GET', '/api/tenants', await probe('GET', '/api/tenants', admin), 200, 'the tenant list');
});
