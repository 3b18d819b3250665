import { VerificationError } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import type { Step } from '../step.ts';
import { odooNames, requireCompany } from './names.ts';

/**
 * step_10_post_sale_updates (Odoo, final validation): re-reads the records the steps made, one
 * read per kind, and checks them: the company (in the tenant's currency), its main and POS
 * warehouses, the POS config with every payment method, the walk-in customer, the open session.
 */
export const postSaleUpdates: Step<OdooPort> = {
  id: 'step_10_post_sale_updates',
  async run(ctx) {
    const { company, companyId } = requireCompany(ctx);
    const f = ctx.facts.odoo ?? {};
    const problems: string[] = [];
    const found = await ctx.engine.readCompany(companyId);
    if (!found) problems.push(`company "${company}" (id ${companyId}) is missing`);
    else if (f.currencyId && found.currencyId !== f.currencyId) problems.push(`company "${company}" is not in ${ctx.tenant.currency}`);

    const warehouses = (await ctx.engine.findWarehouses(companyId)).filter((w) => w.active);
    if (f.mainWarehouseId && !warehouses.some((w) => w.id === f.mainWarehouseId)) problems.push(`main warehouse "${ctx.facts.mainWarehouse}" is missing`);
    if (f.posWarehouseId && !warehouses.some((w) => w.id === f.posWarehouseId)) problems.push(`warehouse "${ctx.facts.posWarehouse}" is missing`);

    if (f.posConfigId) {
      const config = (await ctx.engine.findPosConfigs(companyId)).find((c) => c.id === f.posConfigId);
      if (!config) problems.push(`POS config "${ctx.facts.posProfile}" is missing`);
      else for (const id of f.paymentMethodIds ?? []) if (!config.paymentMethodIds.includes(id)) problems.push(`POS config "${config.name}" lacks payment method ${id}`);
    } else problems.push('no POS config was recorded');
    if (f.customerId && !(await ctx.engine.findPartnerByRef(companyId, odooNames.walkInRef(ctx.tenant.id)))) problems.push(`customer "${ctx.facts.customer}" is missing`);
    if (f.posSessionId) {
      const session = await ctx.engine.readPosSession(companyId, f.posSessionId);
      if (!session || session.state !== 'opened') problems.push(`POS session ${ctx.facts.posSession} is not open`);
    }
    if (problems.length) throw new VerificationError(`Final validation found: ${problems.join('; ')}`);
    return { outcome: 'completed', message: `Workspace verified: company ${company} (id ${companyId}), POS config ${ctx.facts.posProfile}`, facts: { verifiedAt: new Date().toISOString() } };
  },
};
