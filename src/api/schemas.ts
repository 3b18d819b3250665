import { z } from 'zod';
import { STEP_IDS } from '../domain/steps/catalogue.ts';
import { ENGINE_KINDS } from '../ports/engine.ts';
import type { PageKey } from '../ports/store.ts';
import { ROLES } from '../ports/store.ts';

/**
 * A UUID in any letter case, as PostgreSQL stores and answers it: lower case. The ids of tokens,
 * maps and answers are compared as strings, so an upper-case id must not reach them as such.
 */
import { WEBHOOK_EVENTS } from '../ports/store.ts';

const Uuid = (message?: string) => z.uuid(message ? { message } : undefined).toLowerCase();

/** C0 control characters and DEL: no name, id, key or email holds one (NUL is refused for every field by plugins/input-hygiene.ts). */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Text on one line: a name, an id, a key. */
const singleLine = () => z.string().refine((s) => !CONTROL_CHARACTERS.test(s), 'must not contain control characters');

export const TenantIdParams = z.object({ id: Uuid('must be a tenant id (UUID)') });

export const StepIdSchema = z.enum(STEP_IDS);

/** Body of start (all optional), as in the guide's example. */
export const StartBody = z
  .object({
    include_demo_data: z.boolean().optional(),
    pos_store_enabled: z.boolean().optional(),
    country_template: singleLine().trim().min(1).max(140).nullable().optional(),
    payment_methods: z.array(singleLine().trim().min(1).max(140)).min(1).max(10).optional(),
    auto_continue: z.boolean().optional().describe('Continue automatically after a transient failure (engine down, slow, updating, rate-limiting) once the engine answers again (default: true)'),
  })
  .strict()
  .nullish()
  .meta({ example: { include_demo_data: false, pos_store_enabled: true, country_template: null } });

export const RetryBody = z
  .object({ step: StepIdSchema.nullable().optional().describe('Re-run this step and those after it (default: every step)') })
  .strict()
  .nullish()
  .meta({ example: { step: 'step_8_pos_profile' } });

/** POST /api/webhooks: where to send which events, and the secret they are signed with. */
export const WebhookBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).refine((e) => new Set(e).size === e.length, 'must not repeat an event'),
    secret: singleLine().min(16, 'at least 16 characters').max(200),
  })
  .strict()
  .meta({ example: { url: 'https://hooks.example.com/provisioner', events: ['run.failed', 'tenant.drifted'], secret: 'whsec_2f9c7a1e5b3d8046' } });

/** PATCH /api/webhooks/:id: what to change; a new secret keeps the old one signing for the overlap. */
export const UpdateWebhookBody = z
  .object({
    url: WebhookBody.shape.url.optional(),
    events: WebhookBody.shape.events.optional(),
    enabled: z.boolean().optional().describe('false: no deliveries are written or sent until it is true again (pending ones wait)'),
    secret: WebhookBody.shape.secret.optional().describe('A new signing secret: for WEBHOOK_SECRET_OVERLAP_MS (24 h) deliveries carry a v1 signature with it and one with the old secret'),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change: send url, events, enabled or secret')
  .meta({ example: { events: ['run.failed', 'run.partial', 'tenant.drifted'], secret: 'whsec_7d41b09e2c6a5f38' } });

export const WebhookIdParams = z.object({ id: Uuid('must be a webhook id (UUID)') });

/** POST /api/provisioning/bulk: Continue or Retry every tenant a filter matches. */
export const BulkBody = z
  .object({
    action: z.enum(['continue', 'retry']),
    filter: z
      .object({
        status: z.enum(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED']).optional(),
        engine_id: singleLine().min(1).max(100).optional(),
        step: StepIdSchema.optional().describe('A step that failed, or the current step of a tenant in progress'),
        code: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an error code such as ENGINE_TIMEOUT').optional(),
        created_before: z.iso.datetime({ offset: true }).optional(),
        created_after: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .default({}),
    dry_run: z.boolean().default(false).describe('Only list the tenants that match; change nothing'),
  })
  .strict()
  .meta({ example: { action: 'continue', filter: { status: 'FAILED', engine_id: 'default' }, dry_run: true } });

/** GET …/plan: which run to plan (retry: from `step`, like retry's body). */
export const PlanQuery = z.object({
  kind: z.enum(['start', 'continue', 'retry']).optional().describe('Default: the run the status allows next (NOT_STARTED: start, PARTIAL or FAILED: continue, COMPLETED: retry)'),
  step: StepIdSchema.optional().describe('retry only: from this step (default: every step)'),
});

export const SkipStepBody = z.object({ step: StepIdSchema }).strict().meta({ example: { step: 'step_6_items' } });

export const ProvisioningOptions = z
  .object({
    auto_start: z.boolean().default(true),
    include_demo_data: z.boolean().optional(),
    pos_store_enabled: z.boolean().optional(),
    country_template: singleLine().trim().min(1).max(140).nullable().optional(),
    payment_methods: z.array(singleLine().trim().min(1).max(140)).min(1).max(10).optional(),
    auto_continue: z.boolean().optional().describe('Continue automatically after a transient failure (engine down, slow, updating, rate-limiting) once the engine answers again (default: true)'),
  })
  .strict();

/** Company names end up in every engine record name; keep them printable and bounded. */
const TenantName = z
  .string()
  .trim()
  .min(2)
  .max(100)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} &'.,()-]*$/u, 'letters, digits, spaces and & \' . , ( ) - only, starting with a letter or digit');

/** A registered engine's id, or an engine kind whose default engine serves the tenant. */
const EngineRef = singleLine()
  .trim()
  .min(1)
  .max(64)
  .describe('A registered engine (its id, e.g. "default"), or an engine kind ("erpnext", "odoo"): the default engine when it is of that kind, else the first registered one of the kind. Default: the default engine.');

export const CreateTenantBody = z
  .object({
    name: TenantName,
    country_code: z.string().trim().regex(/^[A-Za-z]{2}$/, 'two-letter country code'),
    currency: z.string().trim().regex(/^[A-Za-z]{3}$/, 'three-letter currency code').optional(),
    engine_id: EngineRef.optional(),
    admin_email: z.email().optional(),
    admin_name: singleLine().trim().min(1).max(140).optional(),
    admin_password: z.string().min(1).max(200).optional(),
    provisioning: ProvisioningOptions.optional(),
  })
  .strict()
  .meta({ example: { name: 'Mama Mboga Shop', country_code: 'KE', provisioning: { auto_start: true, include_demo_data: false, pos_store_enabled: true } } });

/** The replaced system's body for POST /api/iam/tenants (product.md §5). */
export const LegacyCreateTenantBody = z.object({
  name: TenantName,
  admin_email: z.email().optional(),
  admin_name: singleLine().trim().min(1).max(140).optional(),
  admin_password: z.string().min(1).max(200).optional(),
  country_code: z.string().trim().regex(/^[A-Za-z]{2}$/, 'two-letter country code'),
  engine: EngineRef.optional(),
  category: singleLine().max(140).optional(),
  description: z.string().max(2000).optional(),
}).meta({ example: { name: 'Mama Mboga Shop', admin_email: 'owner@mamamboga.co.ke', admin_name: 'Owner', admin_password: 'a long passphrase', country_code: 'KE', category: 'retail' } });

export const LoginBody = z
  .object({ email: singleLine().trim().min(1).max(320), password: z.string().min(1).max(200) })
  .strict()
  .meta({ example: { email: 'admin@moran.com', password: 'admin123' } });

export const LogsQuery = z.object({
  step: StepIdSchema.optional(),
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  after_id: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  include_engine_calls: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** Rows per page of a list: 50 unless asked, at most 500. */
export const PAGE_LIMIT = { default: 50, max: 500 };

const PAGE_KEY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ENGINE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A list's next_cursor as the API wrote it: base64url of [created_at, id] of the last row it sent. */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id])).toString('base64url');
}

/** The opaque cursor of a list whose ids look like `id`; anything else is a 400 naming the parameter. */
const Cursor = (id: RegExp | 'uuid') =>
  z
    .string()
    .max(200)
    .transform((text, ctx): PageKey => {
      try {
        const key: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
        if (Array.isArray(key) && key.length === 2 && typeof key[0] === 'string' && typeof key[1] === 'string' && PAGE_KEY_TIME.test(key[0])) {
          const idOk = id === 'uuid' ? z.uuid().safeParse(key[1]).success : id.test(key[1]);
          if (idOk && !Number.isNaN(Date.parse(key[0]))) return { createdAt: key[0], id: key[1].toLowerCase() };
        }
      } catch {
        // not base64url JSON: said below
      }
      ctx.addIssue({ code: 'custom', message: 'not a cursor: pass next_cursor of the previous page as it was' });
      return z.NEVER;
    })
    .describe('next_cursor of the previous page (omit for the first page)');

const PageQuery = (id: RegExp | 'uuid') => ({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT.max).default(PAGE_LIMIT.default).describe(`Rows per page (default ${PAGE_LIMIT.default}, at most ${PAGE_LIMIT.max})`),
  cursor: Cursor(id).optional(),
});

export const TenantListQuery = z.object({
  status: z.enum(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED']).optional(),
  drifted: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe('Only tenants whose last verification found drift (true), or did not (false)'),
  ...PageQuery('uuid'),
});

export const UserListQuery = z.object(PageQuery('uuid'));

/** Webhooks, oldest first: a page of 50 unless asked, like every list (the CLI and the dashboard follow next_cursor). */
export const WebhookListQuery = z.object(PageQuery('uuid'));

/** The delivery log, newest first: a page of 50 unless asked, like every list. */
export const WebhookDeliveriesQuery = z.object(PageQuery('uuid'));

export const EngineListQuery = z.object(PageQuery(ENGINE_ID));

export const CreateUserBody = z
  .object({
    email: z.email(),
    name: singleLine().trim().min(1).max(140).optional(),
    password: z.string().min(1).max(200),
    role: z.enum(ROLES),
    tenant_id: Uuid().optional(),
  })
  .strict()
  .meta({ example: { email: 'owner@mamamboga.co.ke', name: 'Owner', password: 'a long passphrase', role: 'tenant_admin', tenant_id: '38ed3f57-0d36-4e47-849c-152c72863a31' } });

/** A platform admin's change of a user; each change but enabling revokes the user's tokens. */
export const UpdateUserBody = z
  .object({
    role: z.enum(ROLES).optional(),
    tenant_id: Uuid().nullable().optional().describe('Required with a tenant role, null with a platform role'),
    disabled: z.boolean().optional(),
    password: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change: send role, tenant_id, disabled or password')
  .meta({ example: { role: 'platform_viewer', tenant_id: null } });

export const UserIdParams = z.object({ id: Uuid('must be a user id (UUID)') });

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('next_cursor of the previous page'),
});

export const EngineBody = z
  .object({
    id: z.string().trim().regex(ENGINE_ID, 'lower-case letters, digits and dashes'),
    kind: z.enum(ENGINE_KINDS),
    base_url: z.url({ protocol: /^https?$/ }),
    api_key: singleLine().min(1).max(200).describe('ERPNext: the API key; Odoo: the API key (or password) of `login`'),
    api_secret: singleLine().min(1).max(200).optional().describe('ERPNext only: the API secret'),
    database: singleLine().min(1).max(63).optional().describe('Odoo only: the database'),
    login: singleLine().min(1).max(200).optional().describe('Odoo only: the login of the user the API key belongs to'),
  })
  .strict()
  .superRefine((b, ctx) => {
    // each kind takes its own credentials and no other's
    const wanted = b.kind === 'odoo' ? (['database', 'login'] as const) : (['api_secret'] as const);
    const foreign = b.kind === 'odoo' ? (['api_secret'] as const) : (['database', 'login'] as const);
    for (const f of wanted) if (b[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `required for an engine of kind ${b.kind}` });
    for (const f of foreign) if (b[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `not taken by an engine of kind ${b.kind}` });
  })
  .meta({ example: { id: 'erp-eu', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: '4f1c2a9e8b7d6c5', api_secret: '0a1b2c3d4e5f6a7' } });

export const EngineIdParams = z.object({ id: singleLine().min(1).max(64) });
