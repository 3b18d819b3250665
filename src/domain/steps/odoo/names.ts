import { StepPreconditionError } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import type { StepContext } from '../step.ts';

/** The context of an Odoo step. */
export type OdooContext = StepContext<OdooPort>;

/** The tenant's company in Odoo, by name and id, which every step after step_2 works in. */
export function requireCompany(ctx: OdooContext): { company: string; companyId: number } {
  const company = ctx.facts.company;
  const companyId = ctx.facts.odoo?.companyId;
  if (!company || !companyId) {
    throw new StepPreconditionError('The tenant has no company in the engine yet', 'step_2_company has not completed: use "Continue" to run it first.');
  }
  return { company, companyId };
}

/**
 * Names of the tenant's records. Odoo scopes warehouses, journals, payment methods, POS configs,
 * products and partners by company_id, so plain names do not collide between tenants; the
 * walk-in customer is found by a `ref` made of the tenant's id, which no operator types by hand.
 */
export const odooNames = {
  posConfig: (company: string) => `${company} POS`,
  walkInCustomer: 'Walk-in Customer',
  walkInRef: (tenantId: string) => `provisioner-walk-in-${tenantId}`,
  posWarehouse: 'POS Store',
};

/** A warehouse code: Char(size=5), unique per company with archived ones (stock_warehouse.py warehouse_code_uniq). */
export function freeWarehouseCode(base: string, taken: readonly string[]): string {
  const used = new Set(taken.map((c) => c.toUpperCase()));
  const stem = base.toUpperCase().slice(0, 5);
  if (!used.has(stem)) return stem;
  for (let i = 2; i < 1000; i++) {
    const candidate = `${stem.slice(0, 5 - String(i).length)}${i}`;
    if (!used.has(candidate)) return candidate;
  }
  throw new StepPreconditionError(`No free warehouse code like "${stem}"`, 'Archive or delete unused warehouses of the company in Odoo, then use "Continue".');
}
