import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { abbreviationCandidates, pickAbbreviation } from '../../abbreviation.ts';
import { AbbreviationExhaustedError, EngineDuplicateError, EngineValidationError } from '../../errors.ts';
import { createOrAdopt } from '../ensures.ts';
import type { Step } from '../step.ts';

/** ERPNext's message when another company has the abbreviation (erpnext.md §2, validate_abbr). */
const ABBR_TAKEN = /abbreviation already used/i;
/** Collisions healed inside one attempt before giving up (each one reads the site again). */
const MAX_COLLISIONS = 8;

/**
 * Did the insert lose the abbreviation to another company? Either validate_abbr saw it
 * (417 "Abbreviation already used for another company"), or, when two inserts with one
 * abbreviation run at the same moment on a real site, both pass validate_abbr and the loser
 * fails while building its chart of accounts on a record named after the abbreviation:
 * 409 "Account Application of Funds (Assets) - AS already exists" (erpnext.md §15).
 */
function lostAbbreviation(e: unknown, abbr: string): boolean {
  if (e instanceof EngineDuplicateError) return e.message.toUpperCase().includes(` - ${abbr.toUpperCase()}`);
  return e instanceof EngineValidationError && ABBR_TAKEN.test(e.message);
}

/**
 * step_2_company: the tenant's Company exists with a unique abbreviation (common issue 1).
 * Reads the company first (a previous attempt may have created it and lost the response),
 * then picks the first free candidate abbreviation; when another tenant takes it in between,
 * moves to the next candidate. A Company insert whose answer is lost or late, or that collides
 * with our own earlier insert, is decided by reading the company (createOrAdopt).
 */
export const company: Step<ErpnextPort> = {
  id: 'step_2_company',
  async run(ctx) {
    const name = ctx.tenant.name;
    // one read says both whether the company exists and which of its candidates are taken
    const candidates = abbreviationCandidates(name);
    const first = await ctx.engine.lookUpCompany(name, candidates);
    if (first.company) {
      return { outcome: 'completed', message: `Company "${name}" exists (abbreviation ${first.company.abbr})`, facts: { company: first.company.name, abbr: first.company.abbr } };
    }

    const chartOfAccounts = chartFor(ctx.config.countryTemplate);
    const rejected: string[] = [];
    for (let i = 0; i < MAX_COLLISIONS; i++) {
      const taken = i === 0 ? first.takenAbbreviations : (await ctx.engine.lookUpCompany(name, candidates)).takenAbbreviations;
      const abbr = pickAbbreviation(name, taken, rejected);
      if (!abbr) break;
      try {
        const created = await createOrAdopt(
          () => ctx.engine.createCompany({ name, abbr, country: ctx.tenant.country, currency: ctx.tenant.currency, chartOfAccounts }),
          () => ctx.engine.findCompany(name),
        );
        const healed = rejected.length ? ` after abbreviation conflicts on ${rejected.join(', ')}` : '';
        return {
          outcome: 'completed',
          message: `Company "${created.name}" created with abbreviation ${created.abbr}${healed}`,
          facts: { company: created.name, abbr: created.abbr, chartOfAccounts },
        };
      } catch (e) {
        if (!lostAbbreviation(e, abbr)) throw e;
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
