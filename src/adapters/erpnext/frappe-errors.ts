import {
  EngineAuthError,
  EngineConflictError,
  EngineDuplicateError,
  EngineInternalError,
  EngineNotFoundError,
  EnginePermissionError,
  EngineRateLimitedError,
  EngineUnavailableError,
  EngineUpdatingError,
  EngineValidationError,
  type ProvisionerError,
} from '../../domain/errors.ts';

/** The JSON body of a Frappe error (erpnext.md §1.3). */
export interface FrappeErrorBody {
  exc_type?: string;
  exception?: string;
  exc?: string;
  _server_messages?: string;
  _error_message?: string;
  message?: unknown;
}

const stripHtml = (s: string) => s.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();

/**
 * The human messages of a Frappe error. `_server_messages` is double-encoded: a JSON list
 * whose items are JSON strings of `{message, title, indicator, ...}`.
 */
export function frappeMessages(body: FrappeErrorBody): string[] {
  const out: string[] = [];
  if (typeof body._server_messages === 'string') {
    try {
      const outer: unknown = JSON.parse(body._server_messages);
      if (Array.isArray(outer)) {
        for (const item of outer) {
          try {
            const inner: unknown = typeof item === 'string' ? JSON.parse(item) : item;
            const msg = inner && typeof inner === 'object' && 'message' in inner ? String((inner as { message: unknown }).message) : String(inner);
            if (msg) out.push(stripHtml(msg));
          } catch {
            out.push(stripHtml(String(item)));
          }
        }
      }
    } catch {
      /* not JSON: fall back to `exception` below */
    }
  }
  if (out.length === 0 && typeof body._error_message === 'string') out.push(stripHtml(body._error_message));
  if (out.length === 0 && typeof body.exception === 'string') out.push(stripHtml(body.exception.replace(/^[\w.]+:\s*/, '')));
  if (out.length === 0 && typeof body.message === 'string') out.push(stripHtml(body.message));
  return out;
}

/** Seconds or an HTTP date, as in a Retry-After header; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Turns an HTTP error answer of a Frappe site into a typed engine error. */
export function frappeError(status: number, body: FrappeErrorBody | null, what: string, retryAfter: string | null): ProvisionerError {
  const excType = body?.exc_type ?? '';
  const message = (body && frappeMessages(body).join('; ')) || `${what} answered HTTP ${status}`;
  // MariaDB 1213 deadlock / 1205 lock wait timeout: the request was rolled back whole
  if (excType === 'QueryDeadlockError' || excType === 'QueryTimeoutError') return new EngineConflictError(`${what}: ${message}`);
  if (status === 401) return new EngineAuthError(`${what}: ${message}`);
  if (status === 403) return new EnginePermissionError(`${what}: ${message}`);
  if (status === 404) return new EngineNotFoundError(message);
  if (status === 409) return new EngineDuplicateError(message);
  if (status === 429) return new EngineRateLimitedError(parseRetryAfter(retryAfter));
  if (status === 503 && (excType === 'SessionStopped' || /being updated/i.test(message))) return new EngineUpdatingError(message, parseRetryAfter(retryAfter));
  if (status === 502 || status === 503 || status === 504) return new EngineUnavailableError(`HTTP ${status} from ${what}`, { retryAfterMs: parseRetryAfter(retryAfter) });
  if (status >= 400 && status < 500) return new EngineValidationError(excType || 'ValidationError', message, status);
  return new EngineInternalError(`${what} failed with HTTP ${status}${excType ? ` ${excType}` : ''}: ${message}`);
}
