import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { StepPreconditionError } from '../../errors.ts';
import { type Step } from '../step.ts';
import { requireCompany } from './names.ts';

/**
 * step_9_pos_session: one open POS Opening Entry for the profile. An open (submitted) entry
 * is kept; a draft left by an earlier attempt is submitted rather than duplicated.
 */
export const posSession: Step<ErpnextPort> = {
  id: 'step_9_pos_session',
  // the shop closes its sessions (POS Closing Entry) in daily use: a closed one is not drift
  lasting: false,
  async run(ctx) {
    const { company } = requireCompany(ctx);
    const profile = ctx.facts.posProfile;
    if (!profile) throw new StepPreconditionError('The tenant has no POS profile yet', 'step_8_pos_profile has not completed: use "Continue".');
    const sessions = await ctx.engine.findPosSessions(profile);
    const open = sessions.find((s) => s.docstatus === 1 && s.status === 'Open');
    if (open) return { outcome: 'completed', message: `POS session ${open.name} is open`, facts: { posSession: open.name } };
    const draft = sessions.find((s) => s.docstatus === 0);
    if (draft) {
      const submitted = await ctx.engine.submitPosSession(draft.name);
      return { outcome: 'completed', message: `POS session ${submitted.name} opened (draft submitted)`, facts: { posSession: submitted.name } };
    }
    const created = await ctx.engine.createPosSession({
      company,
      posProfile: profile,
      user: ctx.facts.engineUser ?? 'Administrator',
      modesOfPayment: ctx.config.paymentMethods,
    });
    return { outcome: 'completed', message: `POS session ${created.name} opened`, facts: { posSession: created.name } };
  },
};
