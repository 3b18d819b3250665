/** How transient engine errors are retried inside a step (product.md §4). */
export interface RetryPolicy {
  /** Attempts of one step in one run, the first included. (Default: 8) */
  maxAttempts: number;
  /** Delay before the second attempt; doubles each time. (Default: 500 ms) */
  baseDelayMs: number;
  /** Longest delay between attempts, Retry-After included. (Default: 15000 ms) */
  maxDelayMs: number;
}

/**
 * Patient enough to ride out an engine's restart (a real ERPNext's web server takes 5–10 s to
 * stop and start again): the waits add up to 23–45 s before a step gives up.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 15_000 };

/**
 * Exponential backoff with "equal jitter" (half fixed, half random) so that many tenants
 * failing together do not retry in lockstep; an engine's Retry-After wins when longer.
 * `attempt` is the attempt that just failed (1 = first). `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + (exp / 2) * random;
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)));
}
