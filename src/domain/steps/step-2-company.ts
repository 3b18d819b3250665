import { pickAbbreviation } from '../abbreviation.ts';
import { AbbreviationExhaustedError, EngineDuplicateError, EngineValidationError } from '../errors.ts';
import type { Step } from './step.ts';

/** ERPNext's message when another company has the abbreviation (erpnext.md §2, validate_abbr). */
const ABBR_TAKEN = /abbreviation already used/i;
/** Collisions healed inside one attempt before giving up (each one reads the site again). */
const MAX_COLLISIONS = 8;

/**
 * step_2_company: the tenant's Company exists with a unique abbreviation (common issue 1).
 * Reads the company first (a previous attempt may have created it and lost the response),
 * then picks the first free candidate abbreviation; when another tenant takes it in between
 * (417 "Abbreviation already used for another company"), moves to the next candidate.
 */
export const company: Step = {
  id: 'step_2_company',
  async run(ctx) {
    const name = ctx.tenant.name;
    const existing = await ctx.engine.findCompany(name);
    if (existing) {
      return { outcome: 'completed', message: `Company "${name}" exists (abbreviation ${existing.abbr})`, facts: { company: existing.name, abbr: existing.abbr } };
    }

    const chartOfAccounts = chartFor(ctx.config.countryTemplate);
    const rejected: string[] = [];
    for (let i = 0; i < MAX_COLLISIONS; i++) {
      const taken = await ctx.engine.listCompanyAbbreviations();
      const abbr = pickAbbreviation(name, taken, rejected);
      if (!abbr) break;
      try {
        const created = await ctx.engine.createCompany({ name, abbr, country: ctx.tenant.country, currency: ctx.tenant.currency, chartOfAccounts });
        const healed = rejected.length ? ` after abbreviation conflicts on ${rejected.join(', ')}` : '';
        return {
          outcome: 'completed',
          message: `Company "${created.name}" created with abbreviation ${created.abbr}${healed}`,
          facts: { company: created.name, abbr: created.abbr, chartOfAccounts },
        };
      } catch (e) {
        if (e instanceof EngineDuplicateError) {
          // created by a concurrent attempt of ours whose answer we never saw: adopt it
          const found = await ctx.engine.findCompany(name);
          if (found) return { outcome: 'completed', message: `Company "${name}" exists (abbreviation ${found.abbr})`, facts: { company: found.name, abbr: found.abbr } };
          throw e;
        }
        if (!(e instanceof EngineValidationError) || !ABBR_TAKEN.test(e.message)) throw e;
        ctx.note(`Abbreviation ${abbr} already used for another company; trying the next candidate`);
        rejected.push(abbr);
      }
    }
    throw new AbbreviationExhaustedError(name, rejected);
  },
};

/** ERPNext's chart template name; null or a bare country code means the "Standard" chart. */
export function chartFor(countryTemplate: string | null): string {
  if (!countryTemplate || /^[A-Za-z]{2}$/.test(countryTemplate)) return 'Standard';
  return countryTemplate;
}
