import { StepPreconditionError } from '../../errors.ts';
import type { OdooJournal, OdooPort, OdooPosConfig } from '../../../ports/odoo.ts';
import { createOrAdopt } from '../ensures.ts';
import type { Step } from '../step.ts';
import { odooNames, requireCompany, type OdooContext } from './names.ts';

/** The name of the config try_loading makes for every company (point_of_sale chart_template.py). */
const CHART_CONFIG = 'Shop';

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const isCash = (method: string) => /^cash$/i.test(method.trim());
const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * The payment methods, in order: each found by name in the company, else made on the chart's
 * journal that fits, Cash on the cash journal (CSH1), any other (M-Pesa, a card) on the bank
 * journal (BNK1). Odoo 17 accepts any journal over RPC and computes is_cash_count from its type
 * (odoo.md A.3 step_8), so the choice of journal is ours; try_loading already made "Cash".
 */
async function ensurePaymentMethods(ctx: OdooContext, companyId: number): Promise<number[]> {
  const methods = await ctx.engine.findPaymentMethods(companyId);
  let journals: OdooJournal[] | null = null;
  const ids: number[] = [];
  for (const name of ctx.config.paymentMethods) {
    const existing = methods.find((m) => sameName(m.name, name));
    if (existing) {
      ids.push(existing.id);
      continue;
    }
    journals ??= await ctx.engine.findJournals(companyId, ['cash', 'bank']);
    const journal = journals.find((j) => j.type === (isCash(name) ? 'cash' : 'bank'));
    if (!journal) throw new StepPreconditionError(`The company has no ${isCash(name) ? 'cash' : 'bank'} journal for the payment method "${name}"`, 'step_3_chart_of_accounts makes them with the chart: use "Retry" from step_3_chart_of_accounts.');
    ctx.note(`Creating payment method "${name}" on journal ${journal.code}`);
    ids.push(
      await createOrAdopt(
        () => ctx.engine.createPaymentMethod(companyId, { name, journalId: journal.id }),
        async () => (await ctx.engine.findPaymentMethods(companyId)).find((m) => sameName(m.name, name))?.id ?? null,
      ),
    );
  }
  return ids;
}

/**
 * step_8_pos_profile (Odoo): the tenant's pos.config "<company> POS" with its payment methods.
 * The chart already made a config "Shop" for the company (odoo.md Part C): it is renamed and
 * given the methods rather than left beside a second one. A config of ours is adopted as it is,
 * its methods set only when they differ (Odoo refuses to change them while a session is open).
 * A create whose answer was lost is found by name on the next read.
 */
export const posProfile: Step<OdooPort> = {
  id: 'step_8_pos_profile',
  async run(ctx) {
    const { company, companyId } = requireCompany(ctx);
    const name = odooNames.posConfig(company);
    const methodIds = await ensurePaymentMethods(ctx, companyId);
    const configs = await ctx.engine.findPosConfigs(companyId);
    const ours = configs.find((c) => c.id === ctx.facts.odoo?.posConfigId) ?? configs.find((c) => sameName(c.name, name));
    const shop = ours ? undefined : configs.find((c) => sameName(c.name, CHART_CONFIG));
    let config: OdooPosConfig;
    let message: string;
    if (ours || shop) {
      const found = (ours ?? shop)!;
      const patch = { ...(sameName(found.name, name) ? {} : { name }), ...(sameSet(found.paymentMethodIds, methodIds) ? {} : { paymentMethodIds: methodIds }) };
      if (Object.keys(patch).length) await ctx.engine.updatePosConfig(companyId, found.id, patch);
      config = { ...found, name, paymentMethodIds: methodIds };
      message = ours ? `POS config "${name}" exists${patch.paymentMethodIds ? '; payment methods set' : ''}` : `POS config "${CHART_CONFIG}" made by the chart adopted as "${name}"`;
    } else {
      const id = await createOrAdopt(
        () => ctx.engine.createPosConfig(companyId, { name, paymentMethodIds: methodIds }),
        async () => (await ctx.engine.findPosConfigs(companyId)).find((c) => sameName(c.name, name))?.id ?? null,
      );
      config = { id, name, paymentMethodIds: methodIds, cashControl: false };
      message = `POS config "${name}" created`;
    }
    return {
      outcome: 'completed',
      message: `${message} (${ctx.config.paymentMethods.join(', ')})`,
      facts: { posProfile: name, odoo: { ...ctx.facts.odoo, posConfigId: config.id, paymentMethodIds: methodIds } },
    };
  },
};
