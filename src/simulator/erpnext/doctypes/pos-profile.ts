/**
 * POS Profile + children "POS Payment Method", "POS Profile User" (erpnext.md §5; pos_profile.py [V v15 fork]).
 * Named by Prompt (`name`/`__newname` from the client). validate order: validate_default_profile,
 * validate_all_link_fields, validate_duplicate_groups (n/a), validate_payment_methods.
 */
import { frappeThrow } from '../errors.ts';
import { cint, cstr, rows, sameText, type Doc, type DocContext, type DocTypeDef } from '../meta.ts';
import { check, currency, data, link, linkToForm, modeOfPaymentAccount, select, table } from './shared.ts';

export const posPaymentMethodDoctype: DocTypeDef = {
  name: 'POS Payment Method',
  module: 'Accounts',
  table: true,
  naming: { by: 'hash' },
  fields: [check('default', 'Default'), check('allow_in_returns', 'Allow In Returns'), link('mode_of_payment', 'Mode of Payment', 'Mode of Payment', { reqd: true })],
};

export const posProfileUserDoctype: DocTypeDef = {
  name: 'POS Profile User',
  module: 'Accounts',
  table: true,
  naming: { by: 'hash' },
  fields: [check('default', 'Default'), link('user', 'User', 'User')],
};

export const posProfileDoctype: DocTypeDef = {
  name: 'POS Profile',
  module: 'Accounts',
  naming: { by: 'prompt' },
  fields: [
    link('company', 'Company', 'Company', { reqd: true }),
    link('customer', 'Customer', 'Customer'),
    link('country', 'Country', 'Country'), // fetch_from company.country
    check('disabled', 'Disabled'),
    link('warehouse', 'Warehouse', 'Warehouse', { reqd: true }),
    table('applicable_for_users', 'Applicable for Users', 'POS Profile User'),
    table('payments', 'Payment Methods', 'POS Payment Method', { reqd: true }),
    check('update_stock', 'Update Stock', { default: 1 }),
    check('ignore_pricing_rule', 'Ignore Pricing Rule'),
    check('allow_rate_change', 'Allow User to Edit Rate'),
    check('allow_discount_change', 'Allow User to Edit Discount'),
    check('hide_images', 'Hide Images'),
    check('hide_unavailable_items', 'Hide Unavailable Items'),
    check('auto_add_item_to_cart', 'Automatically Add Filtered Item To Cart'),
    check('validate_stock_on_save', 'Validate Stock on Save'),
    link('selling_price_list', 'Price List', 'Price List'),
    link('currency', 'Currency', 'Currency', { reqd: true }),
    link('write_off_account', 'Write Off Account', 'Account', { reqd: true }),
    link('write_off_cost_center', 'Write Off Cost Center', 'Cost Center', { reqd: true }),
    currency('write_off_limit', 'Write Off Limit', { reqd: true, default: 1 }),
    link('account_for_change_amount', 'Account for Change Amount', 'Account'),
    link('income_account', 'Income Account', 'Account'),
    link('expense_account', 'Expense Account', 'Account'),
    link('cost_center', 'Cost Center', 'Cost Center'),
    select('apply_discount_on', 'Apply Discount On', ['Grand Total', 'Net Total'], { default: 'Grand Total' }),
    data('print_format', 'Print Format'),
  ],
  beforeNaming(doc, ctx) {
    if (cstr(doc.company)) doc.country = ctx.tx.get('Company', doc.company)?.country ?? doc.country ?? null;
  },
  validate(doc, ctx) {
    validateDefaultProfile(doc, ctx);
    validateAllLinkFields(doc, ctx);
    validatePaymentMethods(doc, ctx);
  },
  businessKey: (doc) => doc.name,
};

/** validate_default_profile [V]. */
function validateDefaultProfile(doc: Doc, ctx: DocContext): void {
  for (const row of rows(doc, 'applicable_for_users')) {
    const other = ctx.tx
      .where('POS Profile', 'company', doc.company)
      .find(
        (p) =>
          !sameText(p.name, doc.name) &&
          !cint(p.disabled) &&
          rows(p, 'applicable_for_users').some((u) => sameText(u.user, row.user) && cint(u.default)),
      );
    if (cint(row.default) && other) {
      frappeThrow(`Already set default in pos profile ${other.name} for user ${cstr(row.user)}, kindly disabled default`);
    } else if (!cint(row.default) && !other) {
      frappeThrow(`User ${cstr(row.user)} doesn't have any default POS Profile. Check Default at Row ${cint(row.idx)} for this User.`);
    }
  }
}

/** validate_all_link_fields [V]: income/expense account, cost centre, warehouse belong to the company. */
function validateAllLinkFields(doc: Doc, ctx: DocContext): void {
  const checks: Array<[string, unknown]> = [
    ['Account', doc.income_account],
    ['Account', doc.expense_account],
    ['Cost Center', doc.cost_center],
    ['Warehouse', doc.warehouse],
  ];
  for (const [doctype, value] of checks) {
    if (!cstr(value)) continue;
    const linked = ctx.tx.get(doctype, value);
    if (!linked || !sameText(linked.company, doc.company)) frappeThrow(`${cstr(value)} does not belong to Company ${cstr(doc.company)}`);
  }
}

/** validate_payment_methods [V]; the singular message branch is dead code (compares a list to 1). */
function validatePaymentMethods(doc: Doc, ctx: DocContext): void {
  const payments = rows(doc, 'payments');
  if (!payments.length) frappeThrow('Payment methods are mandatory. Please add at least one payment method.');
  const defaults = payments.filter((p) => cint(p.default));
  if (!defaults.length) frappeThrow('Please select a default mode of payment');
  if (defaults.length > 1) frappeThrow('You can only select one mode of payment as default');
  const invalid = payments
    .filter((p) => !modeOfPaymentAccount(ctx, p.mode_of_payment, doc.company))
    .map((p) => linkToForm(ctx, 'Mode of Payment', cstr(p.mode_of_payment)));
  if (invalid.length) frappeThrow(`Please set default Cash or Bank account in Mode of Payments ${invalid.join(', ')}`, 'ValidationError', 'Missing Account');
}
