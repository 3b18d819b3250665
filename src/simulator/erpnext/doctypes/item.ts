/**
 * Item + child "Item Default", and Item Price (erpnext.md §11 [M — not re-verified]).
 * Item is named by item_code (Stock Settings.item_naming_by "Item Code"); a standard_rate creates
 * an Item Price in the default selling price list after insert.
 */
import { frappeThrow } from '../errors.ts';
import { cint, cstr, flt, rows, sameText, type Doc, type DocContext, type DocTypeDef } from '../meta.ts';
import { nameFromSeries } from '../naming.ts';
import { check, currency, data, date, link, linkToForm, table, text } from './shared.ts';

export const itemDefaultDoctype: DocTypeDef = {
  name: 'Item Default',
  module: 'Stock',
  table: true,
  naming: { by: 'hash' },
  fields: [
    link('company', 'Company', 'Company', { reqd: true }),
    link('default_warehouse', 'Default Warehouse', 'Warehouse'),
    link('default_price_list', 'Default Price List', 'Price List'),
    link('income_account', 'Default Income Account', 'Account'),
    link('expense_account', 'Default Expense Account', 'Account'),
    link('buying_cost_center', 'Default Buying Cost Center', 'Cost Center'),
    link('selling_cost_center', 'Default Selling Cost Center', 'Cost Center'),
  ],
};

export const itemDoctype: DocTypeDef = {
  name: 'Item',
  module: 'Stock',
  naming: {
    by: 'controller',
    autoname(doc, ctx) {
      const by = cstr(ctx.tx.get('Stock Settings', 'Stock Settings')?.item_naming_by) || 'Item Code';
      if (by === 'Naming Series') {
        const name = nameFromSeries('STO-ITEM-.YYYY.-.#####', ctx);
        if (!cstr(doc.item_code)) doc.item_code = name;
        return name;
      }
      if (!cstr(doc.item_code).trim()) frappeThrow('Item Code is mandatory because Item is not automatically numbered');
      doc.item_code = cstr(doc.item_code).trim();
      return cstr(doc.item_code);
    },
  },
  fields: [
    data('item_code', 'Item Code', { reqd: true }),
    data('item_name', 'Item Name'),
    link('item_group', 'Item Group', 'Item Group', { reqd: true }),
    link('stock_uom', 'Default Unit of Measure', 'UOM', { reqd: true }),
    check('disabled', 'Disabled'),
    check('is_stock_item', 'Maintain Stock', { default: 1 }),
    check('include_item_in_manufacturing', 'Include Item In Manufacturing', { default: 1 }),
    check('is_sales_item', 'Allow Sales', { default: 1 }),
    check('is_purchase_item', 'Allow Purchase', { default: 1 }),
    { fieldname: 'opening_stock', label: 'Opening Stock', fieldtype: 'Float' },
    currency('valuation_rate', 'Valuation Rate'),
    currency('standard_rate', 'Standard Selling Rate'),
    text('description', 'Description'),
    data('barcode', 'Barcode'),
    table('item_defaults', 'Item Defaults', 'Item Default'),
  ],
  validate(doc) {
    if (!cstr(doc.item_name)) doc.item_name = doc.item_code;
    if (!cstr(doc.description)) doc.description = doc.item_name;
    const companies = rows(doc, 'item_defaults').map((r) => cstr(r.company));
    if (new Set(companies).size !== companies.length) frappeThrow('Cannot set multiple Item Defaults for a company.');
  },
  afterInsert(doc, ctx) {
    addPrice(doc, ctx);
  },
  businessKey: (doc) => cstr(doc.item_code),
};

/** item.py add_price: Item Price in Selling Settings' price list, else a selling list, else "Standard Selling". */
function addPrice(doc: Doc, ctx: DocContext): void {
  if (!flt(doc.standard_rate)) return;
  const priceList =
    cstr(ctx.tx.get('Selling Settings', 'Selling Settings')?.selling_price_list) ||
    ctx.tx.find('Price List', { selling: 1 })?.name ||
    (cint(doc.is_sales_item) ? 'Standard Selling' : 'Standard Buying');
  const company = ctx.tx.list('Company')[0];
  ctx.insert('Item Price', {
    price_list: priceList,
    item_code: doc.name,
    uom: doc.stock_uom,
    currency: company?.default_currency ?? null, // erpnext.get_default_currency() [M]
    price_list_rate: doc.standard_rate,
  });
}

export const itemPriceDoctype: DocTypeDef = {
  name: 'Item Price',
  module: 'Stock',
  naming: { by: 'hash' },
  fields: [
    link('item_code', 'Item Code', 'Item', { reqd: true }),
    link('uom', 'UOM', 'UOM'),
    link('price_list', 'Price List', 'Price List', { reqd: true }),
    link('customer', 'Customer', 'Customer'),
    check('buying', 'Buying'),
    check('selling', 'Selling'),
    data('item_name', 'Item Name'),
    link('currency', 'Currency', 'Currency'),
    currency('price_list_rate', 'Rate', { reqd: true }),
    date('valid_from', 'Valid From', { default: 'Today' }),
    date('valid_upto', 'Valid Up To'),
  ],
  validate(doc, ctx) {
    // update_price_list_details
    const pl = ctx.tx.get('Price List', doc.price_list);
    if (cstr(doc.price_list) && (!pl || !cint(pl.enabled))) {
      frappeThrow(`The price list ${linkToForm(ctx, 'Price List', cstr(doc.price_list))} does not exist or is disabled`);
    }
    if (pl) {
      doc.buying = pl.buying;
      doc.selling = pl.selling;
      doc.currency = pl.currency;
    }
    // update_item_details
    const item = ctx.tx.get('Item', doc.item_code);
    if (item) {
      doc.item_name = item.item_name;
      if (!cstr(doc.uom)) doc.uom = item.stock_uom;
    }
    // check_duplicates
    const same = (a: unknown, b: unknown) => sameText(a, b);
    const clash = ctx.tx
      .where('Item Price', 'item_code', doc.item_code)
      .find(
        (p) =>
          p.name !== doc.name &&
          same(p.price_list, doc.price_list) &&
          ['uom', 'valid_from', 'valid_upto', 'customer'].every((f) => same(p[f], doc[f])),
      );
    if (clash) frappeThrow('Item Price appears multiple times based on Price List, Supplier/Customer, Currency, Item, Batch, UOM, Qty, and Dates.', 'ItemPriceDuplicateItem');
  },
  businessKey: (doc) => `${cstr(doc.item_code)}|${cstr(doc.price_list)}`,
};
