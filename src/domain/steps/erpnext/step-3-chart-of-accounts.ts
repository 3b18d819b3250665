import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { ensureAccounts, ensureCostCenter, MAIN_COST_CENTER, POS_ACCOUNTS } from './ensures.ts';
import { type EngineFacts, type Step } from '../step.ts';
import { requireCompany } from './names.ts';

/**
 * step_3_chart_of_accounts: ERPNext imports the chart when the Company is created (erpnext.md
 * §2 on_update); this step makes sure the accounts a POS needs are there (Cash, Write Off,
 * Round Off, cost centre "Main - ABBR"), recreating any that were deleted.
 */
export const chartOfAccounts: Step<ErpnextPort> = {
  id: 'step_3_chart_of_accounts',
  async run(ctx) {
    const { company, abbr } = requireCompany(ctx);
    const facts: Partial<EngineFacts> = {};
    // the three accounts in one read
    const { accounts } = await ensureAccounts(ctx, company, abbr, POS_ACCOUNTS);
    POS_ACCOUNTS.forEach((spec, i) => (facts[spec.key] = accounts[i]!.name));
    facts.costCenter = (await ensureCostCenter(ctx, company, abbr, MAIN_COST_CENTER)).name;
    return {
      outcome: 'completed',
      message: `Accounts ready: ${[facts.cashAccount, facts.writeOffAccount, facts.roundOffAccount, facts.costCenter].join(', ')}`,
      facts,
    };
  },
};
