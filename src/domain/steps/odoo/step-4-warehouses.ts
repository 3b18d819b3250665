import type { OdooPort, OdooWarehouse } from '../../../ports/odoo.ts';
import { createOrAdopt } from '../ensures.ts';
import type { Step } from '../step.ts';
import { freeWarehouseCode, odooNames, requireCompany, type OdooContext } from './names.ts';

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Creates a warehouse with a free code; a lost answer is found by its name (unique per company). */
async function createWarehouse(ctx: OdooContext, companyId: number, name: string, codeStem: string, known: readonly OdooWarehouse[]): Promise<OdooWarehouse> {
  const code = freeWarehouseCode(codeStem, known.map((w) => w.code));
  ctx.note(`Creating warehouse "${name}" (${code})`);
  const find = async () => (await ctx.engine.findWarehouses(companyId)).find((w) => w.active && sameName(w.name, name)) ?? null;
  const id = await createOrAdopt(() => ctx.engine.createWarehouse(companyId, { name, code }), async () => (await find())?.id ?? null);
  return { id, name, code, active: true };
}

/**
 * step_4_warehouses (Odoo): stock makes a warehouse for every new company (stock res_company.py
 * create, code = the first 5 characters of its name): it is adopted as the main store, not
 * duplicated. With the POS store enabled, a "POS Store" warehouse, its code free among the
 * company's codes, archived ones included (warehouse_code_uniq counts them).
 */
export const warehouses: Step<OdooPort> = {
  id: 'step_4_warehouses',
  async run(ctx) {
    const { companyId } = requireCompany(ctx);
    const all = await ctx.engine.findWarehouses(companyId);
    const active = all.filter((w) => w.active);
    const pos = ctx.config.posStoreEnabled ? active.find((w) => sameName(w.name, odooNames.posWarehouse)) : undefined;
    const main =
      active.find((w) => w.id === ctx.facts.odoo?.mainWarehouseId) ??
      active.find((w) => w.id !== pos?.id) ??
      (await createWarehouse(ctx, companyId, 'Main Store', 'MAIN', all));
    const posStore = ctx.config.posStoreEnabled ? (pos ?? (await createWarehouse(ctx, companyId, odooNames.posWarehouse, 'POS', [...all, main]))) : null;
    return {
      outcome: 'completed',
      message: `Warehouses ready: ${main.name} (${main.code}, main)${posStore ? `, ${posStore.name} (${posStore.code})` : ''}`,
      facts: { mainWarehouse: main.name, posWarehouse: posStore?.name ?? null, odoo: { ...ctx.facts.odoo, mainWarehouseId: main.id, posWarehouseId: posStore?.id ?? null } },
    };
  },
};
