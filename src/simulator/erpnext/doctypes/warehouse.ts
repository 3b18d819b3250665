/**
 * Warehouse (erpnext.md §3; warehouse.py autoname [V]): "<warehouse_name> - ABBR" unless the
 * name already ends with that suffix (case-sensitive endswith); without company: warehouse_name.
 */
import { cstr, type DocTypeDef } from '../meta.ts';
import { check, data, link } from './shared.ts';

export const warehouseDoctype: DocTypeDef = {
  name: 'Warehouse',
  module: 'Stock',
  naming: {
    by: 'controller',
    autoname(doc, ctx) {
      const name = cstr(doc.warehouse_name);
      if (cstr(doc.company)) {
        const suffix = ` - ${cstr(ctx.tx.get('Company', doc.company)?.abbr)}`;
        if (!name.endsWith(suffix)) return name + suffix;
      }
      return name;
    },
  },
  fields: [
    check('disabled', 'Disabled'),
    data('warehouse_name', 'Warehouse Name', { reqd: true }),
    check('is_group', 'Is Group Warehouse'),
    link('parent_warehouse', 'Parent Warehouse', 'Warehouse'),
    link('company', 'Company', 'Company', { reqd: true }),
    link('account', 'Account', 'Account'),
    link('warehouse_type', 'Warehouse Type', 'Warehouse Type'),
    data('email_id', 'Email Address'),
    data('phone_no', 'Phone No'),
    data('city', 'City'),
  ],
  businessKey: (doc) => `${cstr(doc.company)}|${cstr(doc.warehouse_name)}`,
};
