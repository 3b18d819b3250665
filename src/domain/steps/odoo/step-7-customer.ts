import type { OdooPort } from '../../../ports/odoo.ts';
import { createOrAdopt } from '../ensures.ts';
import type { Step } from '../step.ts';
import { odooNames, requireCompany } from './names.ts';

/**
 * step_7_customer (Odoo): the tenant's walk-in customer, a res.partner of its company with
 * customer_rank 1, found by its `ref` (odoo.md A.3 step_7): partners' names are not unique.
 */
export const customer: Step<OdooPort> = {
  id: 'step_7_customer',
  async run(ctx) {
    const { companyId } = requireCompany(ctx);
    const ref = odooNames.walkInRef(ctx.tenant.id);
    const existing = await ctx.engine.findPartnerByRef(companyId, ref);
    const id =
      existing?.id ??
      (await createOrAdopt(
        () => ctx.engine.createCustomer(companyId, { name: odooNames.walkInCustomer, ref }),
        async () => (await ctx.engine.findPartnerByRef(companyId, ref))?.id ?? null,
      ));
    return {
      outcome: 'completed',
      message: `Customer "${odooNames.walkInCustomer}" (id ${id}) ${existing ? 'exists' : 'created'}`,
      facts: { customer: odooNames.walkInCustomer, odoo: { ...ctx.facts.odoo, customerId: id } },
    };
  },
};
