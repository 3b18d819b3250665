import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { VerificationError } from '../../errors.ts';
import { type Step } from '../step.ts';
import { requireCompany, stripAbbr } from './names.ts';

/**
 * step_10_post_sale_updates (final validation): re-reads every record the steps made and
 * checks the links between them, then records the tenant's engine metadata. One read per
 * record kind: the company, the POS profile (its company, warehouse and payment methods), its
 * warehouse, the rows of all its payment methods at once, the customer, the session.
 */
export const postSaleUpdates: Step<ErpnextPort> = {
  id: 'step_10_post_sale_updates',
  async run(ctx) {
    const { company, abbr } = requireCompany(ctx);
    const problems: string[] = [];
    const found = await ctx.engine.findCompany(company);
    if (!found) problems.push(`company "${company}" is missing`);
    else if (found.abbr !== abbr) problems.push(`company "${company}" has abbreviation ${found.abbr}, expected ${abbr}`);

    const { posProfile, customer, posSession } = ctx.facts;
    if (posProfile) {
      const profile = await ctx.engine.findPosProfile(posProfile);
      if (!profile) problems.push(`POS profile "${posProfile}" is missing`);
      else {
        if (profile.company !== company) problems.push(`POS profile "${posProfile}" belongs to ${profile.company}`);
        const warehouseName = profile.warehouse ? stripAbbr(profile.warehouse, abbr) : null;
        if (!warehouseName || !(await ctx.engine.findWarehouse(company, warehouseName))) problems.push(`warehouse "${profile.warehouse}" of the POS profile is missing`);
        // every payment method's row for this company in one read
        const linked = new Set((await ctx.engine.modesOfPaymentWithAccount(company, profile.paymentMethods)).map((m) => m.toLowerCase()));
        for (const method of profile.paymentMethods) {
          if (!linked.has(method.toLowerCase())) problems.push(`Mode of Payment "${method}" has no account for ${company}`);
        }
      }
    } else problems.push('no POS profile was recorded');
    if (customer && !(await ctx.engine.findCustomer(customer))) problems.push(`customer "${customer}" is missing`);
    if (posSession && posProfile) {
      const sessions = await ctx.engine.findPosSessions(posProfile);
      if (!sessions.some((s) => s.name === posSession && s.docstatus === 1)) problems.push(`POS session ${posSession} is not open`);
    }
    if (problems.length) throw new VerificationError(`Final validation found: ${problems.join('; ')}`);
    return { outcome: 'completed', message: `Workspace verified: company ${company} (${abbr}), POS profile ${posProfile}`, facts: { verifiedAt: new Date().toISOString() } };
  },
};
