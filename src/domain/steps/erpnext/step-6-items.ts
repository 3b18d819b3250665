import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { type Step } from '../step.ts';
import { DEMO_ITEMS } from '../demo-items.ts';
import { requireCompany, tenantNames } from './names.ts';

const PRICE_LIST = 'Standard Selling';

/**
 * step_6_items: a small demo catalogue with selling prices, when include_demo_data is on. Item
 * codes are site-wide in ERPNext (erpnext.md §11), so each gets the tenant's abbr.
 */
export const items: Step<ErpnextPort> = {
  id: 'step_6_items',
  async run(ctx) {
    if (!ctx.config.includeDemoData) return { outcome: 'skipped', message: 'Demo data not requested (include_demo_data=false)' };
    const { abbr } = requireCompany(ctx);
    const codes: string[] = [];
    let created = 0;
    for (const demo of DEMO_ITEMS) {
      const code = tenantNames.itemCode(abbr, demo.code);
      if (!(await ctx.engine.findItem(code))) {
        // no standard_rate: ERPNext would create an Item Price of its own on insert (erpnext.md §11)
        await ctx.engine.createItem({ code, itemName: demo.itemName, itemGroup: 'Products', uom: 'Nos' });
        created++;
      }
      if (!(await ctx.engine.findItemPrice(code, PRICE_LIST))) {
        await ctx.engine.createItemPrice({ code, priceList: PRICE_LIST, rate: demo.rate });
      }
      codes.push(code);
    }
    return { outcome: 'completed', message: `${codes.length} demo items ready (${created} created)`, facts: { items: codes } };
  },
};
