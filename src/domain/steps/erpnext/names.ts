import { StepPreconditionError } from '../../errors.ts';
import type { StepContext } from '../step.ts';
import type { ErpnextPort } from '../../../ports/erpnext.ts';

/** The context of an ERPNext step. */
export type ErpnextContext = StepContext<ErpnextPort>;

/** The company and its abbreviation, which every step after step_2 builds names from. */
export function requireCompany(ctx: ErpnextContext): { company: string; abbr: string } {
  const { company, abbr } = ctx.facts;
  if (!company || !abbr) {
    throw new StepPreconditionError('The tenant has no company in the engine yet', 'step_2_company has not completed: use "Continue" to run it first.');
  }
  return { company, abbr };
}

/** ERPNext's get_name_with_abbr: "<name> - ABBR" (erpnext.md §2). */
export function withAbbr(name: string, abbr: string): string {
  return name.toUpperCase().endsWith(` - ${abbr.toUpperCase()}`) ? name : `${name} - ${abbr}`;
}

/** The inverse of withAbbr: "Main Store - ABC" → "Main Store". */
export function stripAbbr(name: string, abbr: string): string {
  const suffix = ` - ${abbr}`;
  return name.toUpperCase().endsWith(suffix.toUpperCase()) ? name.slice(0, -suffix.length) : name;
}

/** The names a tenant's records get in a shared engine (site-wide names made unique per tenant). */
export const tenantNames = {
  posProfile: (company: string) => `${company} POS`,
  walkInCustomer: (abbr: string) => `Walk-in Customer - ${abbr}`,
  itemCode: (abbr: string, code: string) => `${abbr}-${code}`,
};
