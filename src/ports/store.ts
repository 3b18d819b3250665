import type { StepId } from '../domain/steps/catalogue.ts';
import type { RunKind } from '../domain/plan.ts';
import type { SkipReason, StepStatus } from '../domain/status.ts';
import type { EngineFacts, RunConfig, TenantProfile } from '../domain/steps/step.ts';
import type { EngineKind } from './engine.ts';

export const ROLES = ['platform_admin', 'platform_viewer', 'tenant_admin', 'tenant_user'] as const;
/** platform_admin: everything; platform_viewer: reads every tenant, operates nothing; tenant roles: their tenant. */
export type Role = (typeof ROLES)[number];

/** The roles that have no tenant and see every tenant. */
export const PLATFORM_ROLES: readonly Role[] = ['platform_admin', 'platform_viewer'];
export const isPlatformRole = (role: Role): boolean => PLATFORM_ROLES.includes(role);

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  tenantId: string | null;
  passwordHash: string;
  /** The "ver" claim tokens must carry; bumped whenever the user's tokens are revoked. */
  tokenVersion: number;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
}

/** What every request checks its token against (one primary-key read). */
export interface TokenState {
  id: string;
  email: string;
  role: Role;
  tenantId: string | null;
  tokenVersion: number;
  disabled: boolean;
}

/** One line of the audit log: who did what to which target. Details hold no secret. */
export interface AuditEntry {
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: 'tenant' | 'user' | 'engine' | 'webhook';
  targetId: string | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: number;
  at: Date;
}

export interface EngineCredentials {
  apiKey: string;
  apiSecret: string;
}

export interface EngineRecord {
  id: string;
  kind: EngineKind;
  baseUrl: string;
  /** An API key is stored (the API says so, never what it is). */
  apiKeySet: boolean;
  /**
   * The API key and secret (ERPNext: key and secret; Odoo: the API key of `login`, and an empty
   * secret), decrypted when asked (they are encrypted at rest, src/adapters/engine-secrets.ts). A
   * function, so that no log line or JSON of a record can carry them. Throws a typed error naming
   * the engine when this process's keys do not open them (ENGINE_SECRETS_UNREADABLE, ENCRYPTION_KEY_MISSING).
   */
  credentials(): EngineCredentials;
  /** Odoo: the database; null for ERPNext. */
  database: string | null;
  /** Odoo: the user's login; null for ERPNext. */
  login: string | null;
  createdAt: Date;
}

export interface TenantRecord extends TenantProfile {
  engineId: string;
  adminEmail: string | null;
  config: RunConfig;
  engineFacts: EngineFacts;
  note: string | null;
  createdAt: Date;
}

/** What the last verification of a tenant found (issue 16 item 2): drift, as last seen in the engine. */
export interface DriftRecord {
  /** The last verification that finished: an API or sweep verify, or the final validation of a run that completed. */
  verifiedAt: Date | null;
  /** Since when the engine differs; null: it did not at verifiedAt. */
  driftedAt: Date | null;
  /** The first step whose records differ: where heal starts. */
  firstStep: StepId | null;
  findings: Array<{ step: StepId; doctype: string | null; record: string | null; problem: string }>;
}

/** Events a webhook may ask for; `ping` is only sent by "webhooks test". */
export const WEBHOOK_EVENTS = ['run.completed', 'run.failed', 'run.partial', 'tenant.drifted'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEvent[];
  /** What deliveries are signed with (sealed); never shown by the API. */
  secret: string;
  /** false: no deliveries are written or sent until it is enabled again. */
  enabled: boolean;
  /** The secret before the last change (sealed), also signed with until `previousSecretUntil`. */
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  createdBy: string | null;
  createdAt: Date;
}

export interface WebhookDeliveryRecord {
  id: string;
  webhookId: string;
  event: WebhookEvent | 'ping';
  eventId: number | null;
  tenantId: string | null;
  runId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  givenUpAt: Date | null;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'partial' | 'failed';

export interface RunRecord {
  id: string;
  tenantId: string;
  kind: RunKind;
  status: RunStatus;
  plan: StepId[];
  config: RunConfig;
  idempotencyKey: string | null;
  requestedBy: string | null;
  lockedBy: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface StepRecord {
  tenantId: string;
  id: StepId;
  ordinal: number;
  status: StepStatus;
  skipReason: SkipReason | null;
  attempts: number;
  runId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  message: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  errorHint: string | null;
}

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

export interface NewEvent {
  tenantId: string;
  runId?: string | null;
  stepId?: StepId | null;
  attempt?: number | null;
  type: string;
  level: EventLevel;
  status?: string | null;
  message: string;
  code?: string | null;
  hint?: string | null;
  error?: string | null;
  durationMs?: number | null;
  engine?: { method: string; path: string; status: number | null; ms: number } | null;
}

export interface EventRecord extends Required<Omit<NewEvent, 'engine'>> {
  id: number;
  engine: NewEvent['engine'];
  createdAt: Date;
}

export interface StepFailure {
  code: string;
  message: string;
  hint: string;
}

/** Where a page of a list ends: the (created_at, id) of its last row, created_at to the microsecond. */
export interface PageKey {
  createdAt: string;
  id: string;
}

/** Rows in (created_at, id) order after a key, each with its own key; `more`: rows follow the last one. */
export interface Page<T> {
  items: T[];
  keys: PageKey[];
  more: boolean;
}
