/** How transient engine errors are retried inside a step (product.md §4). */
export interface RetryPolicy {
  /** Attempts of one step in one run, the first included. (Default: 5) */
  maxAttempts: number;
  /** Delay before the second attempt; doubles each time. (Default: 250 ms) */
  baseDelayMs: number;
  /** Longest delay between attempts, Retry-After included. (Default: 10000 ms) */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 };

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
