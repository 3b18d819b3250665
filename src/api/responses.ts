/**
 * What the routes answer: every success body and the problem+json family, each with an example,
 * for the OpenAPI document (/docs/json) and for Fastify, which serializes each answer with the
 * schema of its status code. These schemas are the answers' contract: a field that is not
 * listed here is not sent (objects drop unknown keys), and a value that does not match is a 500.
 * The examples are checked against their schemas by test/api/openapi.test.ts.
 */
import { z } from 'zod';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { STEP_IDS } from '../domain/steps/catalogue.ts';
import { ROLES, WEBHOOK_EVENTS } from '../ports/store.ts';
import { assertRunAllowed, type RunKind as RunKindName } from '../domain/plan.ts';
import type { ProvisioningStatus as ProvisioningStatusName } from '../domain/status.ts';
import {
  AlreadyExistsError,
  EngineAuthError,
  EngineHealthCheckError,
  EngineUnavailableError,
  EngineValidationError,
  InvalidTransitionError,
  type ProvisionerError,
  RunConflictError,
  StateChangedError,
  StepNotSkippableError,
} from '../domain/errors.ts';
import { EngineNotFoundError, TenantNameTakenError, TenantNotFoundError, UnknownCountryError } from '../application/provisioning-service.ts';
import { WeakPasswordError } from '../application/passwords.ts';
import { NotDriftedError } from '../application/drift-checks.ts';
import { databaseUnavailableProblem, frameworkErrorProblem, internalProblem, problem, problemOf, validationProblem, type Problem } from './plugins/problem-details.ts';
import { ForbiddenError, TOKEN_TTL_SECONDS, TokenRevokedError, UnauthenticatedError } from './plugins/authentication.ts';

// ---- example values, shared by the examples below -------------------------------------------

const TENANT_ID = '38ed3f57-0d36-4e47-849c-152c72863a31';
const RUN_ID = 'f8a18389-308e-409a-a6d1-4068145a7ffa';
const USER_ID = 'dbc62631-64fb-49f9-8f2d-3332c5605d76';
const CREATED_AT = '2026-05-04T09:15:02.665Z';
const TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkYmM2MjYzMS02NGZiLTQ5ZjktOGYyZC0zMzMyYzU2MDVkNzYiLCJlbWFpbCI6ImFkbWluQG1vcmFuLmNvbSIsInJvbGUiOiJwbGF0Zm9ybV9hZG1pbiIsInRlbmFudF9pZCI6bnVsbH0.XBF8nHYwSuT5YNjBboVlQERQuKlguZDsQXOsu1_tHpw';

// ---- building blocks --------------------------------------------------------------------------

const timestamp = () => z.string().meta({ format: 'date-time' });
const uuid = () => z.string().meta({ format: 'uuid' });
const count = () => z.number().int().min(0);

const StepId = z.enum(STEP_IDS);
const ProvisioningStatus = z.enum(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED']).describe('Derived, never stored (README: What it does)');
const RunKind = z.enum(['start', 'continue', 'retry']);
const RunStatus = z.enum(['queued', 'running', 'completed', 'partial', 'failed']);
const Role = z.enum(ROLES);

// ---- problem+json -----------------------------------------------------------------------------

/** RFC 9457 problem details: what every error answers (src/api/plugins/problem-details.ts). */
export const ProblemSchema = z
  .looseObject({
    type: z.string().describe('URI naming the problem: https://provisioner.dev/problems/<code, lower case with dashes>'),
    title: z.string().describe('The HTTP status text'),
    status: z.number().int().describe('The HTTP status'),
    code: z.string().describe('Stable code (README: Error codes)'),
    detail: z.string().describe('What went wrong, precisely'),
    hint: z.string().optional().describe('What resolves it'),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('VALIDATION_FAILED: every field that failed, e.g. body.name'),
    active_run_id: z.string().optional().describe('RUN_ACTIVE: the run that is active'),
  })
  .describe('application/problem+json (RFC 9457)');

const STATUS_TEXT: Record<number, string> = { 400: 'Bad request', 401: 'Not logged in', 403: 'Not allowed', 404: 'Not found', 409: 'Conflict', 413: 'Body too large', 414: 'Path too long', 415: 'Not JSON', 429: 'Too many requests', 500: 'Unexpected error', 503: 'Unavailable' };

type ProblemResponse = { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } };

/**
 * The error responses of a route, by status: each lists the codes it may carry and shows the
 * first of them as its example. Every route also documents 500 (a bug, logged).
 */
export function problems(...examples: Problem[]): Record<number, ProblemResponse> {
  const byStatus = new Map<number, Problem[]>();
  for (const p of [...examples, internalProblem()]) byStatus.set(p.status, [...(byStatus.get(p.status) ?? []), p]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => {
      const codes = [...new Set(list.map((p) => p.code))];
      return [
        status,
        {
          description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')} (application/problem+json)`,
          content: { 'application/problem+json': { schema: ProblemSchema.meta({ example: list[0] }) } },
        },
      ];
    }),
  );
}

/**
 * The problems Fastify answers before a route's handler runs: 414 for a path parameter over 100
 * characters (routes with parameters), 413 and 415 for a body too large or of another type
 * (routes that read a body). Documented so every status the API sends is in its document.
 */
export function transportProblems(route: { url: string; method: string | string[] }): Record<number, ProblemResponse> {
  const methods = [route.method].flat();
  const readsBody = methods.some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m));
  const found: Problem[] = [];
  if (route.url.includes(':')) found.push(frameworkErrorProblem({ code: 'FST_ERR_MAX_PARAM_LENGTH', message: '' }));
  if (readsBody) found.push(PROBLEM.bodyTooLarge, PROBLEM.unsupportedMediaType);
  const { 500: _internal, ...documented } = problems(...found);
  return documented;
}

/** The problems most routes share, as examples built by the code that raises them. */
export const PROBLEM = {
  validation: (path: string, message: string) => validationProblem([{ path, message }]),
  malformedJson: problem(400, 'MALFORMED_JSON', 'Body is not valid JSON'),
  bodyTooLarge: problem(413, 'BODY_TOO_LARGE', 'Request body is too large'),
  unsupportedMediaType: problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type'),
  badCursor: validationProblem([{ path: 'querystring.cursor', message: 'not a cursor: pass next_cursor of the previous page as it was' }]),
  unauthenticated: problemOf(new UnauthenticatedError('Missing Authorization header')),
  tokenRevoked: problemOf(new TokenRevokedError()),
  forbidden: problemOf(new ForbiddenError('Only platform admins may do this')),
  tenantNotFound: problemOf(new TenantNotFoundError(TENANT_ID)),
  engineNotRegistered: problemOf(new EngineNotFoundError('erp-eu')),
  runActive: problemOf(new RunConflictError(RUN_ID)),
  stateChanged: problemOf(new StateChangedError(RUN_ID)),
  databaseUnavailable: databaseUnavailableProblem(),
  engineUnavailable: problemOf(new EngineHealthCheckError(new EngineUnavailableError('connect ECONNREFUSED 10.0.0.7:8000'))),
  engineAuthFailed: problemOf(new EngineHealthCheckError(new EngineAuthError('401 AuthenticationError'))),
  /** The refusal of `kind` from `status`, as the service words it. */
  invalidTransition: (kind: RunKindName, status: ProvisioningStatusName): Problem => {
    try {
      assertRunAllowed(kind, status);
    } catch (e) {
      return problemOf(e as ProvisionerError);
    }
    throw new Error(`${kind} is allowed from ${status}: not an example of a refusal`);
  },
  stepNotSkippable: problemOf(new StepNotSkippableError('step_2_company')),
  unknownCountry: problemOf(new UnknownCountryError('XX')),
  tenantNameTaken: problemOf(new TenantNameTakenError('Mama Mboga Shop')),
  userExists: problemOf(new AlreadyExistsError('USER_EXISTS', 'A user with email owner@mamamboga.co.ke already exists', 'Use another email.')),
  weakPassword: problemOf(new WeakPasswordError('shorter than 10 characters')),
  verifyNotCompleted: problemOf(new InvalidTransitionError('verify', 'FAILED', ['COMPLETED'])),
  notDrifted: problemOf(new NotDriftedError(TENANT_ID)),
};

/** ProblemSchema as the document's components.schemas.Problem, which every error response refers to. */
export const problemComponent = (): Record<string, unknown> => {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(ProblemSchema, { target: 'openapi-3.0', io: 'output' }) as Record<string, unknown>;
  return schema;
};

/**
 * OpenAPI 3.0.3: `nullable: true` does not let null past an `enum` that does not list it, but the
 * OpenAPI 3.0 output of zod writes a nullable enum (StepId.nullable()) as exactly that. List null.
 */
function allowNullInNullableEnums(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(allowNullInNullableEnums);
  if (node === null || typeof node !== 'object') return;
  const schema = node as { nullable?: unknown; enum?: unknown[] };
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  Object.values(node).forEach(allowNullInNullableEnums);
}

/**
 * fastify-type-provider-zod's transform, with null listed in nullable enums; then every
 * problem+json response refers to #/components/schemas/Problem and carries its example next to
 * it (instead of ~130 copies of the same schema, each with its example inside).
 */
export const openApiTransform: typeof jsonSchemaTransform = (input) => {
  const output = jsonSchemaTransform(input);
  allowNullInNullableEnums(output.schema);
  const responses = (output.schema as { response?: Record<string, { content?: Record<string, { schema?: { example?: unknown } }> }> } | undefined)?.response;
  for (const response of Object.values(responses ?? {})) {
    const media = response.content?.['application/problem+json'];
    if (media?.schema) response.content!['application/problem+json'] = { schema: { $ref: '#/components/schemas/Problem' }, example: media.schema.example } as never;
  }
  return output;
};

// ---- success bodies ---------------------------------------------------------------------------

/** A success body: its schema, described, with its example. */
const answer = <T extends z.ZodType>(schema: T, description: string, example: z.output<T>) => schema.describe(description).meta({ example });

const ProvisioningConfig = z.object({
  include_demo_data: z.boolean(),
  pos_store_enabled: z.boolean(),
  country_template: z.string().nullable(),
  payment_methods: z.array(z.string()),
  auto_continue: z.boolean(),
});

const EngineFacts = z
  .object({
    company: z.string().optional(),
    abbr: z.string().optional(),
    chartOfAccounts: z.string().optional(),
    mainWarehouse: z.string().optional(),
    posWarehouse: z.string().nullable().optional(),
    cashAccount: z.string().optional(),
    writeOffAccount: z.string().optional(),
    roundOffAccount: z.string().optional(),
    costCenter: z.string().optional(),
    items: z.array(z.string()).optional(),
    customer: z.string().optional(),
    posProfile: z.string().optional(),
    posSession: z.string().optional(),
    engineUser: z.string().optional(),
    engineVersions: z.record(z.string(), z.string()).optional(),
    verifiedAt: z.string().optional(),
  })
  .describe("What the steps learned about the tenant's records in the engine (names as stored)");

const Tenant = z.object({
  id: uuid(),
  name: z.string(),
  country_code: z.string(),
  country: z.string(),
  currency: z.string(),
  engine_id: z.string(),
  admin_email: z.string().nullable(),
  created_at: timestamp(),
  status: ProvisioningStatus,
  message: z.string().nullable().describe('Why provisioning did not start, when it did not'),
  provisioning_config: ProvisioningConfig,
  engine_facts: EngineFacts,
});

const DriftFinding = z.object({
  step: StepId.describe('The step whose record it is: heal re-runs from the first'),
  doctype: z.string().nullable().describe('The engine DocType of the record (null: the problem names no single record)'),
  record: z.string().nullable().describe("The record's name in the engine"),
  problem: z.string(),
});

const DriftSummary = z
  .object({
    drifted: z.boolean().describe('The engine differed from what the steps ensure at the last verification'),
    drifted_at: timestamp().nullable().describe('Since when (the first verification that found it)'),
    first_step: StepId.nullable().describe('The first broken step: where heal starts'),
    verified_at: timestamp().nullable().describe('The last verification: verify, the drift sweep, or the final validation of a run that completed'),
  })
  .describe('Drift as last verified; cleared by a verification that finds none or a run that completes');

const ProvisioningSummary = z.object({
  status: ProvisioningStatus,
  progress: z.number().min(0).max(100),
  current_step: StepId.nullable(),
  steps_completed: count(),
  total_steps: count(),
  message: z.string().nullable(),
  last_error_code: z.string().nullable().describe("The code of the last failed step's error (null: no step failed, or its error has no code); the whole error is in the status"),
  drift: DriftSummary,
});

const TENANT_EXAMPLE: z.output<typeof Tenant> = {
  id: TENANT_ID,
  name: 'Mama Mboga Shop',
  country_code: 'KE',
  country: 'Kenya',
  currency: 'KES',
  engine_id: 'default',
  admin_email: null,
  created_at: CREATED_AT,
  status: 'COMPLETED',
  message: null,
  provisioning_config: { include_demo_data: false, pos_store_enabled: true, country_template: null, payment_methods: ['Cash', 'M-Pesa'], auto_continue: true },
  engine_facts: {
    company: 'Mama Mboga Shop',
    abbr: 'MMS',
    chartOfAccounts: 'Standard',
    mainWarehouse: 'Main Store - MMS',
    posWarehouse: 'POS Store - MMS',
    cashAccount: 'Cash - MMS',
    writeOffAccount: 'Write Off - MMS',
    roundOffAccount: 'Round Off - MMS',
    costCenter: 'Main - MMS',
    customer: 'Walk-in Customer - MMS',
    posProfile: 'Mama Mboga Shop POS',
    posSession: 'POS-OPE-2026-00001',
    engineUser: 'Administrator',
    engineVersions: { frappe: '15.51.0', erpnext: '15.44.1' },
    verifiedAt: '2026-05-04T09:15:10.340Z',
  },
};
const NO_DRIFT: z.output<typeof DriftSummary> = { drifted: false, drifted_at: null, first_step: null, verified_at: '2026-05-04T09:15:10.340Z' };
const SUMMARY_EXAMPLE: z.output<typeof ProvisioningSummary> = { status: 'COMPLETED', progress: 100, current_step: null, steps_completed: 10, total_steps: 11, message: null, last_error_code: null, drift: NO_DRIFT };

export const TenantAnswer = answer(z.object({ tenant: Tenant, provisioning: ProvisioningSummary }), 'The tenant with its provisioning summary', {
  tenant: TENANT_EXAMPLE,
  provisioning: SUMMARY_EXAMPLE,
});

export const TenantCreated = answer(
  z.object({ tenant: Tenant, provisioning: ProvisioningSummary.extend({ run_id: uuid().nullable().describe('The run started, or null (auto_start false, or the engine was down: see tenant.message)') }) }),
  'Tenant created; provisioning started unless provisioning.auto_start is false',
  {
    tenant: { ...TENANT_EXAMPLE, status: 'IN_PROGRESS', engine_facts: {} },
    provisioning: { status: 'IN_PROGRESS', progress: 0, current_step: 'step_0_engine_check', steps_completed: 0, total_steps: 11, message: null, last_error_code: null, drift: { ...NO_DRIFT, verified_at: null }, run_id: RUN_ID },
  },
);

/** The cursor of the next page of a list, or null on the last page. */
const nextCursor = () => z.string().nullable().describe('Pass as ?cursor= for the next page; null: this is the last page');
const NEXT_CURSOR_EXAMPLE = 'WyIyMDI2LTA1LTA0VDA5OjE1OjAyLjY2NTEyM1oiLCIzOGVkM2Y1Ny0wZDM2LTRlNDctODQ5Yy0xNTJjNzI4NjNhMzEiXQ';

export const TenantList = answer(
  z.object({
    tenants: z.array(Tenant.extend({ provisioning: ProvisioningSummary })),
    next_cursor: z
      .string()
      .nullable()
      .describe('Pass as ?cursor= for the next page; null: this is the last page. With status or drifted, a page may hold fewer than limit tenants, or none, and still have a next_cursor (the request looked at as many tenants as it may): follow it until null'),
  }),
  'A page of the tenants the caller may see (oldest first), with their status',
  { tenants: [{ ...TENANT_EXAMPLE, provisioning: SUMMARY_EXAMPLE }], next_cursor: NEXT_CURSOR_EXAMPLE },
);

const StepView = z.object({
  id: StepId,
  label: z.string(),
  critical: z.boolean(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'skipped']),
  skip_reason: z.enum(['config', 'operator', 'failure']).nullable(),
  attempts: count(),
  started_at: timestamp().nullable(),
  finished_at: timestamp().nullable(),
  duration_ms: z.number().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  code: z.string().nullable(),
  hint: z.string().nullable(),
});

const refused = new EngineValidationError('ValidationError', 'Please set default Cash or Bank account in Mode of Payment Cash', 417);
const FAILED_STEP = { error: refused.message, code: refused.code, hint: refused.hint };

export const StatusAnswer = answer(
  z.object({
    tenant_id: uuid(),
    tenant_name: z.string(),
    status: ProvisioningStatus,
    current_step: StepId.nullable(),
    progress: z.number().min(0).max(100),
    steps_completed: count(),
    total_steps: count(),
    errors: z.array(z.object({ step: StepId, error: z.string(), code: z.string().nullable(), hint: z.string().nullable() })),
    message: z.string().nullable(),
    started_at: timestamp().nullable(),
    completed_at: timestamp().nullable(),
    estimated_completion: timestamp().nullable(),
    run: z.object({ id: uuid(), kind: RunKind, status: RunStatus, created_at: timestamp() }).nullable(),
    engine: z.object({ id: z.string(), company: z.string().nullable(), abbr: z.string().nullable(), pos_profile: z.string().nullable() }),
    drift: DriftSummary.extend({ findings: z.array(DriftFinding).describe('What the last verification found (empty: no drift)') }),
    consistency: z.object({ ok: z.boolean(), problems: z.array(z.object({ code: z.string(), message: z.string() })) }).describe('Stored state that contradicts the derived status; empty when the records agree'),
    steps: z.array(StepView),
  }),
  'Derived provisioning status with every step',
  {
    tenant_id: TENANT_ID,
    tenant_name: 'Mama Mboga Shop',
    status: 'FAILED',
    current_step: 'step_8_pos_profile',
    progress: 64,
    steps_completed: 7,
    total_steps: 11,
    errors: [{ step: 'step_8_pos_profile', ...FAILED_STEP }],
    message: null,
    started_at: '2026-05-04T09:15:03.390Z',
    completed_at: '2026-05-04T09:15:21.427Z',
    estimated_completion: null,
    run: { id: RUN_ID, kind: 'start', status: 'failed', created_at: '2026-05-04T09:15:03.310Z' },
    engine: { id: 'default', company: 'Mama Mboga Shop', abbr: 'MMS', pos_profile: null },
    drift: { drifted: false, drifted_at: null, first_step: null, verified_at: null, findings: [] },
    consistency: { ok: true, problems: [] },
    steps: [
      {
        id: 'step_0_engine_check',
        label: 'Check engine',
        critical: true,
        status: 'completed',
        skip_reason: null,
        attempts: 1,
        started_at: '2026-05-04T09:15:03.977Z',
        finished_at: '2026-05-04T09:15:04.956Z',
        duration_ms: 979,
        message: 'Engine reachable as Administrator in 533 ms (frappe 15.51.0, erpnext 15.44.1)',
        error: null,
        code: null,
        hint: null,
      },
      {
        id: 'step_8_pos_profile',
        label: 'POS profile',
        critical: true,
        status: 'failed',
        skip_reason: null,
        attempts: 1,
        started_at: '2026-05-04T09:15:20.101Z',
        finished_at: '2026-05-04T09:15:21.400Z',
        duration_ms: 1299,
        message: null,
        ...FAILED_STEP,
      },
    ],
  },
);

const LogEntry = z.object({
  id: z.number().int().describe('Event id (also the SSE id)'),
  ts: timestamp(),
  run_id: uuid().nullable(),
  step: StepId.nullable(),
  type: z.string().describe('tenant_created, run_queued, run_refused, step_started, step_retrying, step_completed, step_failed, step_skipped, note, run_finished, run_handed_back, tenant_drifted, tenant_drift_cleared, engine_call (include_engine_calls=true)'),
  status: z.string().nullable(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  error: z.string().nullable(),
  code: z.string().nullable(),
  hint: z.string().nullable(),
  attempt: z.number().int().nullable(),
  duration_ms: z.number().nullable(),
  completed_at: timestamp().nullable(),
  engine: z.object({ method: z.string(), path: z.string(), status: z.number().int().nullable(), ms: z.number() }).nullable().describe('engine_call entries (include_engine_calls=true): the request to the engine'),
});

const LOG_EXAMPLE: z.output<typeof LogEntry> = {
  id: 42,
  ts: '2026-05-04T09:15:21.400Z',
  run_id: RUN_ID,
  step: 'step_8_pos_profile',
  type: 'step_failed',
  status: 'failed',
  level: 'error',
  message: `step_8_pos_profile failed: ${refused.message}`,
  ...FAILED_STEP,
  attempt: 1,
  duration_ms: 1299,
  completed_at: null,
  engine: null,
};

export const LogsAnswer = answer(
  z.object({ tenant_id: uuid(), logs: z.array(LogEntry), paging: z.object({ limit: count(), offset: count(), next_offset: count().nullable().describe('null on the last page') }) }),
  'Step logs, oldest first',
  { tenant_id: TENANT_ID, logs: [LOG_EXAMPLE], paging: { limit: 200, offset: 0, next_offset: null } },
);

export const RunAnswer = answer(
  z.object({
    tenant_id: uuid(),
    status: z.enum(['IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED']).describe('IN_PROGRESS, or how the run ended (a replayed Idempotency-Key)'),
    message: z.string(),
    run: z.object({ id: uuid(), kind: RunKind, status: RunStatus, plan: z.array(StepId).describe('The steps this run executes, in order'), created_at: timestamp() }),
  }),
  'The run was queued (or, with a replayed Idempotency-Key, the run made for that key)',
  {
    tenant_id: TENANT_ID,
    status: 'IN_PROGRESS',
    message: 'Provisioning continue queued',
    run: { id: RUN_ID, kind: 'continue', status: 'queued', plan: ['step_8_pos_profile', 'step_9_pos_session', 'step_10_post_sale_updates'], created_at: '2026-05-04T09:20:00.000Z' },
  },
);

const WAREHOUSE_FINDING: z.output<typeof DriftFinding> = {
  step: 'step_4_warehouses',
  doctype: 'Warehouse',
  record: 'POS Store - MMS',
  problem: 'Warehouse "POS Store - MMS" is missing: step_4_warehouses would create it',
};

export const VerifyAnswer = answer(
  z.object({
    tenant_id: uuid(),
    drifted: z.boolean(),
    first_step: StepId.nullable().describe('The first broken step: where heal starts (null: no drift)'),
    findings: z.array(DriftFinding).describe('In step order, each record once'),
    verified_at: timestamp(),
  }),
  "What the engine holds against what the steps ensure, read only (nothing is written to the engine); recorded as the tenant's drift flag",
  { tenant_id: TENANT_ID, drifted: true, first_step: 'step_4_warehouses', findings: [WAREHOUSE_FINDING], verified_at: '2026-05-05T02:00:00.000Z' },
);

export const PlanAnswer = answer(
  z.object({
    tenant_id: uuid(),
    kind: RunKind,
    steps: z.array(StepId).describe('The steps the run would execute, in order'),
    operations: z.array(
      z.object({
        step: StepId,
        action: z.enum(['create', 'update', 'exists', 'skip']).describe('create/update: a write the run would make; exists: a record in place, left alone; skip: the step would skip itself'),
        doctype: z.string().nullable(),
        name: z.string().nullable().describe("The record's name (the engine names a new POS Opening Entry itself)"),
        detail: z.string().nullable().describe('What an update would change (e.g. "currency"); null for the other actions'),
      }),
    ),
    problems: z.array(DriftFinding).describe('Where the run would stop on a record problem (a precondition, final validation)'),
  }),
  'What a run of this kind would do now, computed from reads only (nothing is written to the engine)',
  {
    tenant_id: TENANT_ID,
    kind: 'retry',
    steps: ['step_4_warehouses', 'step_5_settings'],
    operations: [
      { step: 'step_4_warehouses', action: 'exists', doctype: 'Warehouse', name: 'Main Store - MMS', detail: null },
      { step: 'step_4_warehouses', action: 'create', doctype: 'Warehouse', name: 'POS Store - MMS', detail: null },
      { step: 'step_5_settings', action: 'update', doctype: 'Company', name: 'Mama Mboga Shop', detail: 'default_cash_account' },
    ],
    problems: [],
  },
);

export const BulkAnswer = answer(
  z.object({
    matched: z.number().int().describe('Tenants the filter matched'),
    tenant_ids: z.array(uuid()).describe('The matched tenants, oldest first'),
    dry_run: z.boolean(),
    queued: z.number().int().describe('Runs queued (0 on a dry run)'),
    runs: z.array(z.object({ tenant_id: uuid(), run_id: uuid() })),
    skipped: z.array(z.object({ tenant_id: uuid(), reason: z.string().describe('The error code that kept the tenant out: RUN_ACTIVE, INVALID_TRANSITION, ENGINE_UNAVAILABLE...') })),
  }),
  'What the filter matched and, unless a dry run, the runs queued and the tenants skipped with why',
  { matched: 1, tenant_ids: [TENANT_ID], dry_run: false, queued: 1, runs: [{ tenant_id: TENANT_ID, run_id: RUN_ID }], skipped: [] },
);

const Engine = z
  .object({
    id: z.string(),
    kind: z.enum(['erpnext', 'odoo']),
    base_url: z.string(),
    api_key_set: z.boolean(),
    database: z.string().nullable().optional().describe('Odoo engines: the database'),
    login: z.string().nullable().optional().describe('Odoo engines: the login the API key belongs to'),
    created_at: timestamp(),
  })
  .describe('An engine; its secrets (API key, secret) are never shown');
const ENGINE_EXAMPLE: z.output<typeof Engine> = { id: 'default', kind: 'erpnext', base_url: 'https://erp.example.com', api_key_set: true, created_at: CREATED_AT };

const EngineHealth = z.object({
  reachable: z.boolean(),
  authenticated: z.boolean(),
  user: z.string().optional().describe('The engine user the credentials belong to'),
  versions: z.record(z.string(), z.string()).optional(),
  error: z.string().optional(),
  code: z.string().optional(),
  hint: z.string().optional(),
  latency_ms: z.number(),
});
const HEALTH_EXAMPLE: z.output<typeof EngineHealth> = { reachable: true, authenticated: true, user: 'Administrator', versions: { frappe: '15.51.0', erpnext: '15.44.1' }, latency_ms: 26 };

const EngineLoad = z
  .object({
    in_flight: count().describe('Requests to the engine in flight now, from every process of the fleet (the engine slots held)'),
    limit: z.number().int().min(1).describe('Requests allowed at once now: max, or fewer while the engine is overloaded (429, 503, timeouts, slow answers)'),
    max: z.number().int().min(1).describe('ENGINE_MAX_CONCURRENCY'),
    reason: z.string().nullable().describe('Why the limit last changed; null: it never did'),
  })
  .describe("The engine's current load across the fleet");
const LOAD_EXAMPLE: z.output<typeof EngineLoad> = { in_flight: 3, limit: 8, max: 8, reason: null };

export const EngineList = answer(z.object({ engines: z.array(Engine.extend({ load: EngineLoad })), next_cursor: nextCursor() }), 'A page of the registered engines (oldest first), each with its current load', {
  engines: [{ ...ENGINE_EXAMPLE, load: LOAD_EXAMPLE }],
  next_cursor: null,
});
export const EngineAnswer = answer(z.object({ engine: Engine }), 'The engine', { engine: ENGINE_EXAMPLE });
export const EngineHealthAnswer = answer(z.object({ engine: Engine, health: EngineHealth, load: EngineLoad }), 'The engine, the result of a live check and its current load', { engine: ENGINE_EXAMPLE, health: HEALTH_EXAMPLE, load: LOAD_EXAMPLE });

const Webhook = z
  .object({
    id: uuid(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    secret_set: z.boolean(),
    created_by: z.string().nullable(),
    created_at: timestamp(),
    enabled: z.boolean().describe('false: no deliveries are written or sent'),
    previous_secret_expires_at: timestamp().nullable().describe('After a secret change: until then deliveries also carry a v1 signature with the previous secret (null: none)'),
  })
  .describe('A webhook; its secrets are never shown');
const WEBHOOK_EXAMPLE: z.output<typeof Webhook> = {
  id: '5b0f3c1e-8d2a-4f6b-9c7e-1a2b3c4d5e6f',
  url: 'https://hooks.example.com/provisioner',
  events: ['run.failed', 'tenant.drifted'],
  secret_set: true,
  created_by: 'admin@moran.com',
  created_at: CREATED_AT,
  enabled: true,
  previous_secret_expires_at: null,
};
export const WebhookAnswer = answer(z.object({ webhook: Webhook }), 'The webhook', { webhook: WEBHOOK_EXAMPLE });
export const WebhookList = answer(z.object({ webhooks: z.array(Webhook), next_cursor: nextCursor() }), 'A page of the webhooks, oldest first', { webhooks: [WEBHOOK_EXAMPLE], next_cursor: null });
const WebhookDelivery = z
  .object({
    id: uuid().describe('The delivery id: the body\'s id and X-Provisioner-Delivery; the same at every attempt (receivers drop repeats by it)'),
    event: z.enum([...WEBHOOK_EVENTS, 'ping']),
    tenant_id: uuid().nullable(),
    run_id: uuid().nullable(),
    created_at: timestamp(),
    attempts: count().describe('Attempts started'),
    state: z.enum(['pending', 'delivered', 'failed']).describe('pending: not delivered yet (retried until next_attempt_at); failed: given up after WEBHOOK_RETRY_FOR_MS'),
    last_status: z.number().int().nullable().describe("The receiver's HTTP status at the last attempt; null: no answer"),
    last_error: z.string().nullable(),
    next_attempt_at: timestamp().nullable().describe('null once delivered or given up'),
    delivered_at: timestamp().nullable(),
  })
  .describe('One delivery of an event to the webhook');
export const WebhookDeliveryList = answer(z.object({ deliveries: z.array(WebhookDelivery), next_cursor: nextCursor() }), "A page of the webhook's deliveries, newest first", {
  next_cursor: null,
  deliveries: [{ id: '0e4f8a2b-6c1d-4e3f-a5b7-9c8d7e6f5a4b', event: 'run.failed', tenant_id: TENANT_ID, run_id: RUN_ID, created_at: CREATED_AT, attempts: 2, state: 'delivered', last_status: 200, last_error: null, next_attempt_at: null, delivered_at: CREATED_AT }],
});
export const WebhookDeliveryAnswer = answer(z.object({ delivery: WebhookDelivery }), 'The ping delivery, queued in the outbox', {
  delivery: { id: '0e4f8a2b-6c1d-4e3f-a5b7-9c8d7e6f5a4b', event: 'ping', tenant_id: null, run_id: null, created_at: CREATED_AT, attempts: 0, state: 'pending', last_status: null, last_error: null, next_attempt_at: CREATED_AT, delivered_at: null },
});

const User = z.object({
  id: uuid(),
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
  tenant_id: uuid().nullable(),
  disabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  created_at: timestamp(),
});
const USER_EXAMPLE: z.output<typeof User> = { id: USER_ID, email: 'admin@moran.com', name: 'Demo admin', role: 'platform_admin', tenant_id: null, disabled: false, disabled_reason: null, created_at: CREATED_AT };
export const UserList = answer(z.object({ users: z.array(User), next_cursor: nextCursor() }), 'A page of the users (oldest first; no password hashes)', { users: [USER_EXAMPLE], next_cursor: null });
export const UserAnswer = answer(z.object({ user: User }), 'The user (as created, changed, or as it was before deletion)', {
  user: { ...USER_EXAMPLE, email: 'owner@mamamboga.co.ke', name: 'Owner', role: 'tenant_admin', tenant_id: TENANT_ID },
});

const AuditEntry = z.object({
  id: z.number().int(),
  at: timestamp(),
  actor_id: uuid().nullable().describe('null: the server itself (e.g. the demo account disabled at start)'),
  actor_email: z.string().nullable(),
  action: z.string().describe('tenant.create, provisioning.start|continue|retry|skip_step, user.create|update|delete, engine.register|update|delete'),
  target_type: z.enum(['tenant', 'user', 'engine', 'webhook']),
  target_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('What changed (never a secret)'),
  ip: z.string().nullable(),
});
export const AuditList = answer(
  z.object({ entries: z.array(AuditEntry), next_cursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null on the last page') }),
  'Audit log, newest first',
  {
    entries: [{ id: 7, at: CREATED_AT, actor_id: USER_ID, actor_email: 'admin@moran.com', action: 'provisioning.retry', target_type: 'tenant', target_id: TENANT_ID, details: { run_id: RUN_ID, step: 'step_8_pos_profile' }, ip: '10.0.0.12' }],
    next_cursor: null,
  },
);

export const LoginAnswer = answer(
  z.object({
    access_token: z.string(),
    token_type: z.enum(['bearer']),
    expires_in: z.number().int().describe('Seconds'),
    user: z.object({ id: uuid(), email: z.string(), role: Role, tenant_id: uuid().nullable() }),
    tenants: z.array(z.object({ id: uuid(), name: z.string(), status: ProvisioningStatus })).describe("The first page (oldest first) of the tenants this user may see: GET /api/tenants's first page"),
    tenants_next_cursor: z.string().nullable().describe('More tenants follow: GET /api/tenants?cursor=<this> (null: that was all)'),
  }),
  'A bearer token for the other routes (Authorization: Bearer <access_token>)',
  {
    access_token: TOKEN,
    token_type: 'bearer',
    expires_in: TOKEN_TTL_SECONDS,
    user: { id: USER_ID, email: 'admin@moran.com', role: 'platform_admin', tenant_id: null },
    tenants: [{ id: TENANT_ID, name: 'Mama Mboga Shop', status: 'COMPLETED' }],
    tenants_next_cursor: null,
  },
);

export const MeAnswer = answer(
  z.object({
    user: z.object({ sub: uuid().describe('User id'), email: z.string(), name: z.string().nullable().optional(), role: Role, tenant_id: uuid().nullable(), iat: z.number().int().optional(), exp: z.number().int().optional() }),
  }),
  "The token's holder, as the users table says now",
  { user: { sub: USER_ID, email: 'admin@moran.com', name: 'Demo admin', role: 'platform_admin', tenant_id: null, iat: 1777886102, exp: 1777914902 } },
);

export const LivenessAnswer = answer(z.object({ status: z.enum(['ok']), service: z.string(), version: z.string(), uptime_s: count() }), 'The process is up', {
  status: 'ok',
  service: 'provisioner',
  version: '0.1.0',
  uptime_s: 3605,
});

const EngineReadiness = z.object({
  id: z.string(),
  kind: z.enum(['erpnext', 'odoo']),
  supported: z.boolean().describe('false: this version cannot check this kind of engine; it does not count for readiness'),
  reachable: z.boolean(),
  authenticated: z.boolean(),
  latency_ms: z.number(),
  code: z.string().optional().describe('Why the check failed (README: Error codes); never the engine\'s own message'),
  hint: z.string().optional(),
  user: z.string().optional().describe('Platform admins only: the engine user the credentials belong to'),
  versions: z.record(z.string(), z.string()).optional().describe('Platform admins only'),
});

export const ReadinessAnswer = answer(
  z.object({
    status: z.enum(['ready', 'not_ready']),
    database: z.object({ ok: z.boolean(), code: z.string().optional() }).optional().describe('Platform admins and viewers only'),
    engines: z.array(EngineReadiness).optional().describe('Platform admins and viewers only: every engine, as last checked (none when the database is down)'),
    checked_at: timestamp().optional().describe('When the engines were checked (at most READINESS_CACHE_MS ago)'),
  }),
  'Readiness: the database answers and every engine is healthy (200), or not (503, same body). Without a platform token only `status`',
  { status: 'ready', database: { ok: true }, engines: [{ id: 'default', kind: 'erpnext', supported: true, reachable: true, authenticated: true, latency_ms: 26, user: 'Administrator', versions: { frappe: '15.51.0', erpnext: '15.44.1' } }], checked_at: CREATED_AT },
);

export const NotReadyAnswer = answer(ReadinessAnswer, 'Not ready: the database or an engine is down (same body as 200)', {
  status: 'not_ready',
  database: { ok: true },
  engines: [{ id: 'default', kind: 'erpnext', supported: true, reachable: false, authenticated: false, code: 'ENGINE_UNAVAILABLE', hint: 'The engine is unreachable or failing; it is retried automatically. If it persists, verify it is running and reachable from Provisioner, then use "Continue".', latency_ms: 3 }],
  checked_at: CREATED_AT,
});

/** A body that is not JSON, under its media type (Server-Sent Events, Prometheus text). */
export const textResponse = (mediaType: string, description: string, example: string) => ({
  description,
  content: { [mediaType]: { schema: z.string().describe(description).meta({ example }) } },
});

export const EVENT_STREAM_EXAMPLE =
  ': keep-alive\n\n' +
  `id: 42\nevent: step_failed\ndata: ${JSON.stringify({ ...LOG_EXAMPLE, tenant_id: TENANT_ID })}\n\n`;

export const METRICS_EXAMPLE =
  '# HELP provisioner_runs_finished_total Runs finished by this process, by final status (COMPLETED, PARTIAL, FAILED)\n# TYPE provisioner_runs_finished_total counter\nprovisioner_runs_finished_total{status="COMPLETED"} 12\n';

const Outcomes = z.object({ completed: count(), partial: count(), failed: count() });

export const StatsAnswer = answer(
  z.object({
    window: z.enum(['24h', '7d']),
    since: timestamp(),
    bucket_seconds: count().describe('Width of each bucket of runs'),
    runs: z.array(z.object({ start: timestamp(), ...Outcomes.shape })).describe('Runs that ended in each bucket, by outcome, oldest bucket first (empty buckets included)'),
    totals: Outcomes,
    failures: z.array(z.object({ step: StepId, code: z.string().nullable(), failures: count() })).describe('Step failures (every failed attempt that ended a step) by step and code, most frequent first (at most 20)'),
  }),
  'Runs over time by outcome and failures by step and code, for the tenants the caller may see',
  {
    window: '24h',
    since: '2026-05-03T10:00:00.000Z',
    bucket_seconds: 3600,
    runs: [
      { start: '2026-05-04T08:00:00.000Z', completed: 12, partial: 0, failed: 1 },
      { start: '2026-05-04T09:00:00.000Z', completed: 7, partial: 1, failed: 0 },
    ],
    totals: { completed: 19, partial: 1, failed: 1 },
    failures: [{ step: 'step_8_pos_profile', code: 'ENGINE_VALIDATION', failures: 2 }],
  },
);
