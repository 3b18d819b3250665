/**
 * POS Opening Entry + child "POS Opening Entry Detail" (erpnext.md §9; pos_opening_entry.py/.json [V]).
 * Submittable; series "POS-OPE-.YYYY.-.#####"; status Draft → Open on submit, Cancelled on cancel,
 * Closed once pos_closing_entry is set. A second open entry per profile is NOT rejected (v15 [V];
 * the late-v15 check is unverified) — the simulator's duplicate detector reports it instead.
 */
import { frappeThrow } from '../errors.ts';
import { cint, cstr, rows, sameText, type Doc, type DocContext, type DocTypeDef } from '../meta.ts';
import { currency, data, date, datetime, link, linkToForm, modeOfPaymentAccount, select, table } from './shared.ts';

export const posOpeningEntryDetailDoctype: DocTypeDef = {
  name: 'POS Opening Entry Detail',
  module: 'Accounts',
  table: true,
  naming: { by: 'hash' },
  fields: [link('mode_of_payment', 'Mode of Payment', 'Mode of Payment', { reqd: true }), currency('opening_amount', 'Opening Amount', { reqd: true })],
};

/** StatusUpdater status_map for POS Opening Entry. */
function statusOf(doc: Doc): string {
  const ds = cint(doc.docstatus);
  if (ds === 2) return 'Cancelled';
  if (ds === 1) return cstr(doc.pos_closing_entry) ? 'Closed' : 'Open';
  return 'Draft';
}

export const posOpeningEntryDoctype: DocTypeDef = {
  name: 'POS Opening Entry',
  module: 'Accounts',
  submittable: true,
  naming: { by: 'series', pattern: 'POS-OPE-.YYYY.-.#####' },
  fields: [
    datetime('period_start_date', 'Period Start Date', { reqd: true }),
    date('period_end_date', 'Period End Date'),
    select('status', 'Status', ['Draft', 'Open', 'Closed', 'Cancelled'], { default: 'Draft', allow_on_submit: true }),
    date('posting_date', 'Posting Date', { reqd: true, default: 'Today' }),
    { fieldname: 'set_posting_date', label: 'Set Posting Date', fieldtype: 'Check' },
    link('company', 'Company', 'Company', { reqd: true }),
    link('pos_profile', 'POS Profile', 'POS Profile', { reqd: true }),
    data('pos_closing_entry', 'POS Closing Entry', { allow_on_submit: true }),
    link('user', 'Cashier', 'User', { reqd: true }),
    table('balance_details', 'Opening Balance Details', 'POS Opening Entry Detail', { reqd: true }),
    link('amended_from', 'Amended From', 'POS Opening Entry'),
  ],
  validate(doc, ctx) {
    validateProfileAndCashier(doc, ctx);
    validatePaymentMethodAccount(doc, ctx);
    doc.status = statusOf(doc);
  },
  onSubmit(doc) {
    doc.status = statusOf(doc);
  },
  onCancel(doc) {
    doc.status = statusOf(doc);
  },
  businessKey: (doc) => (cint(doc.docstatus) === 1 && doc.status === 'Open' ? cstr(doc.pos_profile) : null),
};

/** validate_pos_profile_and_cashier [V] (sic: "does not belongs"). */
function validateProfileAndCashier(doc: Doc, ctx: DocContext): void {
  const profileCompany = ctx.tx.get('POS Profile', doc.pos_profile)?.company;
  if (!sameText(profileCompany, doc.company)) frappeThrow(`POS Profile ${cstr(doc.pos_profile)} does not belongs to company ${cstr(doc.company)}`);
  if (!cint(ctx.tx.get('User', doc.user)?.enabled)) frappeThrow(`User ${cstr(doc.user)} is disabled. Please select valid user/cashier`);
}

/** validate_payment_method_account [V]: same (always plural) message as POS Profile. */
function validatePaymentMethodAccount(doc: Doc, ctx: DocContext): void {
  const invalid = rows(doc, 'balance_details')
    .filter((d) => cstr(d.mode_of_payment) && !modeOfPaymentAccount(ctx, d.mode_of_payment, doc.company))
    .map((d) => linkToForm(ctx, 'Mode of Payment', cstr(d.mode_of_payment)));
  if (invalid.length) frappeThrow(`Please set default Cash or Bank account in Mode of Payments ${invalid.join(', ')}`, 'ValidationError', 'Missing Account');
}
