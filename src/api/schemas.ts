import { z } from 'zod';
import { STEP_IDS } from '../domain/steps/catalogue.ts';
import { ENGINE_KINDS } from '../ports/engine.ts';
import { ROLES } from '../ports/store.ts';

export const TenantIdParams = z.object({ id: z.uuid({ message: 'must be a tenant id (UUID)' }) });

export const StepIdSchema = z.enum(STEP_IDS);

/** Body of start (all optional), as in the guide's example. */
export const StartBody = z
  .object({
    include_demo_data: z.boolean().optional(),
    pos_store_enabled: z.boolean().optional(),
    country_template: z.string().trim().min(1).max(140).nullable().optional(),
    payment_methods: z.array(z.string().trim().min(1).max(140)).min(1).max(10).optional(),
  })
  .strict()
  .nullish()
  .meta({ example: { include_demo_data: false, pos_store_enabled: true, country_template: null } });

export const RetryBody = z
  .object({ step: StepIdSchema.nullable().optional().describe('Re-run this step and those after it (default: every step)') })
  .strict()
  .nullish()
  .meta({ example: { step: 'step_8_pos_profile' } });

export const SkipStepBody = z.object({ step: StepIdSchema }).strict().meta({ example: { step: 'step_6_items' } });

export const ProvisioningOptions = z
  .object({
    auto_start: z.boolean().default(true),
    include_demo_data: z.boolean().optional(),
    pos_store_enabled: z.boolean().optional(),
    country_template: z.string().trim().min(1).max(140).nullable().optional(),
    payment_methods: z.array(z.string().trim().min(1).max(140)).min(1).max(10).optional(),
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
const EngineRef = z
  .string()
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
    admin_name: z.string().trim().min(1).max(140).optional(),
    admin_password: z.string().min(1).max(200).optional(),
    provisioning: ProvisioningOptions.optional(),
  })
  .strict()
  .meta({ example: { name: 'Mama Mboga Shop', country_code: 'KE', provisioning: { auto_start: true, include_demo_data: false, pos_store_enabled: true } } });

/** The replaced system's body for POST /api/iam/tenants (product.md §5). */
export const LegacyCreateTenantBody = z.object({
  name: TenantName,
  admin_email: z.email().optional(),
  admin_name: z.string().trim().min(1).max(140).optional(),
  admin_password: z.string().min(1).max(200).optional(),
  country_code: z.string().trim().regex(/^[A-Za-z]{2}$/, 'two-letter country code'),
  engine: EngineRef.optional(),
  category: z.string().max(140).optional(),
  description: z.string().max(2000).optional(),
}).meta({ example: { name: 'Mama Mboga Shop', admin_email: 'owner@mamamboga.co.ke', admin_name: 'Owner', admin_password: 'a long passphrase', country_code: 'KE', category: 'retail' } });

export const LoginBody = z
  .object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(200) })
  .strict()
  .meta({ example: { email: 'admin@moran.com', password: 'admin123' } });

export const LogsQuery = z.object({
  step: StepIdSchema.optional(),
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  after_id: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
  include_engine_calls: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

export const TenantListQuery = z.object({
  status: z.enum(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED']).optional(),
});

export const CreateUserBody = z
  .object({
    email: z.email(),
    name: z.string().trim().min(1).max(140).optional(),
    password: z.string().min(1).max(200),
    role: z.enum(ROLES),
    tenant_id: z.uuid().optional(),
  })
  .strict()
  .meta({ example: { email: 'owner@mamamboga.co.ke', name: 'Owner', password: 'a long passphrase', role: 'tenant_admin', tenant_id: '38ed3f57-0d36-4e47-849c-152c72863a31' } });

/** A platform admin's change of a user; each change but enabling revokes the user's tokens. */
export const UpdateUserBody = z
  .object({
    role: z.enum(ROLES).optional(),
    tenant_id: z.uuid().nullable().optional().describe('Required with a tenant role, null with a platform role'),
    disabled: z.boolean().optional(),
    password: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change: send role, tenant_id, disabled or password')
  .meta({ example: { role: 'platform_viewer', tenant_id: null } });

export const UserIdParams = z.object({ id: z.uuid({ message: 'must be a user id (UUID)' }) });

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('next_cursor of the previous page'),
});

export const EngineBody = z
  .object({
    id: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
    kind: z.enum(ENGINE_KINDS),
    base_url: z.url({ protocol: /^https?$/ }),
    api_key: z.string().min(1).max(200),
    api_secret: z.string().min(1).max(200),
  })
  .strict()
  .meta({ example: { id: 'erp-eu', kind: 'erpnext', base_url: 'https://erp.example.com', api_key: '4f1c2a9e8b7d6c5', api_secret: '0a1b2c3d4e5f6a7' } });

export const EngineIdParams = z.object({ id: z.string().min(1).max(64) });
