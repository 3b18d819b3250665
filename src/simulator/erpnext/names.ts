/**
 * The names `provisioner simulator` checks its options against, in a module that imports
 * nothing: the command line loads the simulator itself (zod, the doctypes) only when the
 * command runs, so `provisioner --version` and the client commands start without it.
 */

/** The guide's six errors, on demand (scenarios.ts). */
export const SCENARIOS = [
  'abbreviation_taken',
  'mode_of_payment_account_missing',
  'warehouse_missing',
  'write_off_missing',
  'engine_down',
  'engine_updating',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Statuses a rate of errors may use: what a loaded Frappe site or its proxy answers (faults.ts). */
export const RATE_ERROR_STATUSES = [429, 500, 502, 503] as const;
