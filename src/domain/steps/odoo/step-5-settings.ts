import { StepPreconditionError } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import type { Step } from '../step.ts';
import { requireCompany } from './names.ts';

/**
 * step_5_settings (Odoo): the company's own settings POS sales depend on, its currency and country,
 * are the tenant's (a chart template may set both: chart_template.py _pre_load_data). Nothing
 * database-wide is touched: res.config.settings.execute writes the settings of every company and
 * the groups of every user of the shared database, so it is not called.
 */
export const settings: Step<OdooPort> = {
  id: 'step_5_settings',
  async run(ctx) {
    const { company, companyId } = requireCompany(ctx);
    const current = await ctx.engine.readCompany(companyId);
    if (!current) throw new StepPreconditionError(`Company "${company}" no longer exists in Odoo`, 'Someone deleted it: use "Retry" to recreate the workspace.');
    const wanted = { currencyId: ctx.facts.odoo?.currencyId, countryId: ctx.facts.odoo?.countryId ?? undefined };
    const patch: { currencyId?: number; countryId?: number } = {};
    if (wanted.currencyId && current.currencyId !== wanted.currencyId) patch.currencyId = wanted.currencyId;
    if (wanted.countryId && current.countryId !== wanted.countryId) patch.countryId = wanted.countryId;
    if (Object.keys(patch).length) await ctx.engine.updateCompany(companyId, patch);
    const changed = Object.keys(patch).map((k) => (k === 'currencyId' ? `currency ${ctx.tenant.currency}` : `country ${ctx.tenant.country}`));
    return { outcome: 'completed', message: changed.length ? `Set the company's ${changed.join(' and ')}` : 'Company settings already in place' };
  },
};
