/**
 * Company (erpnext.md §2; erpnext setup/doctype/company/company.py).
 * validate: validate_abbr (initials when empty, "Abbreviation is mandatory", "Abbreviation already
 * used for another company"), validate_default_accounts, validate_coa_input.
 * on_update (when the company has no accounts yet): the Standard chart (§13), 5 warehouses,
 * 2 cost centres, default accounts, and the Cash mode of payment's account row.
 */
import { readFileSync } from 'node:fs';
import { bold, frappeThrow } from '../errors.ts';
import { cint, cstr, rows, sameText, type Doc, type DocContext, type DocTypeDef, type FieldDef } from '../meta.ts';
import { check, data, link, select, validateIfChildExists } from './shared.ts';

interface ChartAccount {
  account_name: string;
  parent_account: string | null;
  is_group: number;
  root_type: string;
  account_type: string;
}

/**
 * ERPNext's "Standard" chart, copied from shared/data/erpnext-standard-chart.json (itself taken from
 * frappe/erpnext accounts/doctype/account/chart_of_accounts/verified/standard_chart_of_accounts.py @026c2d7).
 */
const STANDARD_CHART: ChartAccount[] = (
  JSON.parse(readFileSync(new URL('../data/standard-chart.json', import.meta.url), 'utf8')) as { accounts: ChartAccount[] }
).accounts;

/** Default-account fields checked by validate_default_accounts (label, fieldname). */
const DEFAULT_ACCOUNT_FIELDS: Array<[string, string]> = [
  ['Default Bank Account', 'default_bank_account'],
  ['Default Cash Account', 'default_cash_account'],
  ['Default Receivable Account', 'default_receivable_account'],
  ['Default Payable Account', 'default_payable_account'],
  ['Default Expense Account', 'default_expense_account'],
  ['Default Income Account', 'default_income_account'],
  ['Stock Received But Not Billed Account', 'stock_received_but_not_billed'],
  ['Stock Adjustment Account', 'stock_adjustment_account'],
  ['Write Off Account', 'write_off_account'],
  ['Round Off Account', 'round_off_account'],
  ['Exchange Gain / Loss Account', 'exchange_gain_loss_account'],
  ['Gain/Loss Account on Asset Disposal', 'disposal_account'],
  ['Accumulated Depreciation Account', 'accumulated_depreciation_account'],
  ['Depreciation Expense Account', 'depreciation_expense_account'],
  ['Capital Work In Progress Account', 'capital_work_in_progress_account'],
  ['Asset Received But Not Billed', 'asset_received_but_not_billed'],
  ['Default Inventory Account', 'default_inventory_account'],
  ['Expenses Included In Valuation', 'expenses_included_in_valuation'],
  ['Expenses Included In Asset Valuation', 'expenses_included_in_asset_valuation'],
];

const accountFields: FieldDef[] = DEFAULT_ACCOUNT_FIELDS.map(([label, fieldname]) => link(fieldname, label, 'Account'));

export const companyDoctype: DocTypeDef = {
  name: 'Company',
  module: 'Setup',
  naming: { by: 'field', field: 'company_name' },
  fields: [
    data('company_name', 'Company', { reqd: true, unique: true }),
    data('abbr', 'Abbr', { reqd: true, set_only_once: true }),
    link('default_currency', 'Default Currency', 'Currency', { reqd: true }),
    link('country', 'Country', 'Country', { reqd: true }),
    check('is_group', 'Is Group'),
    link('parent_company', 'Parent Company', 'Company'),
    data('domain', 'Domain'),
    data('tax_id', 'Tax ID'),
    data('date_of_establishment', 'Date of Establishment'),
    data('default_holiday_list', 'Default Holiday List'),
    select('create_chart_of_accounts_based_on', 'Create Chart Of Accounts Based On', ['', 'Standard Template', 'Existing Company']),
    // chart_of_accounts is a Select whose options the desk loads from the installed charts: not validated
    data('chart_of_accounts', 'Chart Of Accounts Template'),
    link('existing_company', 'Existing Company', 'Company'),
    ...accountFields,
    link('cost_center', 'Default Cost Center', 'Cost Center'),
    link('round_off_cost_center', 'Round Off Cost Center', 'Cost Center'),
    link('depreciation_cost_center', 'Asset Depreciation Cost Center', 'Cost Center'),
    check('enable_perpetual_inventory', 'Enable Perpetual Inventory', { default: 1 }),
    data('email', 'Email'),
    data('phone_no', 'Phone No'),
    data('website', 'Website'),
  ],
  validate(doc, ctx) {
    validateAbbr(doc, ctx);
    validateDefaultAccounts(doc, ctx);
    validateCoaInput(doc);
  },
  onUpdate(doc, ctx, info) {
    const hasAccounts = ctx.tx.where('Account', 'company', doc.name).some((a) => cint(a.docstatus) < 2);
    if (!hasAccounts) {
      createDefaultAccounts(doc, ctx);
      createDefaultWarehouses(doc, ctx);
    }
    if (!ctx.tx.find('Cost Center', { is_group: 0, company: doc.name })) createDefaultCostCenter(doc, ctx);
    setDefaultAccounts(doc, ctx, info.isNew);
    if (cstr(doc.default_cash_account)) setModeOfPaymentAccount(doc, ctx);
    const currency = ctx.tx.get('Currency', doc.default_currency);
    if (currency && !cint(currency.enabled)) ctx.tx.put({ ...currency, enabled: 1 });
  },
  onTrash(doc, ctx) {
    // Company.on_trash starts with NestedSet.validate_if_child_exists (child companies)
    // [V thimphutpl/erpnext-V15:erpnext/setup/doctype/company/company.py@057ad44]
    validateIfChildExists(ctx, doc, 'parent_company');
    // without transactions: deletes its accounts, cost centres, warehouses, Mode of Payment Account rows
    for (const dt of ['Account', 'Cost Center', 'Warehouse']) {
      for (const d of ctx.tx.where(dt, 'company', doc.name)) ctx.tx.remove(dt, d.name);
    }
    for (const mop of ctx.tx.list('Mode of Payment')) {
      const kept = rows(mop, 'accounts').filter((r) => !sameText(r.company, doc.name));
      if (kept.length !== rows(mop, 'accounts').length) ctx.tx.put({ ...mop, accounts: kept.map((r, i) => ({ ...r, idx: i + 1 })) });
    }
  },
  businessKey: (doc) => cstr(doc.company_name),
};

/** validate_abbr [V company.py]. */
function validateAbbr(doc: Doc, ctx: DocContext): void {
  if (!cstr(doc.abbr)) {
    doc.abbr = cstr(doc.company_name).split(/\s+/).filter(Boolean).map((w) => w[0]).join('').toUpperCase();
  }
  doc.abbr = cstr(doc.abbr).trim();
  if (!doc.abbr) frappeThrow('Abbreviation is mandatory');
  // SQL "name != %s and abbr = %s" under a case-insensitive collation
  if (ctx.tx.where('Company', 'abbr', doc.abbr).some((c) => !sameText(c.name, doc.name))) {
    frappeThrow('Abbreviation already used for another company');
  }
}

/**
 * The defaults validate_default_accounts checks [V erpnext setup/doctype/company/company.py, v15]:
 * only these nine; write_off_account, round_off_account and the others are not checked at all
 * (a real ERPNext 15.71.1 accepts another company's account there: the differential test).
 */
const CHECKED_DEFAULT_ACCOUNTS: Array<[string, string]> = [
  ['Default Bank Account', 'default_bank_account'],
  ['Default Cash Account', 'default_cash_account'],
  ['Default Receivable Account', 'default_receivable_account'],
  ['Default Payable Account', 'default_payable_account'],
  ['Default Expense Account', 'default_expense_account'],
  ['Default Income Account', 'default_income_account'],
  ['Stock Received But Not Billed Account', 'stock_received_but_not_billed'],
  ['Stock Adjustment Account', 'stock_adjustment_account'],
  ['Expense Included In Valuation Account', 'expenses_included_in_valuation'],
];

/** validate_default_accounts: each checked default belongs to this company, in its currency. */
function validateDefaultAccounts(doc: Doc, ctx: DocContext): void {
  for (const [label, field] of CHECKED_DEFAULT_ACCOUNTS) {
    const value = cstr(doc[field]);
    if (!value) continue;
    const account = ctx.tx.get('Account', value);
    if (!sameText(account?.company, doc.name)) frappeThrow(`Account ${value} does not belong to company: ${doc.name}`);
    if (cstr(account?.account_currency) && cstr(account?.account_currency) !== cstr(doc.default_currency)) {
      frappeThrow(`${bold(label)} currency must be same as company's default currency. Please select another account.`);
    }
  }
}

/** validate_coa_input [V]: "Standard Template" unless "Existing Company"; chart defaults to "Standard". */
function validateCoaInput(doc: Doc): void {
  if (cstr(doc.create_chart_of_accounts_based_on) === 'Existing Company') {
    if (!cstr(doc.existing_company)) frappeThrow('Please select Existing Company for creating Chart of Accounts');
  } else {
    doc.create_chart_of_accounts_based_on = 'Standard Template';
    if (!cstr(doc.chart_of_accounts)) doc.chart_of_accounts = 'Standard';
  }
}

/**
 * create_charts(company, chart_of_accounts): the simulator only knows "Standard"; any other
 * template (country charts) is built from the Standard one [unverified simplification].
 */
function createDefaultAccounts(doc: Doc, ctx: DocContext): void {
  const abbr = cstr(doc.abbr);
  for (const a of STANDARD_CHART) {
    ctx.insert('Account', {
      account_name: a.account_name,
      parent_account: a.parent_account ? `${a.parent_account} - ${abbr}` : null,
      is_group: a.is_group,
      root_type: a.root_type,
      account_type: a.account_type,
      company: doc.name,
      account_currency: doc.default_currency,
    });
  }
  doc.default_receivable_account = ctx.tx.find('Account', { company: doc.name, account_type: 'Receivable', is_group: 0 })?.name ?? null;
  doc.default_payable_account = ctx.tx.find('Account', { company: doc.name, account_type: 'Payable', is_group: 0 })?.name ?? null;
}

/** create_default_warehouses [V §2]. */
function createDefaultWarehouses(doc: Doc, ctx: DocContext): void {
  const abbr = cstr(doc.abbr);
  const warehouses: Array<{ warehouse_name: string; is_group: number; warehouse_type?: string }> = [
    { warehouse_name: 'All Warehouses', is_group: 1 },
    { warehouse_name: 'Stores', is_group: 0 },
    { warehouse_name: 'Work In Progress', is_group: 0 },
    { warehouse_name: 'Finished Goods', is_group: 0 },
    { warehouse_name: 'Goods In Transit', is_group: 0, warehouse_type: 'Transit' },
  ];
  for (const w of warehouses) {
    if (ctx.tx.exists('Warehouse', `${w.warehouse_name} - ${abbr}`)) continue;
    ctx.insert('Warehouse', {
      warehouse_name: w.warehouse_name,
      is_group: w.is_group,
      company: doc.name,
      parent_warehouse: w.is_group ? null : `All Warehouses - ${abbr}`,
      warehouse_type: w.warehouse_type ?? null,
    });
  }
}

/** create_default_cost_center [V §2]: root "<Company> - ABBR" and leaf "Main - ABBR". */
function createDefaultCostCenter(doc: Doc, ctx: DocContext): void {
  const abbr = cstr(doc.abbr);
  ctx.insert('Cost Center', { cost_center_name: doc.name, company: doc.name, is_group: 1, parent_cost_center: null });
  ctx.insert('Cost Center', { cost_center_name: 'Main', company: doc.name, is_group: 0, parent_cost_center: `${doc.name} - ${abbr}` });
  doc.cost_center = `Main - ${abbr}`;
  doc.round_off_cost_center = `Main - ${abbr}`;
  doc.depreciation_cost_center = `Main - ${abbr}`;
}

/** set_default_accounts [V §2]: by account type (new companies), income/write-off/exchange by name. */
function setDefaultAccounts(doc: Doc, ctx: DocContext, isNew: boolean): void {
  const byType: Record<string, string> = {
    default_cash_account: 'Cash',
    default_bank_account: 'Bank',
    round_off_account: 'Round Off',
    accumulated_depreciation_account: 'Accumulated Depreciation',
    depreciation_expense_account: 'Depreciation',
    capital_work_in_progress_account: 'Capital Work in Progress',
    asset_received_but_not_billed: 'Asset Received But Not Billed',
    expenses_included_in_asset_valuation: 'Expenses Included In Asset Valuation',
    default_expense_account: 'Cost of Goods Sold',
  };
  if (cint(doc.enable_perpetual_inventory)) {
    Object.assign(byType, {
      stock_received_but_not_billed: 'Stock Received But Not Billed',
      default_inventory_account: 'Stock',
      stock_adjustment_account: 'Stock Adjustment',
      expenses_included_in_valuation: 'Expenses Included In Valuation',
    });
  }
  const leaf = (where: Record<string, unknown>) => ctx.tx.find('Account', { company: doc.name, is_group: 0, ...where })?.name ?? null;
  if (isNew) {
    for (const [field, type] of Object.entries(byType)) if (!cstr(doc[field])) doc[field] = leaf({ account_type: type });
  }
  if (!cstr(doc.default_income_account)) {
    const income = ctx.tx
      .where('Account', 'company', doc.name)
      .find((a) => !cint(a.is_group) && (['Sales', 'Sales Account'].includes(cstr(a.account_name)) || a.account_type === 'Income Account'));
    doc.default_income_account = income?.name ?? null;
  }
  if (!cstr(doc.write_off_account)) doc.write_off_account = leaf({ account_name: 'Write Off' });
  if (!cstr(doc.exchange_gain_loss_account)) doc.exchange_gain_loss_account = leaf({ account_name: 'Exchange Gain/Loss' });
  if (!cstr(doc.disposal_account)) doc.disposal_account = leaf({ account_name: 'Gain/Loss on Asset Disposal' });
}

/**
 * set_mode_of_payment_account [V §2, §15]: `frappe.db.get_value("Mode of Payment", {"type": "Cash"}, "name")`
 * picks the Cash-type mode; without an order_by, v15's get_value orders by "modified", descending
 * [V 8848digital/frappe-v15:frappe/database/database.py@e0497f5 get_value, frappe/database/query.py
 * apply_order_by] (ordering by creation is v16 only, frappe/frappe#25623). So the most recently
 * modified Cash-type mode gets the new company's row — a mode inserted without `type` (Cash by
 * default) after "Cash" last changed takes the row meant for "Cash".
 */
function setModeOfPaymentAccount(doc: Doc, ctx: DocContext): void {
  const cash = ctx.tx
    .list('Mode of Payment')
    .filter((m) => sameText(m.type, 'Cash'))
    .sort((a, b) => (cstr(a.modified) < cstr(b.modified) ? 1 : cstr(a.modified) > cstr(b.modified) ? -1 : 0))[0];
  if (!cash) return;
  if (rows(cash, 'accounts').some((r) => sameText(r.company, doc.name))) return;
  const updated = structuredClone(cash);
  updated.accounts = [...rows(updated, 'accounts'), { company: doc.name, default_account: doc.default_cash_account }];
  ctx.save(updated);
}
