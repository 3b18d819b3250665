/**
 * The six errors of the Provisioning Resolution Guide ("Common Issues"), on demand. Each leaves the
 * site in the state in which ERPNext itself answers the guide's error, so the message a client
 * sees is the one the real validations produce (erpnext.md §2, §3, §5, §12):
 *
 *   abbreviation_taken               the next Company insert answers 417 "Abbreviation already used
 *                                    for another company" (validate_abbr losing a race); not applied
 *   mode_of_payment_account_missing  the company's Mode of Payment Account row is removed (default
 *                                    "Cash"), so a POS Profile using it fails (§5)
 *   warehouse_missing                a warehouse is deleted (default "Main Store - ABBR"), so a
 *                                    link to it fails "Could not find Warehouse: ..." (§3, §7.2)
 *   write_off_missing                the company's write_off_account default is cleared and
 *                                    "Write Off - ABBR" deleted when nothing links to it
 *   engine_down                      connections are dropped (issue 5)
 *   engine_updating                  maintenance mode: 503 SessionStopped (bench migrate, §12)
 *
 * The three company scenarios apply at once when `company` is given; without it they are armed
 * and apply to the company of the next POS Profile insert, just before it is validated (the
 * record vanished between two provisioning steps: the guide's symptom at step_8_pos_profile).
 */
import { z } from 'zod';
import { deleteDocument } from './documents.ts';
import { FrappeError, thrownMessage } from './errors.ts';
import { cstr, rows, sameText, type DocContext } from './meta.ts';

import { SCENARIOS, type ScenarioName } from './names.ts';

export { SCENARIOS, type ScenarioName };

export const scenarioSpecSchema = z
  .object({
    name: z.enum(SCENARIOS),
    /** Company scenarios: apply now to this company (else armed for the next POS Profile insert). */
    company: z.string().min(1).optional(),
    /** warehouse_missing: the warehouse's full name (Default: "Main Store - ABBR"). */
    warehouse: z.string().min(1).optional(),
    /** mode_of_payment_account_missing: the mode (Default: "Cash"). */
    mode_of_payment: z.string().min(1).optional(),
    /** engine_down / engine_updating: false ends it (Default: true). */
    active: z.boolean().optional(),
    /** abbreviation_taken and armed scenarios: how many inserts it affects (Default: 1). */
    count: z.number().int().min(1).optional(),
  })
  .strict();
export type ScenarioSpec = z.input<typeof scenarioSpecSchema>;

/** The company scenarios, which change documents. */
export type DataScenario = 'mode_of_payment_account_missing' | 'warehouse_missing' | 'write_off_missing';
export const isDataScenario = (name: ScenarioName): name is DataScenario =>
  name === 'mode_of_payment_account_missing' || name === 'warehouse_missing' || name === 'write_off_missing';

/** A scenario that cannot apply (unknown company, warehouse or mode): a control API 400. */
export class ScenarioError extends Error {}

/** validate_abbr's error [V company.py], as the losing side of a race receives it. */
export function abbreviationTakenError(): FrappeError {
  const message = 'Abbreviation already used for another company';
  return new FrappeError('ValidationError', message, [thrownMessage(message)]);
}

/** `engine_updating`: init_request raises SessionStopped("Session Stopped") in maintenance mode [V frappe app.py]. */
export function sessionStoppedError(): FrappeError {
  return new FrappeError('SessionStopped', 'Session Stopped');
}

/** What the maintenance page says to a browser (frappe utils/response.py handle_session_stopped [V]). */
export const UPDATING_MESSAGE = 'The system is being updated. Please refresh again after a few moments.';

function companyOf(ctx: DocContext, company: string) {
  const doc = ctx.tx.get('Company', company);
  if (!doc) throw new ScenarioError(`Company ${company} not found`);
  return doc;
}

/** Removes the company's account row from a Mode of Payment; returns what it did. */
export function removeModeOfPaymentAccount(ctx: DocContext, company: string, mode = 'Cash'): string {
  const c = companyOf(ctx, company);
  const mop = ctx.tx.get('Mode of Payment', mode);
  if (!mop) throw new ScenarioError(`Mode of Payment ${mode} not found`);
  const kept = rows(mop, 'accounts').filter((r) => !sameText(r.company, c.name));
  ctx.tx.put({ ...mop, accounts: kept.map((r, i) => ({ ...r, idx: i + 1 })) });
  return `removed the ${c.name} row of Mode of Payment ${mop.name}`;
}

/** Deletes a warehouse as an operator would by hand (no link checks). */
export function removeWarehouse(ctx: DocContext, company: string | undefined, warehouse: string | undefined): string {
  const name = warehouse ?? `Main Store - ${cstr(companyOf(ctx, company ?? '').abbr)}`;
  if (!ctx.tx.get('Warehouse', name)) throw new ScenarioError(`Warehouse ${name} not found`);
  ctx.tx.remove('Warehouse', ctx.tx.get('Warehouse', name)!.name);
  return `deleted Warehouse ${name}`;
}

/**
 * Clears Company.write_off_account; `deleteAccount` then deletes "Write Off - ABBR" through
 * Frappe's delete (refused while a document links to it) in its own transaction.
 */
export function clearWriteOffDefault(ctx: DocContext, company: string): { company: string; account: string } {
  const c = companyOf(ctx, company);
  ctx.tx.put({ ...c, write_off_account: null });
  return { company: c.name, account: `Write Off - ${cstr(c.abbr)}` };
}

export function deleteIfUnused(ctx: DocContext, doctype: string, name: string): void {
  if (ctx.tx.get(doctype, name)) deleteDocument(ctx, doctype, name);
}
