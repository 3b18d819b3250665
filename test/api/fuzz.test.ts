/**
 * Property: no request makes the API answer 5xx (issue 11: 87 × 500 in 17,860 fuzzed requests).
 * FUZZ_RUNS requests (default 10,000) are generated with fast-check from the OpenAPI document
 * (every operation, its path parameters, query strings, bodies and headers; valid and invalid
 * values: wrong types, huge and unicode strings, NUL and control characters, deep objects,
 * malformed JSON, wrong content types), with no token, a forged one, a tenant user's and a
 * platform admin's, and sent 16 at a time over keep-alive. Afterwards the server still answers and
 * the data is unchanged: the admin's write requests are made invalid on purpose (unknown tenant
 * ids, bodies that are not objects), and a tenant user may write nothing.
 * Reproduce with FUZZ_SEED=<the seed printed> (and FUZZ_RUNS).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startHarness, type Harness } from '../support/harness.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20260511);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 16;

interface Operation {
  method: string;
  path: string;
  operationId: string;
  pathParams: string[];
  query: string[];
  headers: string[];
  hasBody: boolean;
  /** POST that may change data (everything but login and the engine health check). */
  writes: boolean;
  documented: Set<number>;
}

interface FuzzRequest {
  op: Operation;
  auth: 'none' | 'forged' | 'tenant_user' | 'admin';
  params: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: { type: string | null; text: string } | null;
}

let h: Harness;
let tenantId: string;
let tenantUserToken: string;
let operations: Operation[];

before(async () => {
  h = await startHarness();
  tenantId = (await h.createTenant({ name: 'Fuzz Shop', country_code: 'KE', provisioning: { auto_start: false } })).tenant.id;
  assert.equal((await h.call('POST', '/api/users', { email: 'clerk@fuzz.shop', password: 'a-long-password-1', role: 'tenant_user', tenant_id: tenantId })).status, 201);
  const login = await h.call('POST', '/api/auth/login', { email: 'clerk@fuzz.shop', password: 'a-long-password-1' });
  tenantUserToken = login.body.access_token;

  const doc = (await h.call('GET', '/docs/json')).body;
  operations = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const parameters: any[] = op.parameters ?? [];
      const byPlace = (place: string) => parameters.filter((p) => p.in === place).map((p) => p.name as string);
      const upper = method.toUpperCase();
      operations.push({
        method: upper,
        path,
        operationId: op.operationId,
        pathParams: byPlace('path'),
        query: byPlace('query'),
        headers: byPlace('header'),
        hasBody: Boolean(op.requestBody),
        writes: upper === 'POST' && !['login', 'checkEngineHealth'].includes(op.operationId),
        documented: new Set(Object.keys(op.responses ?? {}).map(Number)),
      });
    }
  }
});
after(() => h.close());

// ---- generators ---------------------------------------------------------------------------

const nasty = fc.constantFrom('\u0000', 'a\u0000b', '\u0007', '\n', '\r\n', '\t', '\u202e', '\ud83d\ude00', '\ufeff', '%00', '%', '..', '../..', '/', '\\', "'", '"', '; drop table x', '$(id)', '${x}', '<script>', 'null', 'true', '[]', '{}');
const numberish = fc.constantFrom('0', '-1', '1', '50', '500', '501', '1e20', '1e309', 'NaN', 'Infinity', '9007199254740993', '99999999999999999999', '0x10', '1.5', ' 1', '');
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 2, arbitrary: numberish },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), nasty, fc.string({ maxLength: 5 })).map(([a, b, c]) => a + b + c) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 5000 }).map((n) => 'x'.repeat(n)) },
);

const KNOWN_VALUES = ['COMPLETED', 'FAILED', 'NOT_STARTED', 'step_6_items', 'step_2_company', 'info', 'error', 'true', 'false', '2026-01-01T00:00:00Z', 'default', 'erpnext'];

/** A path parameter: the known tenant (any case), other UUIDs, engine ids, or junk. */
const pathValue = (admin: boolean) =>
  fc.oneof(
    ...(admin ? [] : [fc.constant('TENANT'), fc.constant('TENANT_UPPER')]),
    fc.uuid().map((u) => u),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.constantFrom('default', 'DEFAULT', 'erp-eu'),
    text,
  );

const queryValue = fc.oneof(text, fc.constantFrom(...KNOWN_VALUES));

/** JSON values of every kind, bodies shaped like the routes' own, and things that are not JSON. */
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const fieldNames = fc.constantFrom('name', 'country_code', 'currency', 'engine_id', 'engine', 'admin_email', 'admin_password', 'admin_name', 'email', 'password', 'role', 'tenant_id', 'step', 'id', 'kind', 'base_url', 'api_key', 'api_secret', 'provisioning', 'include_demo_data', 'payment_methods', 'country_template', 'category', 'description');
const fieldValue = fc.oneof(text, jsonValue, fc.constantFrom('KE', 'KES', 'erpnext', 'platform_admin', 'tenant_user', 'https://erp.example.com', 'owner@shop.example', 'step_6_items', 'a long passphrase 1'));
const objectBody = fc.dictionary(fieldNames, fieldValue, { maxKeys: 6 });
const deep = fc.integer({ min: 50, max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n));

const jsonBody = fc.oneof(
  { weight: 5, arbitrary: objectBody.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.constantFrom('{"name": "x",', 'not json', '{"a":1}{"b":2}', '\u0000', '', ' ', '{"name":"\\u0000"}', '{"email":"a\\u0000b","password":"x"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}') },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => JSON.stringify({ name: 'y'.repeat(n) })) },
);
/** Bodies no write route accepts: not a JSON object. */
const invalidBody = fc.oneof(fc.array(jsonValue, { maxLength: 3 }).map((a) => JSON.stringify(a)), fc.constantFrom('{"name": "x",', 'not json', '"text"', '42'));

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data', 'application/xml', 'application/json\u0007') },
  { weight: 1, arbitrary: fc.constant(null) },
);

const requestFor = (op: Operation): fc.Arbitrary<FuzzRequest> =>
  fc.constantFrom<FuzzRequest['auth']>('none', 'forged', 'tenant_user', 'admin', 'admin').chain((auth) => {
    // an admin's write must fail: no known tenant in its path, no object as its body
    const adminWrite = auth === 'admin' && op.writes;
    const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p, pathValue(adminWrite)])) as Record<string, fc.Arbitrary<string>>);
    const queryNames = fc.oneof(fc.constantFrom(...(op.query.length ? op.query : ['q'])), fc.constantFrom('limit', 'cursor', 'status', 'x', 'access%5Ftoken', ''));
    const query = fc.array(fc.tuple(queryNames, queryValue), { maxLength: 4 });
    const headers = fc.dictionary(fc.constantFrom(...op.headers, 'x-ignored'), fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,60}$/), fc.constantFrom('1', '', '99999999999999999999')), { maxKeys: 2 });
    const body = adminWrite
      ? fc.record({ type: fc.constant<string | null>('application/json'), text: invalidBody })
      : fc.oneof({ weight: op.hasBody ? 4 : 1, arbitrary: fc.record({ type: contentType, text: jsonBody }) }, { weight: 1, arbitrary: fc.constant(null) });
    return fc.record({ op: fc.constant(op), auth: fc.constant(auth), params, query, headers, body });
  });

// ---- sending --------------------------------------------------------------------------------

function urlOf(r: FuzzRequest): string {
  let path = r.op.path;
  for (const [name, value] of Object.entries(r.params)) {
    const v = value === 'TENANT' ? tenantId : value === 'TENANT_UPPER' ? tenantId.toUpperCase() : value;
    path = path.replace(`{${name}}`, encodeURIComponent(v));
  }
  const qs = r.query.map(([k, v]) => `${k.includes('%') ? k : encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${h.api}${path}${qs ? `?${qs}` : ''}`;
}

async function send(r: FuzzRequest): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { ...r.headers };
  if (r.auth === 'admin') headers.authorization = `Bearer ${h.token}`;
  if (r.auth === 'tenant_user') headers.authorization = `Bearer ${tenantUserToken}`;
  if (r.auth === 'forged') headers.authorization = `Bearer ${h.token.slice(0, -4)}AAAA`;
  if (r.body?.type) headers['content-type'] = r.body.type;
  const abort = new AbortController();
  try {
    const res = await fetch(urlOf(r), { method: r.op.method, headers, body: r.body && r.op.method !== 'GET' ? r.body.text : undefined, signal: abort.signal });
    // an event stream never ends by itself: its status is the answer
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      abort.abort();
      return { status: res.status, body: '' };
    }
    return { status: res.status, body: await res.text() };
  } catch (e) {
    // the client refused to send it (e.g. a header value fetch forbids): nothing reached the server
    if (e instanceof TypeError && !(e.cause as { code?: string } | undefined)?.code?.startsWith('UND_ERR_SOCKET')) return { status: 0, body: String(e) };
    throw e;
  }
}

/** The rows of the tables a request might change, in a comparable order. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables = { tenants: 'id', users: 'id', engines: 'id', provisioning_runs: 'id', provisioning_steps: 'tenant_id, ordinal' };
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) out[table] = (await h.provisioner.db.pool.query(`select * from onboarding.${table} order by ${order}`)).rows;
  return out;
}

test(`${RUNS} generated requests across every operation answer no 5xx, leave the server up and the data unchanged (seed ${SEED})`, async () => {
  console.log(`fuzz: seed ${SEED}, ${RUNS} requests (FUZZ_SEED, FUZZ_RUNS to change)`);
  assert.ok(operations.length >= 15, `the OpenAPI document lists the operations (${operations.length})`);
  const before = await snapshot();
  const requests = fc.sample(fc.constantFrom(...operations).chain(requestFor), { seed: SEED, numRuns: RUNS });

  const failures: string[] = [];
  const undocumented = new Map<string, number>();
  const seen = new Map<string, Set<number>>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const { status, body } = await send(r);
      if (status === 0) continue;
      seen.set(r.op.operationId, (seen.get(r.op.operationId) ?? new Set()).add(status));
      // readiness answers 503 by design when an engine is down (its body says not_ready)
      const notReady = r.op.operationId === 'getReadiness' && status === 503 && body.includes('"not_ready"');
      if (status >= 500 && !notReady) failures.push(`${status} ${r.op.method} ${urlOf(r)} auth=${r.auth} body=${JSON.stringify(r.body)?.slice(0, 300)} → ${body.slice(0, 300)}`);
      if (!r.op.documented.has(status) && !/ROUTE_NOT_FOUND/.test(body)) {
        const key = `${r.op.operationId} ${status}`;
        undocumented.set(key, (undocumented.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} answers were 5xx (seed ${SEED})`);
  // Fastify's own 413/414/415 included: every status sent is one the API document lists
  assert.deepEqual(Object.fromEntries(undocumented), {}, "statuses outside the operation's documented responses");
  assert.equal(seen.size, operations.length, 'every operation was exercised');

  const health = await fetch(`${h.api}/api/health`);
  assert.equal(health.status, 200, 'the server still answers');
  assert.deepEqual(await snapshot(), before, 'no request changed the data');
  // no stream is left open either
  assert.equal(h.provisioner.eventFeed.subscriberCount, 0);
});
