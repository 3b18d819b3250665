import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { VerificationError, type VerificationProblem } from '../../errors.ts';
import type { StepId } from '../catalogue.ts';
import { type Step } from '../step.ts';
import { requireCompany, stripAbbr } from './names.ts';

/**
 * step_10_post_sale_updates (final validation): re-reads every record the steps made and
 * checks the links between them, then records the tenant's engine metadata. One read per
 * record kind: the company, the POS profile (its company, warehouse and payment methods), its
 * warehouse, the rows of all its payment methods at once, the customer, the session. Each
 * problem names the step whose record it is: verify (drift check) runs this same step read-only
 * and reports them, and heal starts at the first.
 */
export const postSaleUpdates: Step<ErpnextPort> = {
  id: 'step_10_post_sale_updates',
  async run(ctx) {
    const { company, abbr } = requireCompany(ctx);
    const problems: VerificationProblem[] = [];
    const found = (step: StepId, doctype: string | null, record: string | null, problem: string) => problems.push({ step, doctype, record, problem });
    const current = await ctx.engine.findCompany(company);
    if (!current) found('step_2_company', 'Company', company, `company "${company}" is missing`);
    else if (current.abbr !== abbr) found('step_2_company', 'Company', company, `company "${company}" has abbreviation ${current.abbr}, expected ${abbr}`);

    const { posProfile, customer, posSession } = ctx.facts;
    if (posProfile) {
      const profile = await ctx.engine.findPosProfile(posProfile);
      if (!profile) found('step_8_pos_profile', 'POS Profile', posProfile, `POS profile "${posProfile}" is missing`);
      else {
        if (profile.company !== company) found('step_8_pos_profile', 'POS Profile', posProfile, `POS profile "${posProfile}" belongs to ${profile.company}`);
        const warehouseName = profile.warehouse ? stripAbbr(profile.warehouse, abbr) : null;
        if (!warehouseName || !(await ctx.engine.findWarehouse(company, warehouseName))) found('step_8_pos_profile', 'Warehouse', profile.warehouse, `warehouse "${profile.warehouse}" of the POS profile is missing`);
        // every payment method's row for this company in one read
        const linked = new Set((await ctx.engine.modesOfPaymentWithAccount(company, profile.paymentMethods)).map((m) => m.toLowerCase()));
        for (const method of profile.paymentMethods) {
          if (!linked.has(method.toLowerCase())) found('step_8_pos_profile', 'Mode of Payment', method, `Mode of Payment "${method}" has no account for ${company}`);
        }
      }
    } else found('step_8_pos_profile', 'POS Profile', null, 'no POS profile was recorded');
    if (customer && !(await ctx.engine.findCustomer(customer))) found('step_7_customer', 'Customer', customer, `customer "${customer}" is missing`);
    if (posSession && posProfile) {
      const sessions = await ctx.engine.findPosSessions(posProfile);
      if (!sessions.some((s) => s.name === posSession && s.docstatus === 1)) found('step_9_pos_session', 'POS Opening Entry', posSession, `POS session ${posSession} is not open`);
    }
    if (problems.length) throw new VerificationError(`Final validation found: ${problems.map((p) => p.problem).join('; ')}`, problems);
    return { outcome: 'completed', message: `Workspace verified: company ${company} (${abbr}), POS profile ${posProfile}`, facts: { verifiedAt: new Date().toISOString() } };
  },
};
