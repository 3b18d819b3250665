import type { Account, CostCenter, Warehouse } from '../../../ports/erpnext.ts';
import { createOrAdopt } from '../ensures.ts';
import { withAbbr, type ErpnextContext } from './names.ts';

/**
 * Ensures shared by several steps: read first, create only what is missing. Each returns the
 * record's full engine name.
 */

export async function ensureAccount(ctx: ErpnextContext, company: string, abbr: string, spec: AccountSpec): Promise<Account> {
  const existing = await ctx.engine.findAccount(company, spec.accountName);
  if (existing) return existing;
  ctx.note(`Creating account "${withAbbr(spec.accountName, abbr)}"`);
  return createAccountOrAdopt(ctx, company, abbr, spec);
}

export async function ensureCostCenter(ctx: ErpnextContext, company: string, abbr: string, name: string): Promise<CostCenter> {
  const existing = await ctx.engine.findCostCenter(company, name);
  if (existing) return existing;
  ctx.note(`Creating cost center "${withAbbr(name, abbr)}"`);
  // ERPNext's root cost centre is named after the company (erpnext.md §2, create_default_cost_center)
  return createOrAdopt(
    () => ctx.engine.createCostCenter({ company, costCenterName: name, parentCostCenter: withAbbr(company, abbr) }),
    () => ctx.engine.findCostCenter(company, name),
  );
}

export async function ensureWarehouse(ctx: ErpnextContext, company: string, abbr: string, name: string): Promise<Warehouse> {
  return (await ensureWarehouses(ctx, company, abbr, [name]))[0]!;
}

/** ERPNext's root warehouse of a company (erpnext.md §2 create_default_warehouses). */
const ROOT_WAREHOUSE = 'All Warehouses';

/**
 * The company's warehouses `names`, in that order, with the root they go under read in the same
 * call: one read, then one insert per missing warehouse.
 */
export async function ensureWarehouses(ctx: ErpnextContext, company: string, abbr: string, names: readonly string[]): Promise<Warehouse[]> {
  const found = await ctx.engine.findWarehouses(company, [...names, ROOT_WAREHOUSE]);
  const byName = (name: string) => found.find((w) => w.warehouseName.toLowerCase() === name.toLowerCase()) ?? null;
  const root = byName(ROOT_WAREHOUSE);
  const out: Warehouse[] = [];
  for (const name of names) {
    const existing = byName(name);
    if (existing) {
      out.push(existing);
      continue;
    }
    ctx.note(`Creating warehouse "${withAbbr(name, abbr)}"`);
    out.push(
      await createOrAdopt(
        () => ctx.engine.createWarehouse({ company, warehouseName: name, parentWarehouse: root?.isGroup ? root.name : null }),
        () => ctx.engine.findWarehouse(company, name),
      ),
    );
  }
  return out;
}

/** Account specs as ensureAccount takes them. */
export type AccountSpec = { accountName: string; parent: string; accountType?: string | null; isGroup?: boolean };

/**
 * The company's accounts `specs`, in that order: one read for all of them (plus `alsoRead`,
 * account names the caller wants to look at in the same call), then one insert per missing one.
 */
export async function ensureAccounts(ctx: ErpnextContext, company: string, abbr: string, specs: readonly AccountSpec[], alsoRead: readonly string[] = []): Promise<{ accounts: Account[]; read: Account[] }> {
  const read = await ctx.engine.findAccounts(company, [...new Set([...specs.map((s) => s.accountName), ...alsoRead])]);
  const accounts: Account[] = [];
  for (const spec of specs) {
    const existing = read.find((a) => a.accountName.toLowerCase() === spec.accountName.toLowerCase());
    if (existing) {
      accounts.push(existing);
      continue;
    }
    ctx.note(`Creating account "${withAbbr(spec.accountName, abbr)}"`);
    accounts.push(await createAccountOrAdopt(ctx, company, abbr, spec));
  }
  return { accounts, read };
}

function createAccountOrAdopt(ctx: ErpnextContext, company: string, abbr: string, spec: AccountSpec): Promise<Account> {
  return createOrAdopt(
    () =>
      ctx.engine.createAccount({
        company,
        accountName: spec.accountName,
        parentAccount: withAbbr(spec.parent, abbr),
        accountType: spec.accountType ?? null,
        isGroup: spec.isGroup ?? false,
      }),
    () => ctx.engine.findAccount(company, spec.accountName),
  );
}

/** The accounts and cost centre a POS needs (product.md §2, step_3), as in ERPNext's Standard chart. */
export const POS_ACCOUNTS = [
  { key: 'cashAccount', accountName: 'Cash', parent: 'Cash In Hand', accountType: 'Cash' },
  { key: 'writeOffAccount', accountName: 'Write Off', parent: 'Indirect Expenses', accountType: null },
  { key: 'roundOffAccount', accountName: 'Round Off', parent: 'Indirect Expenses', accountType: 'Round Off' },
] as const;

/** One of POS_ACCOUNTS by what it is for. */
export const posAccount = (key: (typeof POS_ACCOUNTS)[number]['key']) => POS_ACCOUNTS.find((a) => a.key === key)!;

export const MAIN_COST_CENTER = 'Main';
export const MAIN_WAREHOUSE = 'Main Store';
export const POS_WAREHOUSE = 'POS Store';
