import { EngineValidationError, StepPreconditionError } from '../../errors.ts';
import type { OdooPort, OdooPosSession } from '../../../ports/odoo.ts';
import type { Step } from '../step.ts';
import { requireCompany, type OdooContext } from './names.ts';

/** pos_session.py _check_pos_config: a second non-closed session of one config. */
const ANOTHER_OPEN = /Another session is already opened for this point of sale/i;

/**
 * A session waiting for its opening cash count (cash control: a config with a cash payment
 * method) is opened with a count of 0 (set_cashbox_pos); action_pos_session_open leaves those
 * waiting (pos_session.py).
 */
async function open(ctx: OdooContext, companyId: number, session: OdooPosSession): Promise<boolean> {
  if (session.state !== 'opening_control') return false;
  await ctx.engine.setOpeningCash(companyId, session.id, 0);
  return true;
}

/**
 * step_9_pos_session (Odoo): one open pos.session for the config. Looks first: a session that is
 * not closed is the one (opened if it waits for its opening count). Odoo allows one such session
 * per config (_check_pos_config), so a create whose answer was lost, retried, is refused with
 * "Another session is already opened": then the session is read and adopted.
 */
export const posSession: Step<OdooPort> = {
  id: 'step_9_pos_session',
  // the shop closes its sessions in daily use: a closed one is not drift
  lasting: false,
  async run(ctx) {
    const { companyId } = requireCompany(ctx);
    const configId = ctx.facts.odoo?.posConfigId;
    if (!configId) throw new StepPreconditionError('The tenant has no POS config yet', 'step_8_pos_profile has not completed: use "Continue".');
    let [session] = await ctx.engine.findOpenPosSessions(companyId, configId);
    let created = false;
    if (!session) {
      try {
        const id = await ctx.engine.createPosSession(companyId, configId);
        session = (await ctx.engine.readPosSession(companyId, id)) ?? undefined;
        created = true;
      } catch (e) {
        if (!(e instanceof EngineValidationError && ANOTHER_OPEN.test(e.message))) throw e;
        [session] = await ctx.engine.findOpenPosSessions(companyId, configId);
      }
      if (!session) throw new StepPreconditionError('The POS session vanished right after it was made', 'Someone closed or deleted it in Odoo: use "Continue".');
    }
    const opened = await open(ctx, companyId, session);
    return {
      outcome: 'completed',
      message: `POS session ${session.name} ${created ? 'created and ' : ''}${opened ? 'opened with an opening count of 0' : created ? 'opened' : `is ${session.state}`}`,
      facts: { posSession: session.name, odoo: { ...ctx.facts.odoo, posSessionId: session.id } },
    };
  },
};
