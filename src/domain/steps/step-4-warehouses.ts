import { ensureWarehouse, MAIN_WAREHOUSE, POS_WAREHOUSE } from './ensures.ts';
import { requireCompany, type Step } from './step.ts';

/** step_4_warehouses: "Main Store - ABBR" and, when the POS store is enabled, "POS Store - ABBR". */
export const warehouses: Step = {
  id: 'step_4_warehouses',
  async run(ctx) {
    const { company, abbr } = requireCompany(ctx);
    const main = await ensureWarehouse(ctx, company, abbr, MAIN_WAREHOUSE);
    const pos = ctx.config.posStoreEnabled ? await ensureWarehouse(ctx, company, abbr, POS_WAREHOUSE) : null;
    return {
      outcome: 'completed',
      message: `Warehouses ready: ${[main.name, pos?.name].filter(Boolean).join(', ')}`,
      facts: { mainWarehouse: main.name, posWarehouse: pos?.name ?? null },
    };
  },
};
