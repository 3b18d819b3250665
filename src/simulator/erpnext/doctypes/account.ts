/**
 * Account (erpnext.md §13; erpnext accounts/doctype/account/account.py [M: messages from memory]).
 * Named "<account_name> - ABBR" (or "<number> - <name> - ABBR"); the parent must be a group
 * account of the same company; root_type/report_type come from the parent.
 */
import { bold, frappeThrow } from '../errors.ts';
import { cint, cstr, sameText, type DocTypeDef } from '../meta.ts';
import { check, data, link, nameWithNumberAndAbbr, select, validateIfChildExists } from './shared.ts';

const ACCOUNT_TYPES = [
  '', 'Accumulated Depreciation', 'Asset Received But Not Billed', 'Bank', 'Cash', 'Chargeable', 'Capital Work in Progress',
  'Cost of Goods Sold', 'Current Asset', 'Current Liability', 'Depreciation', 'Direct Expense', 'Direct Income', 'Equity',
  'Expense Account', 'Expenses Included In Asset Valuation', 'Expenses Included In Valuation', 'Fixed Asset', 'Income Account',
  'Indirect Expense', 'Indirect Income', 'Liability', 'Payable', 'Receivable', 'Round Off', 'Round Off for Opening', 'Stock',
  'Stock Adjustment', 'Stock Received But Not Billed', 'Service Received But Not Billed', 'Tax', 'Temporary',
];

const REPORT_TYPE: Record<string, string> = {
  Asset: 'Balance Sheet', Liability: 'Balance Sheet', Equity: 'Balance Sheet', Income: 'Profit and Loss', Expense: 'Profit and Loss',
};

export const accountDoctype: DocTypeDef = {
  name: 'Account',
  module: 'Accounts',
  naming: { by: 'controller', autoname: (doc, ctx) => nameWithNumberAndAbbr(ctx, doc.account_number, doc.account_name, doc.company) },
  fields: [
    check('disabled', 'Disable'),
    data('account_name', 'Account Name', { reqd: true }),
    data('account_number', 'Account Number'),
    check('is_group', 'Is Group'),
    link('company', 'Company', 'Company', { reqd: true }),
    select('root_type', 'Root Type', ['', 'Asset', 'Liability', 'Income', 'Expense', 'Equity']),
    select('report_type', 'Report Type', ['', 'Balance Sheet', 'Profit and Loss']),
    link('account_currency', 'Currency', 'Currency'),
    link('parent_account', 'Parent Account', 'Account'),
    select('account_type', 'Account Type', ACCOUNT_TYPES),
    { fieldname: 'tax_rate', label: 'Rate', fieldtype: 'Float' },
    select('freeze_account', 'Frozen', ['No', 'Yes'], { default: 'No' }),
    select('balance_must_be', 'Balance must be', ['', 'Debit', 'Credit']),
  ],
  validate(doc, ctx, info) {
    // validate_parent
    if (cstr(doc.parent_account)) {
      const parent = ctx.tx.get('Account', doc.parent_account);
      if (!parent) frappeThrow(`Account ${doc.name}: Parent account ${doc.parent_account} does not exist`);
      if (sameText(parent.name, doc.name)) frappeThrow(`Account ${doc.name}: You can not assign itself as parent account`);
      if (!cint(parent.is_group)) frappeThrow(`Account ${doc.name}: Parent account ${doc.parent_account} can not be a ledger`);
      if (!sameText(parent.company, doc.company)) {
        frappeThrow(`Account ${doc.name}: Parent account ${doc.parent_account} does not belong to company: ${doc.company}`);
      }
    }
    // validate_root_details
    if (info.before && !cstr(info.before.parent_account) && (cstr(doc.parent_account) || cstr(doc.root_type) !== cstr(info.before.root_type))) {
      frappeThrow('Root cannot be edited.', 'ValidationError');
    }
    if (!cstr(doc.parent_account) && !cint(doc.is_group)) frappeThrow(`The root account ${bold(doc.name)} must be a group`);
    // validate_account_number
    if (cstr(doc.account_number)) {
      const other = ctx.tx.where('Account', 'company', doc.company).find((a) => a.name !== doc.name && cstr(a.account_number) === cstr(doc.account_number));
      if (other) frappeThrow(`Account Number ${doc.account_number} already used in account ${other.name}`);
    }
    // set_root_and_report_type
    const parent = ctx.tx.get('Account', doc.parent_account);
    if (parent) {
      if (cstr(parent.root_type)) doc.root_type = parent.root_type;
      if (cstr(parent.report_type)) doc.report_type = parent.report_type;
    }
    if (cstr(doc.root_type) && !cstr(doc.report_type)) doc.report_type = REPORT_TYPE[cstr(doc.root_type)] ?? null;
    // validate_mandatory
    if (!cstr(doc.root_type)) frappeThrow('Root Type is mandatory');
    if (!cstr(doc.report_type)) frappeThrow('Report Type is mandatory');
    // validate_account_currency: defaults to the company's currency
    if (!cstr(doc.account_currency)) doc.account_currency = ctx.tx.get('Company', doc.company)?.default_currency ?? null;
  },
  // on_trash: no GL entries in the simulator, then NestedSet.on_trash
  // [V thimphutpl/erpnext-V15:erpnext/accounts/doctype/account/account.py@22b458d]
  onTrash: (doc, ctx) => validateIfChildExists(ctx, doc, 'parent_account'),
  businessKey: (doc) => `${cstr(doc.company)}|${cstr(doc.account_name)}`,
};
