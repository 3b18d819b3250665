import type { CompanyDefaults, ErpnextPort } from '../../../ports/erpnext.ts';
import { StepPreconditionError } from '../../errors.ts';
import { type Step } from '../step.ts';
import { requireCompany } from './names.ts';

/**
 * Selling and Stock Settings are single documents shared by every company on the site
 * (erpnext.md §10): one tenant's values must never overwrite another's. Only blanks are filled.
 */
const SITE_DEFAULTS = {
  selling: { customer_group: 'All Customer Groups', territory: 'All Territories', selling_price_list: 'Standard Selling' },
  stock: { stock_uom: 'Nos' },
} as const;

function blanksOnly(current: Record<string, unknown>, wanted: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(wanted).filter(([field]) => current[field] === undefined || current[field] === null || current[field] === ''));
}

/**
 * step_5_settings: the company's own defaults (cash, write-off and round-off accounts, cost
 * centre) point at the tenant's accounts; site-wide settings get only missing values.
 */
export const settings: Step<ErpnextPort> = {
  id: 'step_5_settings',
  async run(ctx) {
    const { company } = requireCompany(ctx);
    const current = await ctx.engine.findCompany(company);
    if (!current) throw new StepPreconditionError(`Company "${company}" no longer exists in the engine`, 'Someone deleted it in the engine: use "Retry" to recreate the workspace.');
    const wanted: CompanyDefaults = {
      default_cash_account: ctx.facts.cashAccount,
      write_off_account: ctx.facts.writeOffAccount,
      round_off_account: ctx.facts.roundOffAccount,
      cost_center: ctx.facts.costCenter,
      round_off_cost_center: ctx.facts.costCenter,
    };
    const patch = Object.fromEntries(
      Object.entries(wanted).filter(([field, value]) => value && current.defaults[field as keyof CompanyDefaults] !== value),
    ) as CompanyDefaults;
    const changed: string[] = [];
    if (Object.keys(patch).length) {
      await ctx.engine.setCompanyDefaults(company, patch);
      changed.push(...Object.keys(patch).map((f) => `company.${f}`));
    }
    for (const kind of ['selling', 'stock'] as const) {
      const missing = blanksOnly(await ctx.engine.readSettings(kind), SITE_DEFAULTS[kind]);
      if (Object.keys(missing).length) {
        await ctx.engine.updateSettings(kind, missing);
        changed.push(...Object.keys(missing).map((f) => `${kind}.${f}`));
      }
    }
    return { outcome: 'completed', message: changed.length ? `Set ${changed.join(', ')}` : 'Settings already in place' };
  },
};
