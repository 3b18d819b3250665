/** Error codes of a request that never reached the engine or lost its connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ETIMEDOUT']);

/**
 * The network cause of a failed fetch (undici nests it under `cause`), or undefined when the
 * failure is something else. One rule for every engine client (Frappe's and Odoo's).
 */
export function networkCause(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return e instanceof TypeError && /fetch failed/i.test(e.message) ? 'connection failed' : undefined;
}

/** A connection closed under a request before any answer (see `exchange` in engine-fetch.ts). */
export const isConnectionClosed = (cause: string | undefined): boolean => cause === 'UND_ERR_SOCKET' || cause === 'ECONNRESET' || cause === 'EPIPE';
