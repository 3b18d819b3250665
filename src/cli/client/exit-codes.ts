import type { ProvisioningStatus } from '../../domain/status.ts';
import { EXIT } from '../shared.ts';

/**
 * Exit codes of the API client commands and of the two scripts (docs/cli.md). 0-3 are the
 * codes every command shares (src/cli/shared.ts); 4-8 say which API answer stopped the command;
 * 10-13 tell a tenant's status (status, monitor, --wait) so that scripts can branch on it.
 */
export const CLIENT_EXIT = {
  ...EXIT,
  /** not logged in, or the API refused the token or the credentials (401) */
  auth: 4,
  /** the token is valid but its user may not do this (403) */
  forbidden: 5,
  /** no such tenant, engine or route (404) */
  notFound: 6,
  /** the operation is not allowed now: INVALID_TRANSITION, RUN_ACTIVE, TENANT_NAME_TAKEN… (409) */
  conflict: 7,
  /** the API did not answer: server down, wrong API_URL, timeout */
  unreachable: 8,
  /** interrupted with Ctrl-C */
  interrupted: 130,
  /** stopped with SIGTERM */
  terminated: 143,
} as const;

export const STATUS_EXIT: Record<ProvisioningStatus, number> = {
  COMPLETED: 0,
  IN_PROGRESS: 10,
  PARTIAL: 11,
  FAILED: 12,
  NOT_STARTED: 13,
};

/** `verify` found drift: the engine differs from what the steps ensure (heal resolves it). */
export const DRIFTED_EXIT = 14;

/** Worst first: a failure needs an operator more than a tenant nobody started, which needs one more than a running one. */
const SEVERITY: ProvisioningStatus[] = ['FAILED', 'PARTIAL', 'NOT_STARTED', 'IN_PROGRESS', 'COMPLETED'];

export function worstStatus(statuses: readonly ProvisioningStatus[]): ProvisioningStatus | null {
  return SEVERITY.find((s) => statuses.includes(s)) ?? null;
}

/** The exit code for a set of tenant statuses: the worst one's; 0 when there is none. */
export function statusExitCode(statuses: readonly ProvisioningStatus[]): number {
  const worst = worstStatus(statuses);
  return worst ? STATUS_EXIT[worst] : CLIENT_EXIT.ok;
}

/** The exit-code table as `--help` shows it. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok (status: COMPLETED, or nothing to report)   1  failure (unexpected, server error)
  2  usage (bad arguments or input refused)         3  configuration (API_URL, credentials file, .env file)
  4  not logged in / token or credentials refused   5  forbidden (403)
  6  not found (404)                                7  conflict (409: not allowed now)
  8  API unreachable                                130 interrupted (Ctrl-C), 143 terminated
  status and monitor (worst tenant): 0 COMPLETED, 10 IN_PROGRESS, 11 PARTIAL, 12 FAILED, 13 NOT_STARTED
  verify: 0 no drift, 14 drifted`;
