/**
 * The generic chart of accounts of Odoo 17 (`generic_coa`, defined in the account module:
 * addons/account/models/template_generic_coa.py and its data CSV), as a company gets it from
 * `account.chart.template.try_loading`: code, name, account_type, reconcile. Read from a real
 * Odoo 17 after loading (47 accounts, odoo.md Part C).
 */
export const GENERIC_COA_ACCOUNTS: ReadonlyArray<readonly [code: string, name: string, accountType: string, reconcile: boolean]> = [
  ["101000", "Current Assets", "asset_current", false],
  ["101300", "Account Receivable (PoS)", "asset_receivable", true],
  ["101401", "Bank", "asset_cash", false],
  ["101402", "Bank Suspense Account", "asset_current", false],
  ["101403", "Outstanding Receipts", "asset_current", true],
  ["101404", "Outstanding Payments", "asset_current", true],
  ["101501", "Cash", "asset_cash", false],
  ["101701", "Liquidity Transfer", "asset_current", true],
  ["110100", "Stock Valuation", "asset_current", false],
  ["110200", "Stock Interim (Received)", "asset_current", true],
  ["110300", "Stock Interim (Delivered)", "asset_current", true],
  ["110400", "Cost of Production", "asset_current", true],
  ["121000", "Account Receivable", "asset_receivable", true],
  ["121100", "Products to receive", "asset_current", true],
  ["131000", "Tax Paid", "asset_current", false],
  ["132000", "Tax Receivable", "asset_current", false],
  ["141000", "Prepayments", "asset_prepayments", false],
  ["151000", "Fixed Asset", "asset_fixed", false],
  ["191000", "Non-current assets", "asset_non_current", false],
  ["201000", "Current Liabilities", "liability_current", false],
  ["211000", "Account Payable", "liability_payable", true],
  ["211100", "Bills to receive", "liability_current", true],
  ["230000", "Salary Payable", "liability_current", true],
  ["230100", "Employee Payroll Taxes", "liability_current", true],
  ["230200", "Employer Payroll Taxes", "liability_current", true],
  ["251000", "Tax Received", "liability_current", false],
  ["252000", "Tax Payable", "liability_current", false],
  ["291000", "Non-current Liabilities", "liability_non_current", false],
  ["301000", "Capital", "equity", false],
  ["302000", "Dividends", "equity", false],
  ["400000", "Product Sales", "income", false],
  ["441000", "Foreign Exchange Gain", "income", false],
  ["442000", "Cash Difference Gain", "income", false],
  ["443000", "Cash Discount Loss", "expense", false],
  ["450000", "Other Income", "income_other", false],
  ["500000", "Cost of Goods Sold", "expense_direct_cost", false],
  ["600000", "Expenses", "expense", false],
  ["611000", "Purchase of Equipments", "expense", false],
  ["612000", "Rent", "expense", false],
  ["620000", "Bank Fees", "expense", false],
  ["630000", "Salary Expenses", "expense", false],
  ["641000", "Foreign Exchange Loss", "expense", false],
  ["642000", "Cash Difference Loss", "expense", false],
  ["643000", "Cash Discount Gain", "income", false],
  ["961000", "RD Expenses", "expense", false],
  ["962000", "Sales Expenses", "expense", false],
  ["999999", "Undistributed Profits/Losses", "equity_unaffected", false]

];

/**
 * The journals `generic_coa` gives a company (odoo.md Part C; the same 9 on a real Odoo 17, in
 * its order `sequence, type, code`): code, name, type. POSS comes from point_of_sale.
 */
export const GENERIC_COA_JOURNALS: ReadonlyArray<readonly [code: string, name: string, type: 'sale' | 'purchase' | 'general' | 'bank' | 'cash']> = [
  ['INV', 'Customer Invoices', 'sale'],
  ['BILL', 'Vendor Bills', 'purchase'],
  ['MISC', 'Miscellaneous Operations', 'general'],
  ['EXCH', 'Exchange Difference', 'general'],
  ['CABA', 'Cash Basis Taxes', 'general'],
  ['BNK1', 'Bank', 'bank'],
  ['CSH1', 'Cash', 'cash'],
  ['STJ', 'Inventory Valuation', 'general'],
  ['POSS', 'Point of Sale', 'general'],
];
