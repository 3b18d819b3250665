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
} from '../../../ports/erpnext.ts';
import type { EngineHealth } from '../../../ports/engine.ts';
import { withAbbr } from './names.ts';
import { DryRunLedger, key } from '../dry-run-ledger.ts';

const MASTER_DOCTYPE: Record<MasterKind, string> = {
  uom: 'UOM',
  item_group: 'Item Group',
  customer_group: 'Customer Group',
  territory: 'Territory',
  price_list: 'Price List',
  mode_of_payment: 'Mode of Payment',
};
const SETTINGS_DOCTYPE: Record<SettingsKind, string> = { selling: 'Selling Settings', stock: 'Stock Settings' };

/**
 * The engine as a step sees it, with every write held back: reads go to the engine, each write is
 * recorded as an Intent and answered as the engine would answer it, and later reads see what was
 * "written" (so that step_8 does not plan the warehouse step_4 plans, nor step_10 miss it). Running
 * a step's own ensure against it is how a step's declaration ("read first, write what is missing")
 * is checked without a second copy of its reads: the intents are exactly what a run would write.
 * It makes no write by construction: every method of ErpnextPort that writes is implemented here.
 */
export class DryRunEngine extends DryRunLedger implements ErpnextPort {
  readonly kind: ErpnextPort['kind'];
  /** Abbreviations of the companies this tenant knows, to name the records the engine would name. */
  private readonly abbrs = new Map<string, string>();

  constructor(
    private readonly engine: ErpnextPort,
    known: { company?: string; abbr?: string } = {},
  ) {
    super();
    this.kind = engine.kind;
    if (known.company && known.abbr) this.abbrs.set(known.company.toLowerCase(), known.abbr);
  }

  private named(company: string, name: string): string {
    const abbr = this.abbrs.get(company.toLowerCase());
    return abbr ? withAbbr(name, abbr) : name;
  }

  checkHealth(opts?: { maxAgeMs?: number }): Promise<EngineHealth> {
    return this.engine.checkHealth(opts);
  }

  // ---- site-wide masters ----

  async findMaster(kind: MasterKind, name: string): Promise<boolean> {
    const found = this.madeOf(MASTER_DOCTYPE[kind], key(name)) !== undefined || (await this.engine.findMaster(kind, name));
    if (found) this.saw(MASTER_DOCTYPE[kind], name);
    return found;
  }

  async missingMasters(records: readonly MasterRecord[]): Promise<MasterRecord[]> {
    const missing = (await this.engine.missingMasters(records)).filter((r) => this.madeOf(MASTER_DOCTYPE[r.kind], key(r.name)) === undefined);
    const absent = new Set(missing.map((r) => key(r.kind, r.name)));
    for (const r of records) if (!absent.has(key(r.kind, r.name))) this.saw(MASTER_DOCTYPE[r.kind], r.name);
    return missing;
  }

  async createMaster(record: MasterRecord): Promise<void> {
    this.intend({ action: 'create', doctype: MASTER_DOCTYPE[record.kind], name: record.name }, MASTER_DOCTYPE[record.kind], key(record.name), true);
  }

  // ---- company ----

  private knowCompany(c: { name: string; abbr: string }): void {
    this.abbrs.set(c.name.toLowerCase(), c.abbr);
    this.saw('Company', c.name);
  }

  async findCompany(name: string): Promise<Company | null> {
    const found = this.madeOf<Company>('Company', key(name)) ?? (await this.engine.findCompany(name));
    if (found) this.knowCompany(found);
    return found;
  }

  listCompanyAbbreviations(): Promise<string[]> {
    return this.engine.listCompanyAbbreviations();
  }

  async lookUpCompany(name: string, abbreviations: readonly string[]): Promise<{ company: { name: string; abbr: string } | null; takenAbbreviations: string[] }> {
    const made = this.madeOf<Company>('Company', key(name));
    const answer = await this.engine.lookUpCompany(name, abbreviations);
    const company = made ? { name: made.name, abbr: made.abbr } : answer.company;
    if (company) this.knowCompany(company);
    return { ...answer, company };
  }

  async createCompany(input: { name: string; abbr: string; country: string; currency: string; chartOfAccounts: string }): Promise<Company> {
    this.abbrs.set(input.name.toLowerCase(), input.abbr);
    const company: Company = { name: input.name, abbr: input.abbr, country: input.country, currency: input.currency, defaults: {} };
    return this.intend({ action: 'create', doctype: 'Company', name: input.name, detail: `abbreviation ${input.abbr}` }, 'Company', key(input.name), company);
  }

  async setCompanyDefaults(company: string, defaults: CompanyDefaults): Promise<void> {
    this.intendOnly({ action: 'update', doctype: 'Company', name: company, detail: Object.keys(defaults).join(', ') });
    const made = this.madeOf<Company>('Company', key(company));
    if (made) made.defaults = { ...made.defaults, ...defaults };
  }

  // ---- accounts and cost centres ----

  async findAccount(company: string, accountName: string): Promise<Account | null> {
    const found = this.madeOf<Account>('Account', key(company, accountName)) ?? (await this.engine.findAccount(company, accountName));
    if (found) this.saw('Account', found.name);
    return found;
  }

  async findAccounts(company: string, accountNames: readonly string[]): Promise<Account[]> {
    const real = await this.engine.findAccounts(company, accountNames);
    const made = accountNames.map((n) => this.madeOf<Account>('Account', key(company, n))).filter((a): a is Account => a !== undefined);
    const all = [...real.filter((a) => !made.some((m) => m.accountName.toLowerCase() === a.accountName.toLowerCase())), ...made];
    for (const a of all) this.saw('Account', a.name);
    return all;
  }

  listLeafAccounts(company: string, accountType: string): Promise<Account[]> {
    return this.engine.listLeafAccounts(company, accountType);
  }

  async createAccount(input: { company: string; accountName: string; parentAccount: string; accountType?: string | null; isGroup?: boolean }): Promise<Account> {
    const name = this.named(input.company, input.accountName);
    const account: Account = { name, accountName: input.accountName, company: input.company, isGroup: input.isGroup ?? false, accountType: input.accountType ?? null, parentAccount: input.parentAccount };
    return this.intend({ action: 'create', doctype: 'Account', name }, 'Account', key(input.company, input.accountName), account);
  }

  async findCostCenter(company: string, costCenterName: string): Promise<CostCenter | null> {
    const found = this.madeOf<CostCenter>('Cost Center', key(company, costCenterName)) ?? (await this.engine.findCostCenter(company, costCenterName));
    if (found) this.saw('Cost Center', found.name);
    return found;
  }

  async createCostCenter(input: { company: string; costCenterName: string; parentCostCenter: string; isGroup?: boolean }): Promise<CostCenter> {
    const name = this.named(input.company, input.costCenterName);
    return this.intend({ action: 'create', doctype: 'Cost Center', name }, 'Cost Center', key(input.company, input.costCenterName), { name, company: input.company, isGroup: input.isGroup ?? false });
  }

  // ---- warehouses ----

  async findWarehouse(company: string, warehouseName: string): Promise<Warehouse | null> {
    const found = this.madeOf<Warehouse>('Warehouse', key(company, warehouseName)) ?? (await this.engine.findWarehouse(company, warehouseName));
    if (found) this.saw('Warehouse', found.name);
    return found;
  }

  async findWarehouses(company: string, warehouseNames: readonly string[]): Promise<Warehouse[]> {
    const real = await this.engine.findWarehouses(company, warehouseNames);
    const made = warehouseNames.map((n) => this.madeOf<Warehouse>('Warehouse', key(company, n))).filter((w): w is Warehouse => w !== undefined);
    const all = [...real.filter((w) => !made.some((m) => m.warehouseName.toLowerCase() === w.warehouseName.toLowerCase())), ...made];
    for (const w of all) this.saw('Warehouse', w.name);
    return all;
  }

  async createWarehouse(input: { company: string; warehouseName: string; parentWarehouse: string | null }): Promise<Warehouse> {
    const name = this.named(input.company, input.warehouseName);
    return this.intend({ action: 'create', doctype: 'Warehouse', name }, 'Warehouse', key(input.company, input.warehouseName), { name, warehouseName: input.warehouseName, company: input.company, isGroup: false });
  }

  // ---- settings ----

  async readSettings(kind: SettingsKind): Promise<Record<string, unknown>> {
    const current = await this.engine.readSettings(kind);
    this.saw(SETTINGS_DOCTYPE[kind], SETTINGS_DOCTYPE[kind]);
    return { ...current, ...this.madeOf<Record<string, unknown>>(SETTINGS_DOCTYPE[kind], '') };
  }

  async updateSettings(kind: SettingsKind, patch: Record<string, unknown>): Promise<void> {
    const doctype = SETTINGS_DOCTYPE[kind];
    this.intend({ action: 'update', doctype, name: doctype, detail: Object.keys(patch).join(', ') }, doctype, '', { ...this.madeOf<Record<string, unknown>>(doctype, ''), ...patch });
  }

  // ---- items ----

  async findItem(code: string): Promise<Item | null> {
    const found = this.madeOf<Item>('Item', key(code)) ?? (await this.engine.findItem(code));
    if (found) this.saw('Item', found.code);
    return found;
  }

  async createItem(input: { code: string; itemName: string; itemGroup: string; uom: string }): Promise<Item> {
    return this.intend({ action: 'create', doctype: 'Item', name: input.code }, 'Item', key(input.code), { code: input.code, name: input.code, itemGroup: input.itemGroup });
  }

  async findItemPrice(code: string, priceList: string): Promise<boolean> {
    const found = this.madeOf('Item Price', key(code, priceList)) !== undefined || (await this.engine.findItemPrice(code, priceList));
    if (found) this.saw('Item Price', `${code} (${priceList})`);
    return found;
  }

  async createItemPrice(input: { code: string; priceList: string; rate: number }): Promise<void> {
    this.intend({ action: 'create', doctype: 'Item Price', name: `${input.code} (${input.priceList})`, detail: `rate ${input.rate}` }, 'Item Price', key(input.code, input.priceList), true);
  }

  // ---- customer ----

  async findCustomer(customerName: string): Promise<{ name: string } | null> {
    const found = this.madeOf<{ name: string }>('Customer', key(customerName)) ?? (await this.engine.findCustomer(customerName));
    if (found) this.saw('Customer', found.name);
    return found;
  }

  async createCustomer(input: { customerName: string; customerGroup: string; territory: string }): Promise<{ name: string }> {
    return this.intend({ action: 'create', doctype: 'Customer', name: input.customerName }, 'Customer', key(input.customerName), { name: input.customerName });
  }

  // ---- modes of payment ----

  async findModeOfPayment(name: string): Promise<ModeOfPayment | null> {
    const found = this.madeOf<ModeOfPayment>('Mode of Payment', key(name)) ?? (await this.engine.findModeOfPayment(name));
    if (found) this.saw('Mode of Payment', found.name);
    return found;
  }

  async modesOfPaymentWithAccount(company: string, modes: readonly string[]): Promise<string[]> {
    const real = await this.engine.modesOfPaymentWithAccount(company, modes);
    const linked = [...real, ...modes.filter((m) => this.madeOf('Mode of Payment Account', key(m, company)) !== undefined && !real.some((r) => r.toLowerCase() === m.toLowerCase()))];
    for (const m of linked) this.saw('Mode of Payment', m);
    return linked;
  }

  async createModeOfPayment(input: { name: string; type: 'Cash' | 'Bank' | 'General' | 'Phone' }): Promise<ModeOfPayment> {
    return this.intend({ action: 'create', doctype: 'Mode of Payment', name: input.name }, 'Mode of Payment', key(input.name), { name: input.name, type: input.type, accounts: [] });
  }

  async setModeOfPaymentAccount(modeOfPayment: string, company: string, account: string): Promise<void> {
    this.intend({ action: 'update', doctype: 'Mode of Payment', name: modeOfPayment, detail: `account of ${company}: ${account}` }, 'Mode of Payment Account', key(modeOfPayment, company), account);
  }

  // ---- POS ----

  async findPosProfile(name: string): Promise<PosProfile | null> {
    const found = this.madeOf<PosProfile>('POS Profile', key(name)) ?? (await this.engine.findPosProfile(name));
    if (found) this.saw('POS Profile', found.name);
    return found;
  }

  async createPosProfile(input: NewPosProfile): Promise<PosProfile> {
    const profile: PosProfile = {
      name: input.name,
      company: input.company,
      warehouse: input.warehouse,
      paymentMethods: input.paymentMethods,
      writeOffAccount: input.writeOffAccount,
      writeOffCostCenter: input.writeOffCostCenter,
    };
    return this.intend({ action: 'create', doctype: 'POS Profile', name: input.name }, 'POS Profile', key(input.name), profile);
  }

  async findPosSessions(posProfile: string): Promise<PosSession[]> {
    const made = this.madeOf<PosSession>('POS Opening Entry', key(posProfile));
    const sessions = made ? [made] : await this.engine.findPosSessions(posProfile);
    for (const s of sessions) if (s.docstatus === 1 && s.status === 'Open') this.saw('POS Opening Entry', s.name);
    return sessions;
  }

  async submitPosSession(name: string): Promise<PosSession> {
    this.intendOnly({ action: 'update', doctype: 'POS Opening Entry', name, detail: 'submit' });
    return { name, posProfile: '', status: 'Open', docstatus: 1 };
  }

  async createPosSession(input: { company: string; posProfile: string; user: string; modesOfPayment: string[] }): Promise<PosSession> {
    // the engine names it (naming series): the plan can only say whose it is
    const session: PosSession = { name: `new POS Opening Entry of ${input.posProfile}`, posProfile: input.posProfile, status: 'Open', docstatus: 1 };
    return this.intend({ action: 'create', doctype: 'POS Opening Entry', name: session.name }, 'POS Opening Entry', key(input.posProfile), session);
  }
}
