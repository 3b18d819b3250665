import { VerificationError, type VerificationProblem } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import type { StepId } from '../catalogue.ts';
import type { Step } from '../step.ts';
import { odooNames, requireCompany } from './names.ts';

/**
 * step_10_post_sale_updates (Odoo, final validation): re-reads the records the steps made, one
 * read per kind, and checks them: the company (in the tenant's currency), its main and POS
 * warehouses, the POS config with every payment method, the walk-in customer, the open session.
 * Each problem names the step whose record it is (by its Odoo model): verify runs this same step
 * read-only and reports them, and heal starts at the first.
 */
export const postSaleUpdates: Step<OdooPort> = {
  id: 'step_10_post_sale_updates',
  async run(ctx) {
    const { company, companyId } = requireCompany(ctx);
    const f = ctx.facts.odoo ?? {};
    const problems: VerificationProblem[] = [];
    const found = (step: StepId, model: string | null, record: string | null, problem: string) => problems.push({ step, doctype: model, record, problem });
    const current = await ctx.engine.readCompany(companyId);
    if (!current) found('step_2_company', 'res.company', company, `company "${company}" (id ${companyId}) is missing`);
    else if (f.currencyId && current.currencyId !== f.currencyId) found('step_5_settings', 'res.company', company, `company "${company}" is not in ${ctx.tenant.currency}`);

    const warehouses = (await ctx.engine.findWarehouses(companyId)).filter((w) => w.active);
    const { mainWarehouse, posWarehouse, posProfile, customer, posSession } = ctx.facts;
    if (f.mainWarehouseId && !warehouses.some((w) => w.id === f.mainWarehouseId)) found('step_4_warehouses', 'stock.warehouse', mainWarehouse ?? null, `main warehouse "${mainWarehouse}" is missing`);
    if (f.posWarehouseId && !warehouses.some((w) => w.id === f.posWarehouseId)) found('step_4_warehouses', 'stock.warehouse', posWarehouse ?? null, `warehouse "${posWarehouse}" is missing`);

    if (f.posConfigId) {
      const config = (await ctx.engine.findPosConfigs(companyId)).find((c) => c.id === f.posConfigId);
      if (!config) found('step_8_pos_profile', 'pos.config', posProfile ?? null, `POS config "${posProfile}" is missing`);
      else for (const id of f.paymentMethodIds ?? []) if (!config.paymentMethodIds.includes(id)) found('step_8_pos_profile', 'pos.config', config.name, `POS config "${config.name}" lacks payment method ${id}`);
    } else found('step_8_pos_profile', 'pos.config', null, 'no POS config was recorded');
    if (f.customerId && !(await ctx.engine.findPartnerByRef(companyId, odooNames.walkInRef(ctx.tenant.id)))) found('step_7_customer', 'res.partner', customer ?? null, `customer "${customer}" is missing`);
    if (f.posSessionId) {
      const session = await ctx.engine.readPosSession(companyId, f.posSessionId);
      if (!session || session.state !== 'opened') found('step_9_pos_session', 'pos.session', posSession ?? null, `POS session ${posSession} is not open`);
    }
    if (problems.length) throw new VerificationError(`Final validation found: ${problems.map((p) => p.problem).join('; ')}`, problems);
    return { outcome: 'completed', message: `Workspace verified: company ${company} (id ${companyId}), POS config ${posProfile}`, facts: { verifiedAt: new Date().toISOString() } };
  },
};
