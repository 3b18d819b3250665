/**
 * Site-wide masters the setup wizard installs (erpnext.md §12): Currency, Country, User,
 * Warehouse Type, UOM, Item Group, Customer Group, Territory, Price List.
 */
import { frappeThrow } from '../errors.ts';
import { cint, cstr, type Doc, type DocContext, type DocTypeDef } from '../meta.ts';
import { check, data, link, rootOf, select, validateIfChildExists } from './shared.ts';

export const currencyDoctype: DocTypeDef = {
  name: 'Currency',
  module: 'Geo',
  naming: { by: 'field', field: 'currency_name' },
  fields: [
    data('currency_name', 'Currency Name', { reqd: true, unique: true }),
    check('enabled', 'Enabled'),
    data('fraction', 'Fraction'),
    { fieldname: 'fraction_units', label: 'Fraction Units', fieldtype: 'Int' },
    data('symbol', 'Symbol'),
    data('number_format', 'Number Format'),
  ],
};

export const countryDoctype: DocTypeDef = {
  name: 'Country',
  module: 'Geo',
  naming: { by: 'field', field: 'country_name' },
  fields: [data('country_name', 'Country Name', { reqd: true, unique: true }), data('code', 'Code'), data('date_format', 'Date Format'), data('time_format', 'Time Format')],
};

export const userDoctype: DocTypeDef = {
  name: 'User',
  module: 'Core',
  // User.autoname: name = email (lower-cased, stripped) [M]; Administrator/Guest are fixtures
  naming: {
    by: 'controller',
    autoname: (doc) => {
      doc.email = cstr(doc.email).trim().toLowerCase();
      return cstr(doc.email);
    },
  },
  fields: [
    data('email', 'Email', { reqd: true }),
    data('first_name', 'First Name', { reqd: true }),
    data('last_name', 'Last Name'),
    data('full_name', 'Full Name'),
    check('enabled', 'Enabled', { default: 1 }),
    select('user_type', 'User Type', ['System User', 'Website User'], { default: 'System User' }),
  ],
  validate(doc) {
    doc.full_name = [cstr(doc.first_name), cstr(doc.last_name)].filter(Boolean).join(' ');
  },
};

export const warehouseTypeDoctype: DocTypeDef = {
  name: 'Warehouse Type',
  module: 'Stock',
  naming: { by: 'prompt' },
  fields: [data('description', 'Description')],
};

export const uomDoctype: DocTypeDef = {
  name: 'UOM',
  module: 'Setup',
  naming: { by: 'field', field: 'uom_name' },
  fields: [data('uom_name', 'UOM Name', { reqd: true, unique: true }), check('enabled', 'Enabled', { default: 1 }), check('must_be_whole_number', 'Must be Whole Number')],
};

/**
 * Tree masters: a node without a parent is attached to the existing root ("All Item Groups",
 * "All Customer Groups", "All Territories") [M item_group.py/customer_group.py/territory.py validate].
 */
function treeDoctype(name: string, nameField: string, nameLabel: string, parentField: string, parentLabel: string, extra: DocTypeDef['fields'] = []): DocTypeDef {
  return {
    name,
    module: 'Setup',
    naming: { by: 'field', field: nameField },
    fields: [data(nameField, nameLabel, { reqd: true, unique: true }), link(parentField, parentLabel, name), check('is_group', 'Is Group'), ...extra],
    validate(doc: Doc, ctx: DocContext) {
      if (!cstr(doc[parentField])) {
        const root = rootOf(ctx, name, parentField, doc.name);
        if (root) doc[parentField] = root;
      }
      const parent = ctx.tx.get(name, doc[parentField]);
      if (parent && !cint(parent.is_group)) frappeThrow(`Parent ${name} ${parent.name} must be a group node`); // [M] NestedSet
    },
    // NestedSet controllers: on_trash refuses a node with children [V nestedset.py; these doctypes' own on_trash not re-checked]
    onTrash: (doc: Doc, ctx: DocContext) => validateIfChildExists(ctx, doc, parentField),
  };
}

export const itemGroupDoctype = treeDoctype('Item Group', 'item_group_name', 'Item Group Name', 'parent_item_group', 'Parent Item Group');
export const customerGroupDoctype = treeDoctype('Customer Group', 'customer_group_name', 'Customer Group Name', 'parent_customer_group', 'Parent Customer Group', [
  link('default_price_list', 'Default Price List', 'Price List'),
]);
export const territoryDoctype = treeDoctype('Territory', 'territory_name', 'Territory Name', 'parent_territory', 'Parent Territory');

export const priceListDoctype: DocTypeDef = {
  name: 'Price List',
  module: 'Stock',
  naming: { by: 'field', field: 'price_list_name' },
  fields: [
    check('enabled', 'Enabled', { default: 1 }),
    data('price_list_name', 'Price List Name', { reqd: true, unique: true }),
    link('currency', 'Currency', 'Currency', { reqd: true }),
    check('buying', 'Buying'),
    check('selling', 'Selling'),
    check('price_not_uom_dependent', 'Price Not UOM Dependent'),
  ],
  validate(doc) {
    // price_list.py validate [M]
    if (!cint(doc.buying) && !cint(doc.selling)) frappeThrow('Price List must be applicable for Buying or Selling');
  },
};
