/**
 * Warehouse (erpnext.md §3; warehouse.py autoname [V]): "<warehouse_name> - ABBR" unless the
 * name already ends with that suffix (case-sensitive endswith); without company: warehouse_name.
 * on_trash is its own, not NestedSet's [V thimphutpl/erpnext-V15:erpnext/stock/doctype/warehouse/warehouse.py@12dea10]:
 * a warehouse with children is refused with its own message; Item Default rows are unlinked.
 */
import { frappeThrow } from '../errors.ts';
import { cstr, rows, sameText, type DocTypeDef } from '../meta.ts';
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
  onTrash(doc, ctx) {
    // (no Bin or Stock Ledger Entry in the simulator: the two checks before this one never fire)
    if (ctx.tx.list('Warehouse').some((w) => sameText(w.parent_warehouse, doc.name))) {
      frappeThrow('Child warehouse exists for this warehouse. You can not delete this warehouse.');
    }
    // unlink_from_items: Item Default rows pointing at it are cleared, so they do not block the delete
    for (const item of ctx.tx.list('Item')) {
      const defaults = rows(item, 'item_defaults');
      if (!defaults.some((r) => sameText(r.default_warehouse, doc.name))) continue;
      ctx.tx.put({ ...item, item_defaults: defaults.map((r) => (sameText(r.default_warehouse, doc.name) ? { ...r, default_warehouse: null } : r)) });
    }
  },
  businessKey: (doc) => `${cstr(doc.company)}|${cstr(doc.warehouse_name)}`,
};
