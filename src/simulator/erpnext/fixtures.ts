/**
 * Records a fresh site holds (erpnext.md §12). Every site has currencies, countries, the
 * Administrator user, the "Transit" warehouse type and the singles. The setup wizard adds UOMs,
 * item/customer groups, territories, price lists, modes of payment and the settings values;
 * with `setupComplete: false` those are absent and System Settings.setup_complete is 0.
 */
import { insertDocument, updateDocument } from './documents.ts';
import type { Doc, DocContext } from './meta.ts';

const CURRENCIES: Array<[string, string, string]> = [
  ['KES', 'KSh', 'Cent'], ['UGX', 'USh', 'Cent'], ['TZS', 'TSh', 'Cent'], ['RWF', 'FRw', 'Centime'], ['ETB', 'Br', 'Santim'],
  ['USD', '$', 'Cent'], ['EUR', '€', 'Cent'], ['GBP', '£', 'Penny'], ['NGN', '₦', 'Kobo'], ['ZAR', 'R', 'Cent'],
  ['GHS', '₵', 'Pesewa'], ['INR', '₹', 'Paisa'], ['XOF', 'CFA', 'Centime'], ['AED', 'AED', 'Fils'],
];

const COUNTRIES: Array<[string, string]> = [
  ['Kenya', 'ke'], ['Uganda', 'ug'], ['Tanzania', 'tz'], ['Rwanda', 'rw'], ['Ethiopia', 'et'], ['Nigeria', 'ng'],
  ['South Africa', 'za'], ['Ghana', 'gh'], ['India', 'in'], ['United States', 'us'], ['United Kingdom', 'gb'],
  ['Germany', 'de'], ['France', 'fr'], ['Senegal', 'sn'], ['United Arab Emirates', 'ae'],
];

/** Insert, then force a fixed name (Administrator/Guest are not named by email). */
function insertNamed(ctx: DocContext, doctype: string, values: Record<string, unknown>, name: string): void {
  const doc = insertDocument(ctx, doctype, values);
  if (doc.name === name) return;
  ctx.tx.remove(doctype, doc.name);
  ctx.tx.put({ ...doc, name } as Doc);
}

function seedSingle(ctx: DocContext, doctype: string, values: Record<string, unknown>): void {
  const stamp = ctx.tx.timestamp(ctx.now);
  ctx.tx.put({ name: doctype, doctype, owner: 'Administrator', creation: stamp, modified: stamp, modified_by: 'Administrator', docstatus: 0, idx: 0 });
  updateDocument(ctx, doctype, doctype, values);
}

export function installFixtures(ctx: DocContext, setupComplete: boolean): void {
  for (const [code, symbol, fraction] of CURRENCIES) {
    insertDocument(ctx, 'Currency', { currency_name: code, symbol, fraction, fraction_units: 100, enabled: code === 'USD' ? 1 : 0 });
  }
  for (const [country_name, code] of COUNTRIES) insertDocument(ctx, 'Country', { country_name, code });
  insertNamed(ctx, 'User', { email: 'admin@example.com', first_name: 'Administrator', enabled: 1 }, 'Administrator');
  insertNamed(ctx, 'User', { email: 'guest@example.com', first_name: 'Guest', enabled: 1, user_type: 'Website User' }, 'Guest');
  insertDocument(ctx, 'Warehouse Type', { name: 'Transit' });

  if (!setupComplete) {
    seedSingle(ctx, 'Selling Settings', {});
    seedSingle(ctx, 'Stock Settings', {});
    seedSingle(ctx, 'System Settings', { setup_complete: 0 });
    return;
  }

  for (const uom of ['Nos', 'Unit', 'Kg', 'Litre', 'Box', 'Pair']) {
    insertDocument(ctx, 'UOM', { uom_name: uom, must_be_whole_number: ['Nos', 'Unit', 'Box', 'Pair'].includes(uom) ? 1 : 0 });
  }
  insertDocument(ctx, 'Item Group', { item_group_name: 'All Item Groups', is_group: 1 });
  for (const g of ['Products', 'Raw Material', 'Services', 'Sub Assemblies', 'Consumable']) {
    insertDocument(ctx, 'Item Group', { item_group_name: g, parent_item_group: 'All Item Groups' });
  }
  insertDocument(ctx, 'Customer Group', { customer_group_name: 'All Customer Groups', is_group: 1 });
  for (const g of ['Commercial', 'Individual', 'Government', 'Non Profit']) {
    insertDocument(ctx, 'Customer Group', { customer_group_name: g, parent_customer_group: 'All Customer Groups' });
  }
  insertDocument(ctx, 'Territory', { territory_name: 'All Territories', is_group: 1 });
  for (const t of ['Kenya', 'Uganda', 'Tanzania', 'Rest Of The World']) {
    insertDocument(ctx, 'Territory', { territory_name: t, parent_territory: 'All Territories' });
  }
  // the wizard makes the price lists in the currency it was run with: Kenya (KES) here, as on
  // the real site the differential test compares with
  insertDocument(ctx, 'Price List', { price_list_name: 'Standard Selling', currency: 'KES', selling: 1 });
  insertDocument(ctx, 'Price List', { price_list_name: 'Standard Buying', currency: 'KES', buying: 1 });
  insertDocument(ctx, 'Mode of Payment', { mode_of_payment: 'Cash', type: 'Cash' });
  for (const m of ['Credit Card', 'Wire Transfer', 'Bank Draft', 'Cheque']) insertDocument(ctx, 'Mode of Payment', { mode_of_payment: m, type: 'Bank' });

  seedSingle(ctx, 'Selling Settings', {
    cust_master_name: 'Customer Name',
    customer_group: 'All Customer Groups',
    territory: 'All Territories',
    selling_price_list: 'Standard Selling',
  });
  seedSingle(ctx, 'Stock Settings', { item_naming_by: 'Item Code', valuation_method: 'FIFO', stock_uom: 'Nos', item_group: 'All Item Groups' });
  seedSingle(ctx, 'System Settings', { setup_complete: 1, language: 'en', time_zone: 'Africa/Nairobi' });
}
