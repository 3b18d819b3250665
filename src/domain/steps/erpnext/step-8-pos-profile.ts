import type { CompanyDefaults, ErpnextPort } from '../../../ports/erpnext.ts';
import { EngineValidationError } from '../../errors.ts';
import { createOrAdopt } from '../ensures.ts';
import { ensureAccount, ensureAccounts, ensureCostCenter, ensureWarehouse, MAIN_COST_CENTER, MAIN_WAREHOUSE, posAccount, type AccountSpec } from './ensures.ts';
import { type StepResult, type Step } from '../step.ts';
import { requireCompany, stripAbbr, tenantNames, type ErpnextContext } from './names.ts';

/** Mode of Payment type for a payment method name: Cash is cash, a mobile money method a phone one. */
export function paymentMethodType(method: string): 'Cash' | 'Phone' | 'Bank' {
  if (/^cash$/i.test(method)) return 'Cash';
  if (/pesa|mobile|momo|airtel|mtn|phone/i.test(method)) return 'Phone';
  return 'Bank';
}

/** The account a payment method's row points at: Cash to "Cash - ABBR", any other to a bank account of its own name. */
function paymentAccountSpec(method: string): AccountSpec {
  return paymentMethodType(method) === 'Cash' ? posAccount('cashAccount') : { accountName: method, parent: 'Bank Accounts', accountType: 'Bank' };
}

/**
 * Common issue 2 ("Please set default Cash or Bank account in Mode of Payments"): ERPNext only
 * gives the "Cash" mode an account row for a new company (erpnext.md §2 set_mode_of_payment_account);
 * every other mode needs one, pointing at a leaf account of this company. One read finds the
 * modes whose row for this company is in place (its account set: Frappe refuses to delete an
 * account a row links to, so a row's account exists); each other mode is read, or created, to
 * get its row. Rows of other companies are kept. Returns the modes that still need their row,
 * with the account spec it points at.
 */
async function modesNeedingAccount(ctx: ErpnextContext, company: string, methods: readonly string[]): Promise<Array<{ method: string; spec: AccountSpec }>> {
  const linked = new Set((await ctx.engine.modesOfPaymentWithAccount(company, methods)).map((m) => m.toLowerCase()));
  const unlinked: Array<{ method: string; spec: AccountSpec }> = [];
  for (const method of methods) {
    if (linked.has(method.toLowerCase())) continue;
    // Modes of Payment are site-wide: another tenant may create the same one at the same moment
    (await ctx.engine.findModeOfPayment(method)) ??
      (await createOrAdopt(
        () => ctx.engine.createModeOfPayment({ name: method, type: paymentMethodType(method) }),
        () => ctx.engine.findModeOfPayment(method),
      ));
    unlinked.push({ method, spec: paymentAccountSpec(method) });
  }
  return unlinked;
}

/**
 * The engine's answers when something the POS Profile links to vanished between our checks and
 * the insert (another hand in the engine): guide issues 2 ("Please set default Cash or Bank
 * account in Mode of Payments"), 3 ("Could not find Warehouse: ...") and 4 (write-off fields
 * mandatory, or their records gone). Worth one more pass of the ensures, not a failed run.
 */
function prerequisiteVanished(e: unknown): e is EngineValidationError {
  if (!(e instanceof EngineValidationError)) return false;
  return /set default Cash or Bank account in Mode of Payment/i.test(e.message) || /^Could not find /i.test(e.message) || (e.excType === 'MandatoryError' && /write_off/.test(e.message));
}

/** Passes of ensure-then-insert in one attempt (the second one heals what vanished). */
const MAX_PASSES = 2;

/**
 * step_8_pos_profile: the tenant's POS Profile. Before creating it, everything it links to is
 * made to exist, which heals common issues 2, 3 ("Could not find Warehouse: Main Store": link
 * the full "Main Store - ABBR", create it when missing) and 4 (write-off account and cost
 * centre mandatory: the company's defaults, else "Write Off - ABBR" and "Main - ABBR"). When the
 * engine still answers one of those errors, the ensures run once more and the insert is retried.
 */
export const posProfile: Step<ErpnextPort> = {
  id: 'step_8_pos_profile',
  async run(ctx) {
    for (let pass = 1; ; pass++) {
      try {
        return await ensurePosProfile(ctx);
      } catch (e) {
        if (!prerequisiteVanished(e) || pass >= MAX_PASSES) throw e;
        ctx.note(`The engine answered "${e.message}"; ensuring the POS Profile's records again`);
      }
    }
  },
};

async function ensurePosProfile(ctx: ErpnextContext): Promise<StepResult> {
  const { company, abbr } = requireCompany(ctx);
  const name = tenantNames.posProfile(company);
  const methods = ctx.config.paymentMethods;

  const unlinked = await modesNeedingAccount(ctx, company, methods);
  const existing = await ctx.engine.findPosProfile(name);
  // common issue 4: the company's defaults when they point at records that exist, else our own
  const defaults: CompanyDefaults = existing ? {} : ((await ctx.engine.findCompany(company))?.defaults ?? {});
  const writeOffDefault = defaults.write_off_account ? stripAbbr(defaults.write_off_account, abbr) : null;
  // the accounts of the modes without a row and the write-off account, in one read
  const { accounts, read } = await ensureAccounts(
    ctx,
    company,
    abbr,
    unlinked.map((u) => u.spec),
    existing ? [] : [writeOffDefault ?? posAccount('writeOffAccount').accountName],
  );
  for (const [i, { method }] of unlinked.entries()) {
    ctx.note(`Setting the account of Mode of Payment "${method}" for ${company} to "${accounts[i]!.name}"`);
    await ctx.engine.setModeOfPaymentAccount(method, company, accounts[i]!.name);
  }
  const warehouse = await ensureWarehouse(ctx, company, abbr, MAIN_WAREHOUSE);
  if (existing) return { outcome: 'completed', message: `POS Profile "${name}" exists`, facts: { posProfile: name, mainWarehouse: warehouse.name } };

  const defaultAccount = writeOffDefault ? (read.find((a) => a.accountName.toLowerCase() === writeOffDefault.toLowerCase()) ?? null) : null;
  const writeOffAccount =
    defaultAccount?.name ??
    read.find((a) => a.accountName.toLowerCase() === posAccount('writeOffAccount').accountName.toLowerCase())?.name ??
    (await ensureAccount(ctx, company, abbr, posAccount('writeOffAccount'))).name;
  const defaultCostCenter = defaults.cost_center ? await ctx.engine.findCostCenter(company, stripAbbr(defaults.cost_center, abbr)) : null;
  const writeOffCostCenter = defaultCostCenter && !defaultCostCenter.isGroup ? defaultCostCenter.name : (await ensureCostCenter(ctx, company, abbr, MAIN_COST_CENTER)).name;
  // the company's own defaults come back too: a cleared or dangling default is what issue 4 is made of
  const restored: CompanyDefaults = {
    ...(defaultAccount ? {} : { write_off_account: writeOffAccount }),
    ...(defaults.cost_center && defaultCostCenter ? {} : { cost_center: writeOffCostCenter }),
  };
  if (Object.keys(restored).length) await ctx.engine.setCompanyDefaults(company, restored);
  const sellingPriceList = (await ctx.engine.missingMasters([{ kind: 'price_list', name: 'Standard Selling' }])).length === 0 ? 'Standard Selling' : null;

  await ctx.engine.createPosProfile({
    name,
    company,
    currency: ctx.tenant.currency,
    warehouse: warehouse.name,
    writeOffAccount,
    writeOffCostCenter,
    paymentMethods: methods,
    sellingPriceList,
    customer: ctx.facts.customer ?? null,
  });
  return {
    outcome: 'completed',
    message: `POS Profile "${name}" created (${methods.join(', ')}; warehouse ${warehouse.name})${Object.keys(restored).length ? `; company defaults restored: ${Object.keys(restored).join(', ')}` : ''}`,
    facts: { posProfile: name, mainWarehouse: warehouse.name },
  };
}
