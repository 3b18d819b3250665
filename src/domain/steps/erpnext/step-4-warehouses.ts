import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { ensureWarehouses, MAIN_WAREHOUSE, POS_WAREHOUSE } from './ensures.ts';
import { type Step } from '../step.ts';
import { requireCompany } from './names.ts';

/** step_4_warehouses: "Main Store - ABBR" and, when the POS store is enabled, "POS Store - ABBR". */
export const warehouses: Step<ErpnextPort> = {
  id: 'step_4_warehouses',
  async run(ctx) {
    const { company, abbr } = requireCompany(ctx);
    // both warehouses and their root in one read
    const ensured = await ensureWarehouses(ctx, company, abbr, ctx.config.posStoreEnabled ? [MAIN_WAREHOUSE, POS_WAREHOUSE] : [MAIN_WAREHOUSE]);
    const main = ensured[0]!;
    const pos = ensured[1] ?? null;
    return {
      outcome: 'completed',
      message: `Warehouses ready: ${[main.name, pos?.name].filter(Boolean).join(', ')}`,
      facts: { mainWarehouse: main.name, posWarehouse: pos?.name ?? null },
    };
  },
};
