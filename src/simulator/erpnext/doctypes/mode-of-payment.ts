/**
 * Mode of Payment + child "Mode of Payment Account" (erpnext.md §4; mode_of_payment.py [V]).
 * validate order: validate_accounts, validate_repeating_companies, validate_pos_mode_of_payment.
 */
import { bold, frappeThrow } from '../errors.ts';
import { cint, cstr, rows, sameText, type DocTypeDef } from '../meta.ts';
import { check, data, link, select, table } from './shared.ts';

export const modeOfPaymentAccountDoctype: DocTypeDef = {
  name: 'Mode of Payment Account',
  module: 'Accounts',
  table: true,
  naming: { by: 'hash' },
  fields: [link('company', 'Company', 'Company'), link('default_account', 'Default Account', 'Account')],
};

export const modeOfPaymentDoctype: DocTypeDef = {
  name: 'Mode of Payment',
  module: 'Accounts',
  naming: { by: 'field', field: 'mode_of_payment' },
  fields: [
    data('mode_of_payment', 'Mode of Payment', { reqd: true, unique: true }),
    check('enabled', 'Enabled', { default: 1 }),
    select('type', 'Type', ['Cash', 'Bank', 'General', 'Phone']),
    table('accounts', 'Accounts', 'Mode of Payment Account'),
  ],
  validate(doc, ctx) {
    // validate_accounts [V]
    for (const entry of rows(doc, 'accounts')) {
      const accountCompany = ctx.tx.get('Account', entry.default_account)?.company;
      if (!sameText(accountCompany, entry.company) || !cstr(entry.default_account)) {
        frappeThrow(`Account ${cstr(entry.default_account) || 'None'} does not match with Company ${cstr(entry.company) || 'None'} in Mode of Account: ${doc.name}`);
      }
    }
    // validate_repeating_companies [V]
    const companies = rows(doc, 'accounts').map((r) => cstr(r.company));
    if (new Set(companies).size !== companies.length) frappeThrow('Same Company is entered more than once');
    // validate_pos_mode_of_payment [V]: a disabled mode must not be used by a POS Profile
    if (!cint(doc.enabled)) {
      const profiles = ctx.tx.list('POS Profile').filter((p) => rows(p, 'payments').some((r) => sameText(r.mode_of_payment, doc.name)));
      if (profiles.length) {
        frappeThrow(`POS Profile ${bold(profiles.map((p) => p.name).join(', '))} contains Mode of Payment ${bold(doc.name)}. Please remove them to disable this mode.`, 'ValidationError', 'Not Allowed');
      }
    }
  },
  businessKey: (doc) => cstr(doc.mode_of_payment),
};
