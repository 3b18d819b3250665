/**
 * Auto-continue (issue 12): a run that ended FAILED or PARTIAL for a cause that passes by
 * itself is continued without an operator once its engine answers again. Pure rules; the
 * AutoContinuer (src/runner/auto-continuer.ts) applies them.
 */

/**
 * Causes that pass by themselves: the engine was down, slow, updating or rate-limiting, or our
 * own database was. Every other cause (validation, authentication, not ERPNext, a conflict the
 * healing could not resolve) needs a person, and is never continued automatically.
 */
export const TRANSIENT_CAUSES = ['ENGINE_UNAVAILABLE', 'ENGINE_TIMEOUT', 'ENGINE_UPDATING', 'ENGINE_RATE_LIMITED', 'DATABASE_UNAVAILABLE'] as const;

export interface AutoContinuePolicy {
  /** Off = never continue automatically (an operator presses Continue). */
  enabled: boolean;
  /** Automatic continues per tenant in any 24 hours; then it waits for an operator. */
  maxPerDay: number;
  /** Wait after the run ended before the first automatic continue; doubles with each one of the day. */
  backoffMs: number;
  /** Longest wait between automatic continues. */
  maxBackoffMs: number;
}

/** Five tries a day, 30 s after the failure, then 1, 2, 4, 8 min: an engine restart or an update is ridden out, a long outage is not hammered. */
export const DEFAULT_AUTO_CONTINUE_POLICY: AutoContinuePolicy = { enabled: true, maxPerDay: 5, backoffMs: 30_000, maxBackoffMs: 15 * 60_000 };

export const isTransientCause = (code: string | null): boolean => code !== null && (TRANSIENT_CAUSES as readonly string[]).includes(code);

/**
 * A tenant whose latest run ended FAILED or PARTIAL, as the store finds it; or one whose
 * automatic start was refused at creation (no run: `runId` null, `finishedAt` the refusal).
 */
export interface SettledRun {
  tenantId: string;
  runId: string | null;
  engineId: string;
  finishedAt: Date;
  /** The first failed step of the run and its error code. */
  failedStep: string | null;
  cause: string | null;
  /** The tenant's own switch (provisioning option auto_continue). */
  tenantAllows: boolean;
  /** Automatic continues of the tenant in the last 24 hours. */
  continuesToday: number;
}

export type AutoContinueDecision =
  | { action: 'continue'; attempt: number }
  | { action: 'wait'; until: Date }
  | { action: 'exhausted' }
  | { action: 'never'; reason: 'disabled' | 'tenant_opted_out' | 'permanent_cause' };

/** The wait before the n-th automatic continue of the day (n from 1). */
export function autoContinueDelayMs(policy: AutoContinuePolicy, n: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, n - 1));
}

/** What to do with a settled run now; the engine's health is checked only for 'continue'. */
export function decideAutoContinue(policy: AutoContinuePolicy, run: SettledRun, now: Date): AutoContinueDecision {
  if (!policy.enabled) return { action: 'never', reason: 'disabled' };
  if (!run.tenantAllows) return { action: 'never', reason: 'tenant_opted_out' };
  if (!isTransientCause(run.cause)) return { action: 'never', reason: 'permanent_cause' };
  if (run.continuesToday >= policy.maxPerDay) return { action: 'exhausted' };
  const attempt = run.continuesToday + 1;
  const due = new Date(run.finishedAt.getTime() + autoContinueDelayMs(policy, attempt));
  return due <= now ? { action: 'continue', attempt } : { action: 'wait', until: due };
}
