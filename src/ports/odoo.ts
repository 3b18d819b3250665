import type { EngineHandle } from './engine.ts';

/** An installed or missing Odoo module (ir.module.module). */
export interface OdooModule {
  name: string;
  /** 'installed', 'uninstalled', 'to upgrade', ... */
  state: string;
  latestVersion?: string;
}

export interface OdooCompany {
  id: number;
  name: string;
  currencyId: number | null;
  countryId: number | null;
  /** The chart template code loaded on the company (res.company.chart_template, Odoo 17), null before any. */
  chartTemplate: string | null;
}

export interface OdooWarehouse {
  id: number;
  name: string;
  /** Char(size=5), unique per company (stock_warehouse.py warehouse_code_uniq). */
  code: string;
  active: boolean;
}

export interface OdooJournal {
  id: number;
  name: string;
  code: string;
  type: string;
}

export interface OdooPaymentMethod {
  id: number;
  name: string;
  journalId: number | null;
  isCashCount: boolean;
}

export interface OdooPosConfig {
  id: number;
  name: string;
  paymentMethodIds: number[];
  cashControl: boolean;
}

export interface OdooPosSession {
  id: number;
  name: string;
  configId: number;
  /** 'opening_control', 'opened', 'closing_control', 'closed'. */
  state: string;
}

export interface OdooProduct {
  id: number;
  name: string;
  defaultCode: string | null;
}

export interface OdooPartner {
  id: number;
  name: string;
  ref: string | null;
}

/**
 * The Odoo port: what the Odoo steps (domain/steps/odoo) need from an Odoo database, in Odoo's
 * own records (odoo.md A.3). Every `find*` / `read*` reads; every `create*` / `set*` / `update*`
 * writes exactly one thing. A `companyId` argument scopes the call to that company (context
 * `allowed_company_ids`): Odoo takes defaults, record rules and company checks from the current
 * company, not from a record's company_id (odoo.md Part C). Adapters throw the engine errors of
 * domain/errors.ts.
 */
export interface OdooPort extends EngineHandle {
  readonly kind: 'odoo';

  findModules(names: readonly string[]): Promise<OdooModule[]>;

  /** By ISO code, archived ones too (Odoo ships most currencies inactive). */
  findCurrency(code: string): Promise<{ id: number; active: boolean } | null>;
  findCountry(code: string): Promise<{ id: number } | null>;

  findCompany(name: string): Promise<OdooCompany | null>;
  readCompany(companyId: number): Promise<OdooCompany | null>;
  /** The new company's id; Odoo adds it to the calling user's companies (base res_company.py create). */
  createCompany(input: { name: string; currencyId: number; countryId: number | null }): Promise<number>;
  /** Writes the company's currency and/or country (Odoo activates an inactive currency, base res_company.py write). */
  updateCompany(companyId: number, patch: { currencyId?: number; countryId?: number }): Promise<void>;
  /** The companies the engine user may work in (res.users.company_ids). */
  userCompanyIds(): Promise<number[]>;
  grantCompany(companyId: number): Promise<void>;

  /** account.chart.template.try_loading(code, company, install_demo=False). */
  loadChart(companyId: number, templateCode: string): Promise<void>;

  /** The company's warehouses, archived ones too (a unique code counts them), by sequence then id. */
  findWarehouses(companyId: number): Promise<OdooWarehouse[]>;
  createWarehouse(companyId: number, input: { name: string; code: string }): Promise<number>;
  /** Unarchives it: an archived warehouse keeps its name and code, both unique per company, so it is brought back, not made again. */
  activateWarehouse(companyId: number, warehouseId: number): Promise<void>;

  findProducts(companyId: number, codes: readonly string[]): Promise<OdooProduct[]>;
  createProduct(companyId: number, input: { name: string; code: string; price: number }): Promise<number>;

  findPartnerByRef(companyId: number, ref: string): Promise<OdooPartner | null>;
  createCustomer(companyId: number, input: { name: string; ref: string }): Promise<number>;

  /** The company's journals of the given types (e.g. cash, bank), by sequence. */
  findJournals(companyId: number, types: readonly string[]): Promise<OdooJournal[]>;
  findPaymentMethods(companyId: number): Promise<OdooPaymentMethod[]>;
  createPaymentMethod(companyId: number, input: { name: string; journalId: number }): Promise<number>;

  findPosConfigs(companyId: number): Promise<OdooPosConfig[]>;
  createPosConfig(companyId: number, input: { name: string; paymentMethodIds: number[] }): Promise<number>;
  updatePosConfig(companyId: number, configId: number, patch: { name?: string; paymentMethodIds?: number[] }): Promise<void>;

  /** The config's sessions that are not closed. */
  findOpenPosSessions(companyId: number, configId: number): Promise<OdooPosSession[]>;
  /** pos.session.create opens the session (pos_session.py create → action_pos_session_open). */
  createPosSession(companyId: number, configId: number): Promise<number>;
  readPosSession(companyId: number, sessionId: number): Promise<OdooPosSession | null>;
  /** set_cashbox_pos: the opening cash count, which opens a session waiting in opening_control. */
  setOpeningCash(companyId: number, sessionId: number, amount: number): Promise<void>;
}
