import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { type Step } from '../step.ts';
import { requireCompany, tenantNames } from './names.ts';

/**
 * step_7_customer: the tenant's walk-in customer. ERPNext does not refuse a second customer
 * with the same name, it renames it "<name> - 1" (erpnext.md §8), so the lookup comes first.
 */
export const customer: Step<ErpnextPort> = {
  id: 'step_7_customer',
  async run(ctx) {
    const { abbr } = requireCompany(ctx);
    const customerName = tenantNames.walkInCustomer(abbr);
    const existing = await ctx.engine.findCustomer(customerName);
    if (existing) return { outcome: 'completed', message: `Customer "${existing.name}" exists`, facts: { customer: existing.name } };
    const created = await ctx.engine.createCustomer({ customerName, customerGroup: 'Individual', territory: ctx.tenant.country });
    return { outcome: 'completed', message: `Customer "${created.name}" created`, facts: { customer: created.name } };
  },
};
