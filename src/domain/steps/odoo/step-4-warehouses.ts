import type { OdooPort, OdooWarehouse } from '../../../ports/odoo.ts';
import { createOrAdopt } from '../ensures.ts';
import type { Step } from '../step.ts';
import { freeWarehouseCode, odooNames, requireCompany, type OdooContext } from './names.ts';

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The warehouse `name` of the company: brought back when it was archived (its name and code stay
 * taken: stock_warehouse.py warehouse_name_uniq and warehouse_code_uniq count archived ones),
 * else made with a free code; a lost answer is found by its name.
 */
async function ensureWarehouse(ctx: OdooContext, companyId: number, name: string, codeStem: string, known: readonly OdooWarehouse[]): Promise<OdooWarehouse> {
  const archived = known.find((w) => !w.active && sameName(w.name, name));
  if (archived) return activate(ctx, companyId, archived);
  const code = freeWarehouseCode(codeStem, known.map((w) => w.code));
  ctx.note(`Creating warehouse "${name}" (${code})`);
  const find = async () => (await ctx.engine.findWarehouses(companyId)).find((w) => w.active && sameName(w.name, name)) ?? null;
  const id = await createOrAdopt(() => ctx.engine.createWarehouse(companyId, { name, code }), async () => (await find())?.id ?? null);
  return { id, name, code, active: true };
}

async function activate(ctx: OdooContext, companyId: number, warehouse: OdooWarehouse): Promise<OdooWarehouse> {
  ctx.note(`Unarchiving warehouse "${warehouse.name}" (${warehouse.code})`);
  await ctx.engine.activateWarehouse(companyId, warehouse.id);
  return { ...warehouse, active: true };
}

/**
 * step_4_warehouses (Odoo): stock makes a warehouse for every new company (stock res_company.py
 * create, code = the first 5 characters of its name): it is adopted as the main store, not
 * duplicated (nor, once archived, replaced: it is unarchived when no other is active). With the
 * POS store enabled, a "POS Store" warehouse, unarchived when it was archived, else made with a
 * code free among the company's codes, archived ones included.
 */
export const warehouses: Step<OdooPort> = {
  id: 'step_4_warehouses',
  async run(ctx) {
    const { companyId } = requireCompany(ctx);
    const all = await ctx.engine.findWarehouses(companyId);
    const active = all.filter((w) => w.active);
    const pos = ctx.config.posStoreEnabled ? active.find((w) => sameName(w.name, odooNames.posWarehouse)) : undefined;
    const archivedMain = all.find((w) => !w.active && w.id === ctx.facts.odoo?.mainWarehouseId);
    const main =
      active.find((w) => w.id === ctx.facts.odoo?.mainWarehouseId) ??
      active.find((w) => w.id !== pos?.id) ??
      (archivedMain ? await activate(ctx, companyId, archivedMain) : await ensureWarehouse(ctx, companyId, 'Main Store', 'MAIN', all));
    const posStore = ctx.config.posStoreEnabled ? (pos ?? (await ensureWarehouse(ctx, companyId, odooNames.posWarehouse, 'POS', [...all, main]))) : null;
    return {
      outcome: 'completed',
      message: `Warehouses ready: ${main.name} (${main.code}, main)${posStore ? `, ${posStore.name} (${posStore.code})` : ''}`,
      facts: { mainWarehouse: main.name, posWarehouse: posStore?.name ?? null, odoo: { ...ctx.facts.odoo, mainWarehouseId: main.id, posWarehouseId: posStore?.id ?? null } },
    };
  },
};
