import type { ErpnextPort, MasterRecord } from '../../../ports/erpnext.ts';
import type { Step } from '../step.ts';
import { createOrAdopt } from '../ensures.ts';

/**
 * step_1_platform_setup: the site-wide records that ERPNext's setup wizard normally installs
 * and later steps link to (erpnext.md §12). On a site whose wizard never ran they are missing
 * and every later link fails ("Could not find Customer Group: ..."). Only what is missing is
 * created; nothing existing is changed, because the site is shared with other tenants.
 */
export function platformPrerequisites(country: string, currency: string): MasterRecord[] {
  return [
    { kind: 'uom', name: 'Nos' },
    { kind: 'item_group', name: 'All Item Groups', parent: null, isGroup: true },
    { kind: 'item_group', name: 'Products', parent: 'All Item Groups', isGroup: false },
    { kind: 'customer_group', name: 'All Customer Groups', parent: null, isGroup: true },
    { kind: 'customer_group', name: 'Individual', parent: 'All Customer Groups', isGroup: false },
    { kind: 'territory', name: 'All Territories', parent: null, isGroup: true },
    { kind: 'territory', name: country, parent: 'All Territories', isGroup: false },
    { kind: 'price_list', name: 'Standard Selling', currency },
    { kind: 'mode_of_payment', name: 'Cash', type: 'Cash' },
  ];
}

export const platformSetup: Step<ErpnextPort> = {
  id: 'step_1_platform_setup',
  async run(ctx) {
    const created: string[] = [];
    // one read per doctype, and none while the engine's site cache remembers them (SiteCache)
    for (const record of await ctx.engine.missingMasters(platformPrerequisites(ctx.tenant.country, ctx.tenant.currency))) {
      ctx.note(`Creating missing ${record.kind.replace('_', ' ')} "${record.name}"`);
      // the site is shared: another tenant's run may create the same record at the same moment
      await createOrAdopt(
        async () => (await ctx.engine.createMaster(record), true),
        async () => ((await ctx.engine.findMaster(record.kind, record.name)) ? true : null),
      );
      created.push(record.name);
    }
    return {
      outcome: 'completed',
      message: created.length ? `Created site prerequisites: ${created.join(', ')}` : 'Site prerequisites already present',
    };
  },
};
