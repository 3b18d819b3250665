import {
  EngineAuthError,
  EngineConflictError,
  EngineDuplicateError,
  EngineInternalError,
  EngineNotFoundError,
  EngineUnavailableError,
  EngineValidationError,
  type ProvisionerError,
} from '../../domain/errors.ts';

/**
 * `error` of a JSON-RPC answer: HTTP 200, `{code: 200, message: "Odoo Server Error", data}` where
 * `data` is `serialize_exception` (odoo.md A.2; odoo/http.py `JsonRPCDispatcher.handle_error`,
 * `serialize_exception`: `name` is `module.Class`, `debug` the formatted traceback).
 */
export interface OdooRpcErrorBody {
  code?: number;
  message?: string;
  data?: {
    name?: string;
    message?: string;
    arguments?: unknown[];
    context?: Record<string, unknown>;
    debug?: string;
  };
}

export const ODOO_AUTH_HINT =
  'Verify the Odoo database, login and API key in the engine settings (an API key of an active user with Settings rights: Preferences → Account Security → New API Key), then use "Continue".';
const ODOO_RIGHTS_HINT = 'The Odoo user lacks an access right or the record belongs to a company it cannot reach. Give the user the Administration/Settings group and the company, then use "Continue".';
const ODOO_REFUSED_HINT = 'Odoo refused the change (a business rule). Fix the record in Odoo, then use "Continue".';

const exceptionClass = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/**
 * A unique constraint hit. Odoo 17 catches the psycopg2 IntegrityError in `retrying()` and raises
 * `_as_validation_error(env, exc) from exc` (odoo/service/model.py lines 71-114, 151-152): a
 * ValidationError "The operation cannot be completed: <constraint message>", whose `debug`
 * traceback still shows the cause `psycopg2.errors.UniqueViolation` (traceback.format_exc prints
 * the chain). NOT NULL and foreign-key violations are ValidationErrors too, with other causes.
 * Outside `retrying()` the psycopg2 error itself may come through (`name` psycopg2.errors.UniqueViolation).
 */
export function isUniqueViolation(data: OdooRpcErrorBody['data']): boolean {
  const name = data?.name ?? '';
  if (/UniqueViolation$/.test(name)) return true;
  if (/IntegrityError$/.test(name)) return /duplicate key value|unique/i.test(data?.message ?? '');
  return /psycopg2\.errors\.UniqueViolation|duplicate key value violates unique constraint/.test(data?.debug ?? '');
}

/** PG concurrency errors Odoo already retried 5 times (model.py `PG_CONCURRENCY_ERRORS_TO_RETRY`). */
const CONCURRENCY = /SerializationFailure|LockNotAvailable|DeadlockDetected|could not serialize access|deadlock detected|could not obtain lock/;

/**
 * Turns a JSON-RPC `error` into a typed engine error, sorted on `error.data.name` (odoo.md A.2):
 * AccessDenied or a database that does not exist → ENGINE_AUTH_FAILED; AccessError → ENGINE_PERMISSION; MissingError →
 * ENGINE_NOT_FOUND; a unique violation → ENGINE_DUPLICATE (the caller finds and adopts the
 * record); UserError/ValidationError → ENGINE_VALIDATION; psycopg2 concurrency errors →
 * ENGINE_CONFLICT and other OperationalErrors → ENGINE_UNAVAILABLE (both transient); anything else
 * (a KeyError, a TypeError: a bug or a wrong call) → ENGINE_ERROR. `what` names the call, never
 * its arguments (they hold the API key).
 */
export function odooError(error: OdooRpcErrorBody, what: string): ProvisionerError {
  const name = error.data?.name ?? '';
  const cls = exceptionClass(name);
  const message = (error.data?.message || error.message || 'Odoo Server Error').trim();
  const detail = `${what}: ${message}`;
  // code 100 "Odoo Session Expired", code 404 "404: Not Found" (odoo/http.py handle_error)
  if (error.code === 100) return new EngineAuthError(`${what}: session expired`, ODOO_AUTH_HINT);
  if (cls === 'AccessDenied') return new EngineAuthError(detail, ODOO_AUTH_HINT);
  if (cls === 'AccessError') return new EngineValidationError(name, detail, 200, ODOO_RIGHTS_HINT, 'ENGINE_PERMISSION');
  if (cls === 'MissingError' || error.code === 404) return new EngineNotFoundError(detail);
  if (isUniqueViolation(error.data)) return new EngineDuplicateError(detail);
  if (CONCURRENCY.test(name) || (name.startsWith('psycopg2') && CONCURRENCY.test(message))) return new EngineConflictError(detail);
  // a database name Odoo does not have: its registry cannot connect (seen on Odoo 17); a setting to fix, not an outage
  if (name.startsWith('psycopg2') && /database ".*" does not exist/.test(message)) return new EngineAuthError(detail, ODOO_AUTH_HINT);
  if (name.startsWith('psycopg2') && /OperationalError$/.test(name)) return new EngineUnavailableError(`${what}: database error (${message})`);
  if (['UserError', 'ValidationError', 'RedirectWarning'].includes(cls) || name === 'odoo.exceptions.except_orm') {
    return new EngineValidationError(name, detail, 200, ODOO_REFUSED_HINT);
  }
  return new EngineInternalError(`${what} failed with ${name || 'an unnamed error'}: ${message}`);
}
