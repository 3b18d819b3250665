import type { OdooPort } from '../../../ports/odoo.ts';
import { DEMO_ITEMS } from '../demo-items.ts';
import { createOrAdopt } from '../ensures.ts';
import type { Step } from '../step.ts';
import { requireCompany } from './names.ts';

/**
 * step_6_items (Odoo): the demo catalogue as product.template records of the tenant's company,
 * sold in the POS (available_in_pos), found by default_code within the company (Odoo has no
 * unique constraint on it, so the read decides; one read for all of them).
 */
export const items: Step<OdooPort> = {
  id: 'step_6_items',
  async run(ctx) {
    if (!ctx.config.includeDemoData) return { outcome: 'skipped', message: 'Demo data not requested (include_demo_data=false)' };
    const { companyId } = requireCompany(ctx);
    const codes = DEMO_ITEMS.map((d) => d.code);
    const found = await ctx.engine.findProducts(companyId, codes);
    const ids: number[] = [];
    let created = 0;
    for (const demo of DEMO_ITEMS) {
      const existing = found.find((p) => p.defaultCode === demo.code);
      if (existing) {
        ids.push(existing.id);
        continue;
      }
      ids.push(
        await createOrAdopt(
          () => ctx.engine.createProduct(companyId, { name: demo.itemName, code: demo.code, price: demo.rate }),
          async () => (await ctx.engine.findProducts(companyId, [demo.code]))[0]?.id ?? null,
        ),
      );
      created++;
    }
    return { outcome: 'completed', message: `${ids.length} demo products ready (${created} created)`, facts: { items: [...codes], odoo: { ...ctx.facts.odoo, productIds: ids } } };
  },
};
