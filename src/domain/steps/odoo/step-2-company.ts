import { StepPreconditionError } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import { createOrAdopt } from '../ensures.ts';
import type { OdooFacts, Step } from '../step.ts';

/**
 * step_2_company (Odoo): the tenant's res.company, named after the tenant (names are unique:
 * base res_company.py name_uniq), in the tenant's currency and country, and the engine user's
 * access to it: later calls are scoped with `allowed_company_ids`, which Odoo refuses for a
 * company the user lacks (odoo/api.py Environment.companies). Creating it gives the creating user
 * that access (base res_company.py create); a company found, made by another hand, may not.
 * A create whose answer was lost is found by name (createOrAdopt: the unique constraint answers
 * a blind second create with a ValidationError we read as "exists").
 */
export const company: Step<OdooPort> = {
  id: 'step_2_company',
  async run(ctx) {
    const name = ctx.tenant.name;
    const existing = await ctx.engine.findCompany(name);
    let companyId = existing?.id;
    let currencyId = existing?.currencyId ?? undefined;
    let countryId = existing?.countryId ?? null;
    if (companyId === undefined) {
      const currency = await ctx.engine.findCurrency(ctx.tenant.currency);
      if (!currency) throw new StepPreconditionError(`Odoo has no currency ${ctx.tenant.currency}`, 'Check the tenant\'s currency, or add the currency in Odoo (Accounting → Configuration → Currencies), then use "Continue".');
      countryId = (await ctx.engine.findCountry(ctx.tenant.countryCode))?.id ?? null;
      currencyId = currency.id;
      const ids = { currencyId: currency.id, countryId };
      companyId = await createOrAdopt(
        () => ctx.engine.createCompany({ name, ...ids }),
        async () => (await ctx.engine.findCompany(name))?.id ?? null,
      );
    }
    const granted = !(await ctx.engine.userCompanyIds()).includes(companyId);
    if (granted) await ctx.engine.grantCompany(companyId);
    // ids learnt for another company (the tenant's was deleted and is made again) are forgotten
    const previous: OdooFacts = ctx.facts.odoo?.companyId === companyId ? ctx.facts.odoo : {};
    return {
      outcome: 'completed',
      message: `Company "${name}" ${existing ? 'exists' : 'created'} (id ${companyId})${granted ? '; the engine user was given access to it' : ''}`,
      facts: { company: name, odoo: { ...previous, companyId, currencyId, countryId } },
    };
  },
};
