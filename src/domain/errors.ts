/**
 * The error family. Every error an operator can see carries a stable `code` and a `hint`
 * (what happened and which action resolves it). Engine errors also say whether they are
 * transient, i.e. worth retrying inside the step.
 */
export class ProvisionerError extends Error {
  readonly code: string;
  readonly hint: string;
  /** Retrying the same call later may succeed (network, timeouts, 429, 502-504). */
  readonly transient: boolean;
  /** HTTP status when the error reaches the API edge. */
  readonly httpStatus: number;
  /** How long the engine asked us to wait before trying again (Retry-After), when it did. */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, hint: string, opts: { transient?: boolean; httpStatus?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
    this.transient = opts.transient ?? false;
    this.httpStatus = opts.httpStatus ?? 500;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function isProvisionerError(e: unknown): e is ProvisionerError {
  return e instanceof ProvisionerError;
}

// ---- engine errors -------------------------------------------------------------------------

const FIX_ENGINE_THEN_CONTINUE = 'Fix the engine, then use "Continue" (POST /api/provisioning/tenants/{id}/continue).';

/** The engine could not be reached (refused, reset, DNS) or answered 502/503/504. */
export class EngineUnavailableError extends ProvisionerError {
  constructor(cause: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super('ENGINE_UNAVAILABLE', `Engine unavailable: ${cause}`, `The engine is unreachable or failing; it is retried automatically. If it persists, verify it is running and reachable from Provisioner, then use "Continue".`, { transient: true, httpStatus: 503, retryAfterMs: opts.retryAfterMs, cause: opts.cause });
  }
}

/** The site answers 503 SessionStopped while `bench migrate` runs (erpnext.md §12). */
export class EngineUpdatingError extends ProvisionerError {
  constructor(detail: string, retryAfterMs?: number) {
    super('ENGINE_UPDATING', `Engine unavailable: the site is being updated (${detail})`, 'The ERPNext site is migrating; it is retried automatically. Wait for the update to finish, then use "Continue".', { transient: true, httpStatus: 503, retryAfterMs });
  }
}

export class EngineTimeoutError extends ProvisionerError {
  constructor(what: string, ms: number) {
    super('ENGINE_TIMEOUT', `Engine did not answer ${what} within ${ms} ms`, `The engine is slow or overloaded; the step is retried automatically. If it persists, check the engine's load, then use "Continue".`, { transient: true, httpStatus: 504 });
  }
}

export class EngineRateLimitedError extends ProvisionerError {
  constructor(retryAfterMs: number | undefined) {
    super('ENGINE_RATE_LIMITED', 'Engine rejected the request: too many requests (429)', 'The engine limits request rates; the step is retried automatically after the delay it asks for.', { transient: true, httpStatus: 503, retryAfterMs });
  }
}

/**
 * The engine refused a write because of a concurrent one, and rolled it back whole: a MariaDB
 * deadlock or lock wait timeout (Frappe's QueryDeadlockError / QueryTimeoutError, HTTP 500), or a
 * record another request was creating at the same moment. Seen on a real ERPNext 15 site when
 * several companies are created at once (erpnext.md §15). Trying again later succeeds.
 */
export class EngineConflictError extends ProvisionerError {
  constructor(detail: string) {
    super('ENGINE_CONFLICT', `Engine refused the change because of a concurrent one: ${detail}`, 'Several changes met in the engine at the same moment; the step is retried automatically. If it persists, lower ENGINE_MAX_CONCURRENCY, then use "Continue".', { transient: true, httpStatus: 503 });
  }
}

export class EngineAuthError extends ProvisionerError {
  /** `hint` names the credentials of the engine kind. (Default: ERPNext's token KEY:SECRET) */
  constructor(detail: string, hint = 'Verify the engine API key and secret in the engine settings (token KEY:SECRET of an enabled user), then use "Continue".') {
    super('ENGINE_AUTH_FAILED', `Engine rejected the credentials (${detail})`, hint, { httpStatus: 502 });
  }
}

export class EngineNotErpnextError extends ProvisionerError {
  constructor(detail: string) {
    super('ENGINE_NOT_ERPNEXT', `Not an ERPNext site (${detail})`, 'The engine URL does not point at a Frappe site with the ERPNext app installed. Fix the engine URL, then use "Continue".', { httpStatus: 502 });
  }
}

export class EngineNotOdooError extends ProvisionerError {
  constructor(detail: string) {
    super('ENGINE_NOT_ODOO', `Not an Odoo database with Point of Sale (${detail})`, 'The engine URL, database or modules are wrong: it must be an Odoo 17 database with point_of_sale installed. Fix the engine settings or install the module, then use "Continue".', { httpStatus: 502 });
  }
}

/** The engine refused a document: a validation rule, a missing link, a mandatory field. Not transient. */
export class EngineValidationError extends ProvisionerError {
  constructor(
    readonly excType: string,
    message: string,
    readonly engineStatus: number,
    hint = `The engine rejected the change. ${FIX_ENGINE_THEN_CONTINUE}`,
    code = 'ENGINE_VALIDATION',
  ) {
    super(code, message, hint, { httpStatus: 502 });
  }
}

/** A document with this name already exists (HTTP 409 DuplicateEntryError). */
export class EngineDuplicateError extends EngineValidationError {
  constructor(message: string) {
    super('DuplicateEntryError', message, 409, 'The record already exists in the engine; "Continue" adopts it.', 'ENGINE_DUPLICATE');
  }
}

export class EngineNotFoundError extends EngineValidationError {
  constructor(message: string) {
    super('DoesNotExistError', message, 404, `A record the step needs is missing in the engine. ${FIX_ENGINE_THEN_CONTINUE}`, 'ENGINE_NOT_FOUND');
  }
}

export class EnginePermissionError extends EngineValidationError {
  constructor(message: string) {
    super('PermissionError', message, 403, 'The engine user lacks a permission the step needs. Grant it (System Manager), then use "Continue".', 'ENGINE_PERMISSION');
  }
}

/** Anything else the engine answered with (500s from a bug, unparsable answers). */
export class EngineInternalError extends ProvisionerError {
  constructor(message: string) {
    super('ENGINE_ERROR', message, `The engine failed unexpectedly. Check the engine's error log, then use "Continue".`, { httpStatus: 502 });
  }
}

// ---- step outcomes -------------------------------------------------------------------------

export class AbbreviationExhaustedError extends ProvisionerError {
  constructor(companyName: string, tried: readonly string[]) {
    super('ABBREVIATION_EXHAUSTED', `Abbreviation already used for another company: every candidate for "${companyName}" is taken (${tried.join(', ')})`, 'Rename the tenant or free an abbreviation in the engine, then use "Continue".', { httpStatus: 409 });
  }
}

export class StepPreconditionError extends ProvisionerError {
  constructor(message: string, hint: string) {
    super('STEP_PRECONDITION', message, hint, { httpStatus: 409 });
  }
}

/** One thing final validation found wrong, with the step that ensures that record. */
export interface VerificationProblem {
  step: string;
  doctype: string | null;
  record: string | null;
  problem: string;
}

export class VerificationError extends ProvisionerError {
  constructor(
    message: string,
    /** What was found, each with the step whose record it is (verify reports them, heal starts at the first). */
    readonly problems: readonly VerificationProblem[] = [],
  ) {
    super('VERIFICATION_FAILED', message, 'A record the earlier steps made is missing or wrong in the engine. Use "Retry" to recreate it.', { httpStatus: 409 });
  }
}

// ---- operations ----------------------------------------------------------------------------

export class InvalidTransitionError extends ProvisionerError {
  constructor(operation: string, status: string, allowed: readonly string[]) {
    super('INVALID_TRANSITION', `Cannot ${operation} a tenant whose status is ${status}`, `${operation} is allowed when the status is ${allowed.join(' or ')}. Check the status first.`, { httpStatus: 409 });
  }
}

export class RunConflictError extends ProvisionerError {
  constructor(readonly activeRunId: string) {
    super('RUN_ACTIVE', `A provisioning run is already active for this tenant (run ${activeRunId})`, 'Wait for the active run to finish (monitor it), then act again.', { httpStatus: 409 });
  }
}

/** Another run was created (and maybe finished) while this request was deciding. */
export class StateChangedError extends ProvisionerError {
  constructor(latestRunId: string | null) {
    super('STATE_CHANGED', `The tenant's provisioning changed while the request was processed${latestRunId ? ` (run ${latestRunId})` : ''}`, 'Check the status again, then choose the action.', { httpStatus: 409 });
  }
}

export class StepNotSkippableError extends ProvisionerError {
  constructor(step: string) {
    super('STEP_NOT_SKIPPABLE', `Step ${step} cannot be skipped`, 'Only optional steps (step_6_items, step_9_pos_session) can be skipped.', { httpStatus: 400 });
  }
}

/** The run was interrupted (shutdown); the step is handed back and resumes on the next claim. */
export class RunInterruptedError extends ProvisionerError {
  constructor() {
    super('RUN_INTERRUPTED', 'The worker stopped while the step was running', 'The run resumes automatically at this step.', { transient: true, httpStatus: 503 });
  }
}

/**
 * step_0's failure: "Engine health check failed: <cause>" (product.md §2), keeping the cause's
 * code, hint and transience so the runner retries what is worth retrying.
 */
export class EngineHealthCheckError extends ProvisionerError {
  constructor(readonly causeError: ProvisionerError) {
    super(causeError.code, `Engine health check failed: ${causeError.message.replace(/^Engine unavailable: /, '')}`, causeError.hint, {
      transient: causeError.transient,
      httpStatus: 503,
      retryAfterMs: causeError.retryAfterMs,
      cause: causeError,
    });
  }
}

// ---- database errors -----------------------------------------------------------------------

/**
 * PostgreSQL unreachable, restarting or out of connections: connection errors, SQLSTATE classes
 * 08 (connection exception) and 53 (insufficient resources: 53300 too many clients), 57P01-03
 * (shutdown, cannot connect now). A matter of waiting, never of the request.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  const c = typeof code === 'string' ? code : '';
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(c) || /^(08|53)[0-9A-Z]{3}$/.test(c) || /Connection terminated|timeout exceeded when trying to connect/i.test(String(message));
}

export class DatabaseUnavailableError extends ProvisionerError {
  constructor(cause?: unknown) {
    super('DATABASE_UNAVAILABLE', 'The database is unreachable, restarting or out of connections', 'Retry in a few seconds; nothing was lost. If it persists, check PostgreSQL (and max_connections against every process\'s DATABASE_POOL_MAX).', { transient: true, httpStatus: 503, cause });
  }
}

/** Convert anything thrown into a ProvisionerError so it can be stored with a code and a hint. */
export function toProvisionerError(e: unknown): ProvisionerError {
  if (e instanceof ProvisionerError) return e;
  if (isDatabaseUnavailable(e)) return new DatabaseUnavailableError(e);
  const message = e instanceof Error ? e.message : String(e);
  return new ProvisionerError('INTERNAL', message, 'An unexpected error. Check the server logs; "Continue" resumes at this step.', { httpStatus: 500, cause: e });
}

// ---- requests ------------------------------------------------------------------------------

/** Input that passed the schema but breaks a rule (400). */
export class InvalidInputError extends ProvisionerError {
  constructor(code: string, message: string, hint: string) {
    super(code, message, hint, { httpStatus: 400 });
  }
}

/** Something with the same identity exists already (409). */
export class AlreadyExistsError extends ProvisionerError {
  constructor(code: string, message: string, hint: string) {
    super(code, message, hint, { httpStatus: 409 });
  }
}
