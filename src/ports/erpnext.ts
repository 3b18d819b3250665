import type { EngineHandle } from './engine.ts';

/** Site-wide master records step_1 makes sure of. */
export type MasterKind = 'uom' | 'item_group' | 'customer_group' | 'territory' | 'price_list' | 'mode_of_payment';

export interface MasterRecord {
  kind: MasterKind;
  name: string;
  /** Parent group for tree masters (Item Group, Customer Group, Territory). */
  parent?: string | null;
  isGroup?: boolean;
  /** Price List currency; Mode of Payment type. */
  currency?: string;
  type?: 'Cash' | 'Bank' | 'General' | 'Phone';
}

export interface Company {
  name: string;
  abbr: string;
  country?: string;
  currency?: string;
  defaults: CompanyDefaults;
}

export interface CompanyDefaults {
  default_cash_account?: string | null;
  write_off_account?: string | null;
  round_off_account?: string | null;
  cost_center?: string | null;
  round_off_cost_center?: string | null;
}

export interface Account {
  name: string;
  accountName: string;
  company: string;
  isGroup: boolean;
  accountType: string | null;
  parentAccount: string | null;
}

export interface CostCenter {
  name: string;
  company: string;
  isGroup: boolean;
}

export interface Warehouse {
  name: string;
  /** warehouse_name: the name without the company's abbreviation. */
  warehouseName: string;
  company: string;
  isGroup: boolean;
}

export interface ModeOfPayment {
  name: string;
  type: string | null;
  accounts: Array<{ company: string; defaultAccount: string | null }>;
}

export interface Item {
  code: string;
  name: string;
  itemGroup: string;
}

export interface PosProfile {
  name: string;
  company: string;
  warehouse: string | null;
  paymentMethods: string[];
  writeOffAccount: string | null;
  writeOffCostCenter: string | null;
}

export interface PosSession {
  name: string;
  posProfile: string;
  status: string;
  docstatus: number;
}

/** What a POS Profile is created with; the first payment method is the default. */
export interface NewPosProfile {
  name: string;
  company: string;
  currency: string;
  warehouse: string;
  writeOffAccount: string;
  writeOffCostCenter: string;
  paymentMethods: string[];
  sellingPriceList: string | null;
  customer: string | null;
}

export type SettingsKind = 'selling' | 'stock';

/**
 * The ERPNext port: what the ERPNext steps (domain/steps/erpnext) need from an ERPNext site, in
 * its own vocabulary of doctypes but without its transport. Every `find*` reads (null when
 * missing); every `create*` / `set*` writes exactly one thing. Steps combine them into ensures.
 * Adapters throw the engine errors of domain/errors.ts.
 */
export interface ErpnextPort extends EngineHandle {
  readonly kind: 'erpnext';

  findMaster(kind: MasterKind, name: string): Promise<boolean>;
  /** Those of `records` the site does not have, read a kind at a time (site-wide records may be remembered briefly). */
  missingMasters(records: readonly MasterRecord[]): Promise<MasterRecord[]>;
  createMaster(record: MasterRecord): Promise<void>;

  findCompany(name: string): Promise<Company | null>;
  /** Abbreviations of every company on the site, for picking a free one. */
  listCompanyAbbreviations(): Promise<string[]>;
  /** In one read: the company named `name`, if any, and which of `abbreviations` companies already use. */
  lookUpCompany(name: string, abbreviations: readonly string[]): Promise<{ company: { name: string; abbr: string } | null; takenAbbreviations: string[] }>;
  createCompany(input: { name: string; abbr: string; country: string; currency: string; chartOfAccounts: string }): Promise<Company>;
  setCompanyDefaults(company: string, defaults: CompanyDefaults): Promise<void>;

  findAccount(company: string, accountName: string): Promise<Account | null>;
  /** The company's accounts among `accountNames` (account_name, without the abbreviation), in one read. */
  findAccounts(company: string, accountNames: readonly string[]): Promise<Account[]>;
  /** Leaf accounts of a company with the given account type (Cash, Bank, ...). */
  listLeafAccounts(company: string, accountType: string): Promise<Account[]>;
  createAccount(input: { company: string; accountName: string; parentAccount: string; accountType?: string | null; isGroup?: boolean }): Promise<Account>;

  findCostCenter(company: string, costCenterName: string): Promise<CostCenter | null>;
  createCostCenter(input: { company: string; costCenterName: string; parentCostCenter: string; isGroup?: boolean }): Promise<CostCenter>;

  findWarehouse(company: string, warehouseName: string): Promise<Warehouse | null>;
  /** The company's warehouses among `warehouseNames` (warehouse_name, without the abbreviation), in one read. */
  findWarehouses(company: string, warehouseNames: readonly string[]): Promise<Warehouse[]>;
  createWarehouse(input: { company: string; warehouseName: string; parentWarehouse: string | null }): Promise<Warehouse>;

  readSettings(kind: SettingsKind): Promise<Record<string, unknown>>;
  updateSettings(kind: SettingsKind, patch: Record<string, unknown>): Promise<void>;

  findItem(code: string): Promise<Item | null>;
  createItem(input: { code: string; itemName: string; itemGroup: string; uom: string }): Promise<Item>;
  findItemPrice(code: string, priceList: string): Promise<boolean>;
  /** The price's currency is the price list's, as ERPNext fetches it. */
  createItemPrice(input: { code: string; priceList: string; rate: number }): Promise<void>;

  findCustomer(customerName: string): Promise<{ name: string } | null>;
  createCustomer(input: { customerName: string; customerGroup: string; territory: string }): Promise<{ name: string }>;

  findModeOfPayment(name: string): Promise<ModeOfPayment | null>;
  /** Those of `modes` that have an account row for `company` with its account set, in one read. */
  modesOfPaymentWithAccount(company: string, modes: readonly string[]): Promise<string[]>;
  createModeOfPayment(input: { name: string; type: 'Cash' | 'Bank' | 'General' | 'Phone' }): Promise<ModeOfPayment>;
  /** Adds (or corrects) this company's account row, keeping every other company's rows. */
  setModeOfPaymentAccount(modeOfPayment: string, company: string, account: string): Promise<void>;

  findPosProfile(name: string): Promise<PosProfile | null>;
  createPosProfile(input: NewPosProfile): Promise<PosProfile>;

  /** Open (submitted, not closed) sessions first, then drafts. */
  findPosSessions(posProfile: string): Promise<PosSession[]>;
  submitPosSession(name: string): Promise<PosSession>;
  createPosSession(input: { company: string; posProfile: string; user: string; modesOfPayment: string[] }): Promise<PosSession>;
}
