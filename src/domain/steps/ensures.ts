import type { Account, CostCenter, Warehouse } from '../../ports/engine.ts';
import type { StepContext } from './step.ts';
import { withAbbr } from './step.ts';
import { EngineDuplicateError, isProvisionerError } from '../errors.ts';

/**
 * A write that failed this way may still have been applied: the engine refused it as a
 * duplicate (someone created the record in between), or we never saw its answer (timeout,
 * connection lost), and the engine may have committed it, possibly later than our deadline.
 */
function mayHaveLanded(e: unknown): boolean {
  return e instanceof EngineDuplicateError || (isProvisionerError(e) && e.transient);
}

/**
 * Creates a record that a read just found missing. When the write may have been applied
 * anyway (see mayHaveLanded), a read decides: the record that now exists is adopted (another
 * tenant's run created the same site-wide record, or our own timed-out insert committed);
 * when there is none, the write's own error stands, and a transient one is retried by the
 * runner, which reads first again. Never a second blind write.
 */
export async function createOrAdopt<T>(create: () => Promise<T>, find: () => Promise<T | null>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    if (!mayHaveLanded(e)) throw e;
    let existing: T | null;
    try {
      existing = await find();
    } catch {
      throw e; // the engine is still failing: the write's own error says what happened
    }
    if (existing === null) throw e;
    return existing;
  }
}

/**
 * Ensures shared by several steps: read first, create only what is missing. Each returns the
 * record's full engine name.
 */

export async function ensureAccount(
  ctx: StepContext,
  company: string,
  abbr: string,
  spec: { accountName: string; parent: string; accountType?: string | null; isGroup?: boolean },
): Promise<Account> {
  const existing = await ctx.engine.findAccount(company, spec.accountName);
  if (existing) return existing;
  ctx.note(`Creating account "${withAbbr(spec.accountName, abbr)}"`);
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

export async function ensureCostCenter(ctx: StepContext, company: string, abbr: string, name: string): Promise<CostCenter> {
  const existing = await ctx.engine.findCostCenter(company, name);
  if (existing) return existing;
  ctx.note(`Creating cost center "${withAbbr(name, abbr)}"`);
  // ERPNext's root cost centre is named after the company (erpnext.md §2, create_default_cost_center)
  return createOrAdopt(
    () => ctx.engine.createCostCenter({ company, costCenterName: name, parentCostCenter: withAbbr(company, abbr) }),
    () => ctx.engine.findCostCenter(company, name),
  );
}

export async function ensureWarehouse(ctx: StepContext, company: string, abbr: string, name: string): Promise<Warehouse> {
  const existing = await ctx.engine.findWarehouse(company, name);
  if (existing) return existing;
  const root = await ctx.engine.findWarehouse(company, 'All Warehouses');
  ctx.note(`Creating warehouse "${withAbbr(name, abbr)}"`);
  return createOrAdopt(
    () => ctx.engine.createWarehouse({ company, warehouseName: name, parentWarehouse: root?.isGroup ? root.name : null }),
    () => ctx.engine.findWarehouse(company, name),
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
