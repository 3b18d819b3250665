/**
 * Customer (erpnext.md §8; customer.py upstream autoname [V via fork comment]).
 * Selling Settings.cust_master_name "Customer Name" (default): name = customer_name, and when that
 * name is taken the customer is silently renamed "<customer_name> - <N>" with a note — no 409.
 * "Naming Series": CUST-.YYYY.-.#####.
 */
import { frappeThrow } from '../errors.ts';
import { cstr, type Doc, type DocContext, type DocTypeDef } from '../meta.ts';
import { nameFromSeries } from '../naming.ts';
import { check, data, link, select } from './shared.ts';

/** get_customer_name: "<name> - <max numeric suffix + 1>" when the plain name exists. */
function customerName(doc: Doc, ctx: DocContext): string {
  const base = cstr(doc.customer_name);
  if (!ctx.tx.exists('Customer', base)) return base;
  const prefix = `${base} - `.toLowerCase();
  let max = 0;
  for (const c of ctx.tx.list('Customer')) {
    // SQL: name like "%<name> - %" then CAST(SUBSTRING_INDEX(name, ' ', -1) AS UNSIGNED)
    if (!c.name.toLowerCase().includes(prefix)) continue;
    const n = parseInt(c.name.split(' ').pop() ?? '', 10);
    if (Number.isFinite(n) && n > max) max = n;
  }
  const renamed = `${base} - ${max + 1}`;
  ctx.messages.push({ message: `Changed customer name to '${renamed}' as '${base}' already exists.`, title: 'Note', indicator: 'yellow' });
  return renamed;
}

export const customerDoctype: DocTypeDef = {
  name: 'Customer',
  module: 'Selling',
  naming: {
    by: 'controller',
    autoname(doc, ctx) {
      const by = cstr(ctx.tx.get('Selling Settings', 'Selling Settings')?.cust_master_name) || 'Customer Name';
      if (by === 'Customer Name' && cstr(doc.customer_name).trim()) return customerName(doc, ctx);
      // naming_series: (also the fallback when customer_name is missing; mandatory then reports it)
      return nameFromSeries('CUST-.YYYY.-.#####', ctx);
    },
  },
  fields: [
    select('naming_series', 'Series', ['CUST-.YYYY.-'], { default: 'CUST-.YYYY.-' }),
    data('customer_name', 'Customer Name', { reqd: true }),
    select('customer_type', 'Customer Type', ['Company', 'Individual', 'Proprietorship', 'Partnership'], { reqd: true, default: 'Company' }),
    link('customer_group', 'Customer Group', 'Customer Group'),
    link('territory', 'Territory', 'Territory'),
    link('default_currency', 'Billing Currency', 'Currency'),
    link('default_price_list', 'Default Price List', 'Price List'),
    check('disabled', 'Disabled'),
    check('is_internal_customer', 'Is Internal Customer'),
    link('represents_company', 'Represents Company', 'Company'),
    data('mobile_no', 'Mobile No'),
    data('email_id', 'Email Id'),
    data('tax_id', 'Tax ID'),
  ],
  validate(doc, ctx) {
    // validate_internal_customer [V §8]
    if (doc.is_internal_customer && cstr(doc.represents_company)) {
      const other = ctx.tx.list('Customer').find((c) => c.name !== doc.name && c.is_internal_customer && cstr(c.represents_company) === cstr(doc.represents_company));
      if (other) frappeThrow(`Internal Customer for company ${cstr(doc.represents_company)} already exists`);
    }
  },
  onUpdate(doc, ctx) {
    // validate_name_with_customer_group (on_update) [V §8]; NameError [M 409]
    if (ctx.tx.exists('Customer Group', doc.name)) {
      frappeThrow('A Customer Group exists with same name please change the Customer name or rename the Customer Group', 'NameError');
    }
  },
  businessKey: (doc) => cstr(doc.customer_name),
};
