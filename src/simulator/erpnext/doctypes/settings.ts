/**
 * Single doctypes (erpnext.md §10, §12): Selling Settings, Stock Settings, System Settings.
 * Name == doctype; read/written at /api/resource/<X>/<X>; their links are validated.
 */
import { bold, frappeThrow } from '../errors.ts';
import { cint, type DocTypeDef } from '../meta.ts';
import { check, data, link, select } from './shared.ts';

export const sellingSettingsDoctype: DocTypeDef = {
  name: 'Selling Settings',
  module: 'Selling',
  single: true,
  naming: { by: 'doctype' },
  fields: [
    select('cust_master_name', 'Customer Naming By', ['Customer Name', 'Naming Series', 'Auto Name'], { default: 'Customer Name' }),
    link('customer_group', 'Default Customer Group', 'Customer Group'),
    link('territory', 'Default Territory', 'Territory'),
    link('selling_price_list', 'Default Price List', 'Price List'),
    select('so_required', 'Is Sales Order Required for Sales Invoice & Delivery Note Creation?', ['No', 'Yes'], { default: 'No' }),
    select('dn_required', 'Is Delivery Note Required for Sales Invoice Creation?', ['No', 'Yes'], { default: 'No' }),
    check('allow_multiple_items', 'Allow Item to be Added Multiple Times in a Transaction'),
    check('maintain_same_sales_rate', 'Maintain Same Rate Throughout Sales Cycle'),
    check('validate_selling_price', 'Validate Selling Price for Item Against Purchase Rate or Valuation Rate'),
  ],
};

export const stockSettingsDoctype: DocTypeDef = {
  name: 'Stock Settings',
  module: 'Stock',
  single: true,
  naming: { by: 'doctype' },
  fields: [
    select('item_naming_by', 'Item Naming By', ['Item Code', 'Naming Series'], { default: 'Item Code' }),
    link('item_group', 'Default Item Group', 'Item Group'),
    link('stock_uom', 'Default Stock UOM', 'UOM'),
    link('default_warehouse', 'Default Warehouse', 'Warehouse'),
    link('sample_retention_warehouse', 'Sample Retention Warehouse', 'Warehouse'),
    select('valuation_method', 'Default Valuation Method', ['FIFO', 'Moving Average', 'LIFO'], { default: 'FIFO' }),
    check('allow_negative_stock', 'Allow Negative Stock'),
    check('show_barcode_field', 'Show Barcode Field in Stock Transactions', { default: 1 }),
    check('auto_insert_price_list_rate_if_missing', 'Auto Insert Item Price If Missing', { default: 1 }),
    check('enable_stock_reservation', 'Enable Stock Reservation'),
  ],
  validate(doc, ctx) {
    // validate_warehouses [V stock_settings.py]
    for (const [field, label] of [['default_warehouse', 'Default Warehouse'], ['sample_retention_warehouse', 'Sample Retention Warehouse']] as const) {
      if (cint(ctx.tx.get('Warehouse', doc[field])?.is_group)) {
        frappeThrow(`Group Warehouses cannot be used in transactions. Please change the value of ${bold(label)}`, 'ValidationError', 'Incorrect Warehouse');
      }
    }
    // validate_stock_reservation [V §10]
    if (cint(doc.allow_negative_stock) && cint(doc.enable_stock_reservation)) {
      frappeThrow(`As ${bold('Stock Reservation')} is enabled, you can not enable ${bold('Allow Negative Stock')}.`);
    }
  },
};

export const systemSettingsDoctype: DocTypeDef = {
  name: 'System Settings',
  module: 'Core',
  single: true,
  naming: { by: 'doctype' },
  fields: [
    link('country', 'Country', 'Country'),
    data('language', 'Language', { default: 'en' }),
    data('time_zone', 'Time Zone'),
    link('currency', 'Currency', 'Currency'),
    select('date_format', 'Date Format', ['dd-mm-yyyy', 'dd/mm/yyyy', 'dd.mm.yyyy', 'mm/dd/yyyy', 'mm-dd-yyyy', 'yyyy-mm-dd'], { default: 'dd-mm-yyyy' }),
    check('setup_complete', 'Setup Complete'),
    // no default on a real v15 site (off: error bodies without `exception`/`exc`); on here (errors.ts errorBody)
    check('allow_error_traceback', 'Show Full Error and Allow Reporting of Issues to the Developer', { default: 1 }),
  ],
};
