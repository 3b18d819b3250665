import { z } from 'zod';
import { STEP_IDS } from '../domain/steps/catalogue.ts';

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
  .nullish();

export const RetryBody = z.object({ step: StepIdSchema.nullable().optional() }).strict().nullish();

export const SkipStepBody = z.object({ step: StepIdSchema }).strict();

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

export const CreateTenantBody = z
  .object({
    name: TenantName,
    country_code: z.string().trim().regex(/^[A-Za-z]{2}$/, 'two-letter country code'),
    currency: z.string().trim().regex(/^[A-Za-z]{3}$/, 'three-letter currency code').optional(),
    engine_id: z.string().trim().min(1).max(64).optional(),
    admin_email: z.email().optional(),
    admin_name: z.string().trim().min(1).max(140).optional(),
    admin_password: z.string().min(1).max(200).optional(),
    provisioning: ProvisioningOptions.optional(),
  })
  .strict();

/** The replaced system's body for POST /api/iam/tenants (product.md §5). */
export const LegacyCreateTenantBody = z.object({
  name: TenantName,
  admin_email: z.email().optional(),
  admin_name: z.string().trim().min(1).max(140).optional(),
  admin_password: z.string().min(1).max(200).optional(),
  country_code: z.string().trim().regex(/^[A-Za-z]{2}$/, 'two-letter country code'),
  engine: z.string().trim().min(1).max(64).optional(),
  category: z.string().max(140).optional(),
  description: z.string().max(2000).optional(),
});

export const LoginBody = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(200) }).strict();

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
    role: z.enum(['platform_admin', 'tenant_admin', 'tenant_user']),
    tenant_id: z.uuid().optional(),
  })
  .strict();

export const EngineBody = z
  .object({
    id: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
    kind: z.enum(['erpnext', 'odoo']),
    base_url: z.url({ protocol: /^https?$/ }),
    api_key: z.string().min(1).max(200),
    api_secret: z.string().min(1).max(200),
  })
  .strict();

export const EngineIdParams = z.object({ id: z.string().min(1).max(64) });
