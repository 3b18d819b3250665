import type {
  Account,
  Company,
  CompanyDefaults,
  CostCenter,
  ErpnextPort,
  Item,
  MasterKind,
  MasterRecord,
  ModeOfPayment,
  NewPosProfile,
  PosProfile,
  PosSession,
  SettingsKind,
  Warehouse,
} from '../../ports/erpnext.ts';
import type { EngineHealth } from '../../ports/engine.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineConflictError, EngineNotErpnextError, EngineValidationError, isProvisionerError } from '../../domain/errors.ts';
import { FrappeClient, type EngineCall, type FrappeClientOptions } from './frappe-client.ts';
import { SiteCache } from '../site-cache.ts';

type Doc = Record<string, unknown>;

/** Master kinds as ERPNext doctypes: the doctype, its name field and its tree parent field. */
const MASTER_DOCTYPES: Record<MasterKind, { doctype: string; nameField: string; parentField?: string }> = {
  uom: { doctype: 'UOM', nameField: 'uom_name' },
  item_group: { doctype: 'Item Group', nameField: 'item_group_name', parentField: 'parent_item_group' },
  customer_group: { doctype: 'Customer Group', nameField: 'customer_group_name', parentField: 'parent_customer_group' },
  territory: { doctype: 'Territory', nameField: 'territory_name', parentField: 'parent_territory' },
  price_list: { doctype: 'Price List', nameField: 'price_list_name' },
  mode_of_payment: { doctype: 'Mode of Payment', nameField: 'mode_of_payment' },
};

const SETTINGS_DOCTYPES: Record<SettingsKind, string> = { selling: 'Selling Settings', stock: 'Stock Settings' };

const COMPANY_DEFAULT_FIELDS = ['default_cash_account', 'write_off_account', 'round_off_account', 'cost_center', 'round_off_cost_center'] as const;

/**
 * A Company insert also saves the site-wide Mode of Payment "Cash" (a row for the new company,
 * erpnext.md §2). When other companies are created at the same moment on a real site, that save
 * meets their uncommitted work: "Document has been modified after you have opened it"
 * (TimestampMismatchError), or the row of a company committed after this request's snapshot
 * whose account the snapshot cannot see yet: "Could not find Row #12: Default Account: Cash - X"
 * (seen on ERPNext 15.71.1). Both roll the insert back whole; trying again later succeeds.
 */
function companyInsertConflict(e: unknown): boolean {
  if (!(e instanceof EngineValidationError)) return false;
  return e.excType === 'TimestampMismatchError' || (e.excType === 'LinkValidationError' && /Row #\d+: Default Account: /.test(e.message));
}

/** Read-modify-write rounds of a shared document before giving up. */
const MAX_STALE_RETRIES = 5;
/** Upper bound of the random pause before round n of a shared write is n × this. */
const STALE_JITTER_MS = 25;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** "YYYY-MM-DD HH:MM:SS" in UTC, the Datetime format Frappe accepts. */
const frappeDatetime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

function toCompany(doc: Doc): Company {
  const defaults: CompanyDefaults = {};
  for (const f of COMPANY_DEFAULT_FIELDS) defaults[f] = str(doc[f]);
  return { name: String(doc.name), abbr: String(doc.abbr), country: str(doc.country) ?? undefined, currency: str(doc.default_currency) ?? undefined, defaults };
}

function toAccount(doc: Doc): Account {
  return {
    name: String(doc.name),
    accountName: String(doc.account_name),
    company: String(doc.company),
    isGroup: Number(doc.is_group) === 1,
    accountType: str(doc.account_type),
    parentAccount: str(doc.parent_account),
  };
}

function toWarehouse(doc: Doc): Warehouse {
  return { name: String(doc.name), warehouseName: String(doc.warehouse_name ?? doc.name), company: String(doc.company), isGroup: Number(doc.is_group) === 1 };
}

const WAREHOUSE_FIELDS = ['name', 'warehouse_name', 'company', 'is_group'];
const ACCOUNT_FIELDS = ['name', 'account_name', 'company', 'is_group', 'account_type', 'parent_account'];

function toPosProfile(doc: Doc): PosProfile {
  const payments = Array.isArray(doc.payments) ? (doc.payments as Doc[]) : [];
  return {
    name: String(doc.name),
    company: String(doc.company),
    warehouse: str(doc.warehouse),
    paymentMethods: payments.map((p) => String(p.mode_of_payment)),
    writeOffAccount: str(doc.write_off_account),
    writeOffCostCenter: str(doc.write_off_cost_center),
  };
}

/**
 * A call whose failure may mean the site changed under us (a record gone, the engine down, the
 * credentials revoked): anything but a document that is not there (404: findDoc's "missing")
 * and a name already taken (409: createOrAdopt reads then).
 */
const suggestsSiteChanged = (call: EngineCall) => call.status === null || (call.status >= 400 && call.status !== 404 && call.status !== 409);

function toModeOfPayment(doc: Doc): ModeOfPayment {
  const rows = Array.isArray(doc.accounts) ? (doc.accounts as Doc[]) : [];
  return { name: String(doc.name), type: str(doc.type), accounts: rows.map((r) => ({ company: String(r.company), defaultAccount: str(r.default_account) })) };
}

export interface ErpnextEngineOptions extends FrappeClientOptions {
  /** Runs `fn` alone among the operations of its lane on this site. (Default: no limit) */
  serialize?: <T>(lane: string, fn: () => Promise<T>) => Promise<T>;
  /** Site-wide records remembered across the adapters of this engine. (Default: one of this adapter's own) */
  siteCache?: SiteCache;
}

/** The engine port over an ERPNext (v15) site's REST API. */
export class ErpnextEngine implements ErpnextPort {
  readonly kind = 'erpnext' as const;
  readonly client: FrappeClient;
  private readonly serialize: <T>(lane: string, fn: () => Promise<T>) => Promise<T>;
  private readonly site: SiteCache;
  /**
   * Mode of Payment documents this adapter read last, by name: setModeOfPaymentAccount writes
   * from it instead of reading again (its `modified` makes Frappe refuse the write if the
   * document changed since, erpnext.md §7.4, and then we read again).
   */
  private readonly modesRead = new Map<string, Doc>();

  constructor(opts: ErpnextEngineOptions) {
    this.site = opts.siteCache ?? new SiteCache();
    const site = this.site;
    this.client = new FrappeClient({
      ...opts,
      onCall: (call) => {
        if (suggestsSiteChanged(call)) site.drop();
        opts.onCall?.(call);
      },
    });
    this.serialize = opts.serialize ?? ((_lane, fn) => fn());
  }

  /**
   * ping (no auth) → get_logged_user (our credentials) → get_versions (ERPNext installed),
   * as erpnext.md §12 recommends. Each failure keeps its own typed cause.
   */
  async checkHealth(opts: { maxAgeMs?: number } = {}): Promise<EngineHealth> {
    const recent = opts.maxAgeMs === undefined ? null : this.site.recentHealth(opts.maxAgeMs);
    if (recent) return recent;
    const health = await this.checkHealthNow();
    this.site.recordHealth(health);
    return health;
  }

  private async checkHealthNow(): Promise<EngineHealth> {
    const started = performance.now();
    let pong: unknown;
    try {
      pong = await this.client.callMethod('ping', { auth: false });
    } catch (e) {
      if (isProvisionerError(e) && (e.code === 'ENGINE_NOT_FOUND' || e.code === 'ENGINE_ERROR')) throw new EngineNotErpnextError(`${this.client.baseUrl} has no Frappe ping method`);
      throw e;
    }
    if (pong !== 'pong') throw new EngineNotErpnextError(`ping answered ${JSON.stringify(pong)}`);
    const user = await this.client.callMethod<string>('frappe.auth.get_logged_user');
    if (!user || user === 'Guest') throw new EngineNotErpnextError('the credentials map to the Guest user');
    let versions: Record<string, { version?: string }>;
    try {
      versions = await this.client.callMethod<Record<string, { version?: string }>>('frappe.utils.change_log.get_versions');
    } catch (e) {
      if (isProvisionerError(e) && (e.code === 'ENGINE_NOT_FOUND' || e.code === 'ENGINE_PERMISSION')) throw new EngineNotErpnextError('get_versions is not available');
      throw e;
    }
    if (!versions || typeof versions !== 'object' || !versions.erpnext) throw new EngineNotErpnextError('the ERPNext app is not installed on the site');
    const flat = Object.fromEntries(Object.entries(versions).map(([app, v]) => [app, String(v?.version ?? 'unknown')]));
    return { reachable: true, authenticatedAs: user, versions: flat, latencyMs: Math.round(performance.now() - started) };
  }

  async findMaster(kind: MasterKind, name: string): Promise<boolean> {
    return (await this.missingMasters([{ kind, name }])).length === 0;
  }

  /**
   * One list read per doctype (`name in [...]`) for the records not seen within the site
   * cache's TTL; those found are remembered, the missing ones never are.
   */
  async missingMasters(records: readonly MasterRecord[]): Promise<MasterRecord[]> {
    const unknown = records.filter((r) => !this.site.isPresent(MASTER_DOCTYPES[r.kind].doctype, r.name));
    const byDoctype = new Map<string, MasterRecord[]>();
    for (const r of unknown) byDoctype.set(MASTER_DOCTYPES[r.kind].doctype, [...(byDoctype.get(MASTER_DOCTYPES[r.kind].doctype) ?? []), r]);
    const missing: MasterRecord[] = [];
    for (const [doctype, wanted] of byDoctype) {
      const rows = await this.client.list<{ name: string }>(doctype, { fields: ['name'], filters: [['name', 'in', wanted.map((r) => r.name)]] });
      // names compare case-insensitively, as MariaDB does (erpnext.md §2)
      const found = new Set(rows.map((r) => String(r.name).toLowerCase()));
      for (const r of wanted) {
        if (found.has(r.name.toLowerCase())) this.site.recordPresent(doctype, r.name);
        else missing.push(r);
      }
    }
    return missing;
  }

  async createMaster(record: MasterRecord): Promise<void> {
    const { doctype, nameField, parentField } = MASTER_DOCTYPES[record.kind];
    const doc: Doc = { [nameField]: record.name };
    if (parentField) {
      doc[parentField] = record.parent ?? '';
      doc.is_group = record.isGroup ? 1 : 0;
    }
    if (record.kind === 'price_list') Object.assign(doc, { currency: record.currency, selling: 1, enabled: 1 });
    if (record.kind === 'mode_of_payment') Object.assign(doc, { type: record.type ?? 'Cash', enabled: 1 });
    await this.client.insert(doctype, doc);
    this.site.recordPresent(doctype, record.name);
  }

  async findCompany(name: string): Promise<Company | null> {
    const doc = await this.client.findDoc<Doc>('Company', name);
    return doc ? toCompany(doc) : null;
  }

  async listCompanyAbbreviations(): Promise<string[]> {
    const rows = await this.client.list<{ abbr?: string }>('Company', { fields: ['name', 'abbr'] });
    return rows.map((r) => r.abbr).filter((a): a is string => typeof a === 'string' && a !== '');
  }

  /**
   * Company rows matching either the name or one of the abbreviations (Frappe's or_filters: the
   * conditions OR'ed, erpnext.md §1.1; `in` compares case-insensitively on MariaDB, as
   * validate_abbr does).
   */
  async lookUpCompany(name: string, abbreviations: readonly string[]): Promise<{ company: { name: string; abbr: string } | null; takenAbbreviations: string[] }> {
    const rows = await this.client.list<Doc>('Company', {
      fields: ['name', 'abbr'],
      orFilters: [
        ['name', '=', name],
        ['abbr', 'in', [...abbreviations]],
      ],
    });
    const mine = rows.find((r) => String(r.name).toLowerCase() === name.toLowerCase());
    const wanted = new Set(abbreviations.map((a) => a.toUpperCase()));
    return {
      company: mine ? { name: String(mine.name), abbr: String(mine.abbr) } : null,
      takenAbbreviations: rows.map((r) => str(r.abbr)).filter((a): a is string => a !== null && wanted.has(a.toUpperCase())),
    };
  }

  async createCompany(input: { name: string; abbr: string; country: string; currency: string; chartOfAccounts: string }): Promise<Company> {
    // The chart of accounts, warehouses and cost centres are built inside this one request, and
    // every Account/Warehouse/Cost Center insert shifts the nested-set bounds (lft, rgt) of its
    // whole table, site-wide, besides the shared "Cash" mode of payment: a site runs Company
    // inserts one after the other whatever we do. Sent side by side (20 at once, measured on
    // ERPNext 15.71.1) they only wait on each other's locks until MariaDB gives up (deadlocks,
    // lock wait timeouts). So this process sends them one at a time.
    try {
      const doc = await this.serialize('company-insert', () =>
        this.client.insert<Doc>(
          'Company',
          {
            company_name: input.name,
            abbr: input.abbr,
            default_currency: input.currency,
            country: input.country,
            create_chart_of_accounts_based_on: 'Standard Template',
            chart_of_accounts: input.chartOfAccounts,
          },
          { timeoutMs: this.client.budgets.companyInsertMs },
        ),
      );
      return toCompany(doc);
    } catch (e) {
      if (companyInsertConflict(e)) throw new EngineConflictError(`POST Company: ${(e as Error).message}`);
      throw e;
    }
  }

  async setCompanyDefaults(company: string, defaults: CompanyDefaults): Promise<void> {
    await this.client.update('Company', company, { ...defaults });
  }

  async findAccount(company: string, accountName: string): Promise<Account | null> {
    const rows = await this.client.list<Doc>('Account', {
      fields: ['name', 'account_name', 'company', 'is_group', 'account_type', 'parent_account'],
      filters: { company, account_name: accountName },
    });
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findAccounts(company: string, accountNames: readonly string[]): Promise<Account[]> {
    if (accountNames.length === 0) return [];
    const rows = await this.client.list<Doc>('Account', { fields: ACCOUNT_FIELDS, filters: [['company', '=', company], ['account_name', 'in', [...accountNames]]] });
    return rows.map(toAccount);
  }

  async listLeafAccounts(company: string, accountType: string): Promise<Account[]> {
    const rows = await this.client.list<Doc>('Account', {
      fields: ['name', 'account_name', 'company', 'is_group', 'account_type', 'parent_account'],
      filters: { company, account_type: accountType, is_group: 0 },
    });
    return rows.map(toAccount);
  }

  async createAccount(input: { company: string; accountName: string; parentAccount: string; accountType?: string | null; isGroup?: boolean }): Promise<Account> {
    const doc = await this.client.insert<Doc>('Account', {
      account_name: input.accountName,
      parent_account: input.parentAccount,
      company: input.company,
      account_type: input.accountType ?? '',
      is_group: input.isGroup ? 1 : 0,
    });
    return toAccount(doc);
  }

  async findCostCenter(company: string, costCenterName: string): Promise<CostCenter | null> {
    const rows = await this.client.list<Doc>('Cost Center', { fields: ['name', 'company', 'is_group'], filters: { company, cost_center_name: costCenterName } });
    return rows[0] ? { name: String(rows[0].name), company: String(rows[0].company), isGroup: Number(rows[0].is_group) === 1 } : null;
  }

  async createCostCenter(input: { company: string; costCenterName: string; parentCostCenter: string; isGroup?: boolean }): Promise<CostCenter> {
    const doc = await this.client.insert<Doc>('Cost Center', {
      cost_center_name: input.costCenterName,
      parent_cost_center: input.parentCostCenter,
      company: input.company,
      is_group: input.isGroup ? 1 : 0,
    });
    return { name: String(doc.name), company: String(doc.company), isGroup: Number(doc.is_group) === 1 };
  }

  async findWarehouse(company: string, warehouseName: string): Promise<Warehouse | null> {
    const rows = await this.client.list<Doc>('Warehouse', { fields: WAREHOUSE_FIELDS, filters: { company, warehouse_name: warehouseName } });
    return rows[0] ? toWarehouse(rows[0]) : null;
  }

  async findWarehouses(company: string, warehouseNames: readonly string[]): Promise<Warehouse[]> {
    if (warehouseNames.length === 0) return [];
    const rows = await this.client.list<Doc>('Warehouse', { fields: WAREHOUSE_FIELDS, filters: [['company', '=', company], ['warehouse_name', 'in', [...warehouseNames]]] });
    return rows.map(toWarehouse);
  }

  async createWarehouse(input: { company: string; warehouseName: string; parentWarehouse: string | null }): Promise<Warehouse> {
    const doc = await this.client.insert<Doc>('Warehouse', {
      warehouse_name: input.warehouseName,
      company: input.company,
      ...(input.parentWarehouse ? { parent_warehouse: input.parentWarehouse } : {}),
    });
    return toWarehouse(doc);
  }

  /** Site-wide singles: read once per site cache TTL by all the tenants of this process. */
  async readSettings(kind: SettingsKind): Promise<Record<string, unknown>> {
    const doctype = SETTINGS_DOCTYPES[kind];
    const cached = this.site.cachedSettings(doctype);
    if (cached) return cached;
    const doc = await this.client.getDoc<Doc>(doctype, doctype);
    this.site.recordSettings(doctype, doc);
    return doc;
  }

  async updateSettings(kind: SettingsKind, patch: Record<string, unknown>): Promise<void> {
    const doctype = SETTINGS_DOCTYPES[kind];
    this.site.recordSettings(doctype, await this.client.update<Doc>(doctype, doctype, patch));
  }

  async findItem(code: string): Promise<Item | null> {
    const doc = await this.client.findDoc<Doc>('Item', code);
    return doc ? { code: String(doc.name), name: String(doc.item_name ?? doc.name), itemGroup: String(doc.item_group) } : null;
  }

  async createItem(input: { code: string; itemName: string; itemGroup: string; uom: string }): Promise<Item> {
    const doc = await this.client.insert<Doc>('Item', { item_code: input.code, item_name: input.itemName, item_group: input.itemGroup, stock_uom: input.uom, is_stock_item: 0 });
    return { code: String(doc.name), name: String(doc.item_name ?? doc.name), itemGroup: String(doc.item_group) };
  }

  async findItemPrice(code: string, priceList: string): Promise<boolean> {
    const rows = await this.client.list('Item Price', { fields: ['name'], filters: { item_code: code, price_list: priceList }, limit: 1 });
    return rows.length > 0;
  }

  async createItemPrice(input: { code: string; priceList: string; rate: number }): Promise<void> {
    await this.client.insert('Item Price', { item_code: input.code, price_list: input.priceList, price_list_rate: input.rate });
  }

  async findCustomer(customerName: string): Promise<{ name: string } | null> {
    const rows = await this.client.list<Doc>('Customer', { fields: ['name', 'customer_name'], filters: { customer_name: customerName }, orderBy: 'creation asc' });
    return rows[0] ? { name: String(rows[0].name) } : null;
  }

  async createCustomer(input: { customerName: string; customerGroup: string; territory: string }): Promise<{ name: string }> {
    const doc = await this.client.insert<Doc>('Customer', {
      customer_name: input.customerName,
      customer_type: 'Individual',
      customer_group: input.customerGroup,
      territory: input.territory,
    });
    return { name: String(doc.name) };
  }

  async findModeOfPayment(name: string): Promise<ModeOfPayment | null> {
    const doc = await this.client.findDoc<Doc>('Mode of Payment', name);
    if (doc) this.modesRead.set(String(doc.name), doc);
    return doc ? toModeOfPayment(doc) : null;
  }

  /**
   * A filter on the child table "Mode of Payment Account" (erpnext.md §1.1: [ChildDoctype, field,
   * op, value]) joins its rows; both conditions hold on one row, as in Frappe's SQL join.
   */
  async modesOfPaymentWithAccount(company: string, modes: readonly string[]): Promise<string[]> {
    if (modes.length === 0) return [];
    const rows = await this.client.list<{ name: string }>('Mode of Payment', {
      fields: ['name'],
      filters: [
        ['Mode of Payment', 'name', 'in', [...modes]],
        ['Mode of Payment Account', 'company', '=', company],
        ['Mode of Payment Account', 'default_account', 'is', 'set'],
      ],
    });
    const found = new Set(rows.map((r) => String(r.name).toLowerCase()));
    return modes.filter((m) => found.has(m.toLowerCase()));
  }

  async createModeOfPayment(input: { name: string; type: 'Cash' | 'Bank' | 'General' | 'Phone' }): Promise<ModeOfPayment> {
    const doc = await this.client.insert<Doc>('Mode of Payment', { mode_of_payment: input.name, type: input.type, enabled: 1 });
    this.modesRead.set(String(doc.name), doc);
    return toModeOfPayment(doc);
  }

  /**
   * PUT replaces the child table, so every other company's row is sent back unchanged, with
   * the `modified` we read: when another tenant changed the same Mode of Payment in between,
   * Frappe refuses the stale write (TimestampMismatchError, erpnext.md §7.4) instead of losing
   * its row, and we read again.
   */
  async setModeOfPaymentAccount(modeOfPayment: string, company: string, account: string): Promise<void> {
    // a write from the document read earlier does not count against the rounds of fresh reads
    const rounds = MAX_STALE_RETRIES + (this.modesRead.has(modeOfPayment) ? 1 : 0);
    for (let attempt = 1; ; attempt++) {
      const known = this.modesRead.get(modeOfPayment);
      this.modesRead.delete(modeOfPayment);
      const doc = known ?? (await this.client.getDoc<Doc>('Mode of Payment', modeOfPayment));
      const rows = (Array.isArray(doc.accounts) ? (doc.accounts as Doc[]) : []).map((r) => ({ name: r.name, company: r.company, default_account: r.default_account }));
      const mine = rows.find((r) => r.company === company);
      if (mine?.default_account === account) return;
      if (mine) mine.default_account = account;
      else rows.push({ name: undefined, company, default_account: account });
      try {
        await this.client.update('Mode of Payment', modeOfPayment, { modified: doc.modified, accounts: rows.map(({ name, ...r }) => (name ? { name, ...r } : r)) });
        return;
      } catch (e) {
        const stale = e instanceof EngineValidationError && e.excType === 'TimestampMismatchError';
        if (!stale) throw e;
        // many tenants adding their row at once (hundreds at an engine cap of 16) can lose every
        // round: that is contention, not a bad document, so the step is tried again later
        if (attempt >= rounds) throw new EngineConflictError(`PUT Mode of Payment ${modeOfPayment}: still modified by others after ${rounds} rounds`);
        // spread the writers out, or those that lost together read and collide together again
        await sleep(Math.random() * STALE_JITTER_MS * attempt);
      }
    }
  }

  async findPosProfile(name: string): Promise<PosProfile | null> {
    const doc = await this.client.findDoc<Doc>('POS Profile', name);
    return doc ? toPosProfile(doc) : null;
  }

  async createPosProfile(input: NewPosProfile): Promise<PosProfile> {
    // POS Profile is named by the user ("Prompt", erpnext.md §5): the name goes in __newname;
    // the answer is the inserted document with its child rows (erpnext.md §1.1 create_doc)
    const doc = await this.client.insert<Doc>('POS Profile', {
      __newname: input.name,
      name: input.name,
      company: input.company,
      currency: input.currency,
      warehouse: input.warehouse,
      write_off_account: input.writeOffAccount,
      write_off_cost_center: input.writeOffCostCenter,
      write_off_limit: 1,
      payments: input.paymentMethods.map((m, i) => ({ mode_of_payment: m, default: i === 0 ? 1 : 0 })),
      ...(input.sellingPriceList ? { selling_price_list: input.sellingPriceList } : {}),
      ...(input.customer ? { customer: input.customer } : {}),
    });
    return toPosProfile(doc);
  }

  async findPosSessions(posProfile: string): Promise<PosSession[]> {
    const rows = await this.client.list<Doc>('POS Opening Entry', {
      fields: ['name', 'pos_profile', 'status', 'docstatus'],
      filters: { pos_profile: posProfile, docstatus: ['in', [0, 1]] },
      orderBy: 'creation desc',
    });
    return rows
      .map((r) => ({ name: String(r.name), posProfile: String(r.pos_profile), status: String(r.status ?? ''), docstatus: Number(r.docstatus) }))
      .filter((s) => s.status !== 'Closed');
  }

  async submitPosSession(name: string): Promise<PosSession> {
    const doc = await this.client.update<Doc>('POS Opening Entry', name, { docstatus: 1 });
    return { name: String(doc.name), posProfile: String(doc.pos_profile), status: String(doc.status ?? ''), docstatus: Number(doc.docstatus) };
  }

  async createPosSession(input: { company: string; posProfile: string; user: string; modesOfPayment: string[] }): Promise<PosSession> {
    const now = new Date();
    // docstatus 1 submits on insert (erpnext.md §9), so no draft is left behind on success
    const doc = await this.client.insert<Doc>('POS Opening Entry', {
      company: input.company,
      pos_profile: input.posProfile,
      user: input.user,
      period_start_date: frappeDatetime(now),
      posting_date: now.toISOString().slice(0, 10),
      balance_details: input.modesOfPayment.map((m) => ({ mode_of_payment: m, opening_amount: 0 })),
      docstatus: 1,
    });
    return { name: String(doc.name), posProfile: String(doc.pos_profile), status: String(doc.status ?? ''), docstatus: Number(doc.docstatus) };
  }
}
