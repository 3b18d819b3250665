import { StepPreconditionError } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import type { Step } from '../step.ts';
import { requireCompany } from './names.ts';

/** Odoo 17's generic chart, part of the account module (template_generic_coa.py). */
export const GENERIC_CHART = 'generic_coa';

/**
 * The chart template code: null means the generic chart; a country code means that country's
 * chart, which Odoo 17 names by the lower-case country code (e.g. "ke", installed from its l10n
 * module on first use: chart_template.py _load); anything else is taken as a template code.
 */
export function chartTemplateFor(countryTemplate: string | null): string {
  if (!countryTemplate) return GENERIC_CHART;
  if (/^[A-Za-z]{2}$/.test(countryTemplate)) return countryTemplate.toLowerCase();
  return countryTemplate;
}

/**
 * step_3_chart_of_accounts (Odoo): `account.chart.template.try_loading(code, company,
 * install_demo=False)` gives the company its accounts, journals (cash CSH1, bank BNK1, ...) and,
 * through point_of_sale's override, a "Shop" POS config with three payment methods (odoo.md
 * Part C). It runs only while the company has no chart: loading again takes the reload path,
 * whose _pre_load_data sets the currency to the template's country's again (chart_template.py
 * lines 426-432), so it would undo the currency written below on every retry. That same rule
 * turns a KES company USD when the generic chart is loaded: the tenant's currency is written back
 * (allowed while the company has no journal items: account company.py write).
 */
export const chartOfAccounts: Step<OdooPort> = {
  id: 'step_3_chart_of_accounts',
  async run(ctx) {
    const { companyId, company } = requireCompany(ctx);
    const template = chartTemplateFor(ctx.config.countryTemplate);
    const before = await ctx.engine.readCompany(companyId);
    if (!before) throw new StepPreconditionError(`Company "${company}" no longer exists in Odoo`, 'Someone deleted it: use "Retry" to recreate the workspace.');
    const notes: string[] = [];
    let current = before;
    if (!before.chartTemplate) {
      ctx.note(`Loading the chart template "${template}"`);
      await ctx.engine.loadChart(companyId, template);
      current = (await ctx.engine.readCompany(companyId)) ?? before;
      notes.push(`chart "${template}" loaded`);
    } else {
      notes.push(before.chartTemplate === template ? `chart "${template}" already loaded` : `the company already has the chart "${before.chartTemplate}" (kept: Odoo does not switch a company's chart)`);
    }
    const currencyId = ctx.facts.odoo?.currencyId ?? (await ctx.engine.findCurrency(ctx.tenant.currency))?.id;
    if (currencyId && current.currencyId !== currencyId) {
      await ctx.engine.updateCompany(companyId, { currencyId });
      notes.push(`currency set back to ${ctx.tenant.currency}`);
    }
    return { outcome: 'completed', message: `Chart of accounts ready: ${notes.join('; ')}`, facts: { chartOfAccounts: current.chartTemplate ?? template } };
  },
};
