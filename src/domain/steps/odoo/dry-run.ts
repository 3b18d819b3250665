import type { EngineHealth } from '../../../ports/engine.ts';
import type { OdooCompany, OdooJournal, OdooModule, OdooPartner, OdooPaymentMethod, OdooPort, OdooPosConfig, OdooPosSession, OdooProduct, OdooWarehouse } from '../../../ports/odoo.ts';
import { DryRunLedger, key } from '../dry-run-ledger.ts';
import { GENERIC_CHART } from './step-3-chart-of-accounts.ts';

/** A record the dry run made, with the company it belongs to. */
type Owned<T> = T & { companyId: number };

/**
 * The Odoo database as a step sees it, with every write held back (the Odoo twin of
 * erpnext/dry-run.ts): reads go to the engine, each write is recorded as an Intent (the model as
 * its doctype) and answered as Odoo would answer it, and later reads see what was "written".
 *
 * A record the dry run makes gets a negative id, which no Odoo record has: a read scoped to a
 * company that does not exist yet is answered from the made records alone, never sent to Odoo
 * (it would refuse `allowed_company_ids` of an unknown company). What Odoo makes by itself along
 * a write is made too, without an intent, so that the later steps adopt it as a run would: with
 * a company, its default warehouse and the creating user's access (stock and base res_company.py
 * create); with the generic chart, the cash and bank journals, the payment methods Cash, Bank and
 * Customer Account and the "Shop" POS config (point_of_sale chart_template.py); with the generic
 * chart, the company's currency switched to USD, which step_3 then writes back.
 */
export class OdooDryRunEngine extends DryRunLedger implements OdooPort {
  readonly kind = 'odoo' as const;
  private nextId = -1;
  /** Companies the engine user was given, by the dry run (a made company is the user's at once). */
  private readonly granted = new Set<number>();
  /** Writes planned on records Odoo has: the record as it would read after them. */
  private readonly companyPatches = new Map<number, Partial<OdooCompany>>();
  private readonly warehousePatches = new Map<number, Partial<OdooWarehouse>>();
  private readonly configPatches = new Map<number, Partial<OdooPosConfig>>();
  private readonly sessionPatches = new Map<number, Partial<OdooPosSession>>();

  constructor(private readonly engine: OdooPort) {
    super();
  }

  private id(): number {
    return this.nextId--;
  }

  private ofCompany<T>(model: string, companyId: number): T[] {
    return this.allMade<Owned<T>>(model).filter((r) => r.companyId === companyId);
  }

  checkHealth(opts?: { maxAgeMs?: number }): Promise<EngineHealth> {
    return this.engine.checkHealth(opts);
  }

  async findModules(names: readonly string[]): Promise<OdooModule[]> {
    const modules = await this.engine.findModules(names);
    for (const m of modules) if (m.state === 'installed') this.saw('ir.module.module', m.name);
    return modules;
  }

  findCurrency(code: string): Promise<{ id: number; active: boolean } | null> {
    return this.engine.findCurrency(code);
  }

  findCountry(code: string): Promise<{ id: number } | null> {
    return this.engine.findCountry(code);
  }

  // ---- company ----

  private companyAsPlanned(company: OdooCompany): OdooCompany {
    const planned = { ...company, ...this.companyPatches.get(company.id) };
    this.saw('res.company', planned.name);
    return planned;
  }

  async findCompany(name: string): Promise<OdooCompany | null> {
    const found = this.madeOf<OdooCompany>('res.company', key(name)) ?? (await this.engine.findCompany(name));
    return found && this.companyAsPlanned(found);
  }

  async readCompany(companyId: number): Promise<OdooCompany | null> {
    const found = companyId < 0 ? (this.allMade<OdooCompany>('res.company').find((c) => c.id === companyId) ?? null) : await this.engine.readCompany(companyId);
    return found && this.companyAsPlanned(found);
  }

  async createCompany(input: { name: string; currencyId: number; countryId: number | null }): Promise<number> {
    const company: OdooCompany = { id: this.id(), name: input.name, currencyId: input.currencyId, countryId: input.countryId, chartTemplate: null };
    this.intend({ action: 'create', doctype: 'res.company', name: input.name }, 'res.company', key(input.name), company);
    this.granted.add(company.id);
    // stock's res_company.py create: a warehouse named after the company, coded with its first 5 characters
    const warehouse: Owned<OdooWarehouse> = { id: this.id(), name: input.name, code: input.name.slice(0, 5), active: true, companyId: company.id };
    this.make('stock.warehouse', key(company.id, warehouse.name), warehouse);
    return company.id;
  }

  async updateCompany(companyId: number, patch: { currencyId?: number; countryId?: number }): Promise<void> {
    const company = await this.readCompany(companyId);
    const fields = [...(patch.currencyId !== undefined ? ['currency'] : []), ...(patch.countryId !== undefined ? ['country'] : [])];
    this.intendOnly({ action: 'update', doctype: 'res.company', name: company?.name ?? String(companyId), detail: fields.join(', ') });
    this.companyPatches.set(companyId, { ...this.companyPatches.get(companyId), ...patch });
  }

  async userCompanyIds(): Promise<number[]> {
    return [...(await this.engine.userCompanyIds()), ...this.granted];
  }

  async grantCompany(companyId: number): Promise<void> {
    const company = await this.readCompany(companyId);
    this.intendOnly({ action: 'update', doctype: 'res.users', name: 'engine user', detail: `access to company ${company?.name ?? companyId}` });
    this.granted.add(companyId);
  }

  async loadChart(companyId: number, templateCode: string): Promise<void> {
    const company = await this.readCompany(companyId);
    this.intendOnly({ action: 'update', doctype: 'res.company', name: company?.name ?? String(companyId), detail: `chart of accounts ${templateCode}` });
    // _pre_load_data makes the company's currency the template's while it has no journal items
    // (account chart_template.py): USD for the generic chart (template_generic_coa.py), so step_3's
    // write-back of the tenant's currency is planned too. A country chart's currency is its
    // country's, the tenant's own as a rule: no change foreseen.
    const chartCurrency = templateCode === GENERIC_CHART ? await this.engine.findCurrency('USD') : null;
    this.companyPatches.set(companyId, { ...this.companyPatches.get(companyId), chartTemplate: templateCode, ...(chartCurrency ? { currencyId: chartCurrency.id } : {}) });
    const journal = (name: string, code: string, type: string): Owned<OdooJournal> => this.make('account.journal', key(companyId, code), { id: this.id(), name, code, type, companyId });
    const cash = journal('Cash', 'CSH1', 'cash');
    const bank = journal('Bank', 'BNK1', 'bank');
    const method = (name: string, journalId: number | null): number =>
      this.make<Owned<OdooPaymentMethod>>('pos.payment.method', key(companyId, name), { id: this.id(), name, journalId, isCashCount: journalId === cash.id, companyId }).id;
    const methods = [method('Cash', cash.id), method('Bank', bank.id), method('Customer Account', null)];
    this.make<Owned<OdooPosConfig>>('pos.config', key(companyId, 'Shop'), { id: this.id(), name: 'Shop', paymentMethodIds: methods, cashControl: true, companyId });
  }

  // ---- warehouses, products, customer ----

  async findWarehouses(companyId: number): Promise<OdooWarehouse[]> {
    const found = companyId > 0 ? await this.engine.findWarehouses(companyId) : [];
    const all = [...found.map((w) => ({ ...w, ...this.warehousePatches.get(w.id) })), ...this.ofCompany<OdooWarehouse>('stock.warehouse', companyId)];
    for (const w of all) if (w.active) this.saw('stock.warehouse', w.name);
    return all;
  }

  async activateWarehouse(companyId: number, warehouseId: number): Promise<void> {
    const warehouse = (await this.findWarehouses(companyId)).find((w) => w.id === warehouseId);
    this.intendOnly({ action: 'update', doctype: 'stock.warehouse', name: warehouse?.name ?? String(warehouseId), detail: 'active (unarchive)' });
    const made = this.ofCompany<OdooWarehouse>('stock.warehouse', companyId).find((w) => w.id === warehouseId);
    if (made) made.active = true;
    else this.warehousePatches.set(warehouseId, { active: true });
  }

  async createWarehouse(companyId: number, input: { name: string; code: string }): Promise<number> {
    const warehouse: Owned<OdooWarehouse> = { id: this.id(), ...input, active: true, companyId };
    return this.intend({ action: 'create', doctype: 'stock.warehouse', name: input.name, detail: `code ${input.code}` }, 'stock.warehouse', key(companyId, input.name), warehouse).id;
  }

  async findProducts(companyId: number, codes: readonly string[]): Promise<OdooProduct[]> {
    const made = this.ofCompany<OdooProduct>('product.template', companyId).filter((p) => p.defaultCode !== null && codes.includes(p.defaultCode));
    const all = [...(companyId > 0 ? await this.engine.findProducts(companyId, codes) : []), ...made];
    for (const p of all) this.saw('product.template', p.name);
    return all;
  }

  async createProduct(companyId: number, input: { name: string; code: string; price: number }): Promise<number> {
    const product: Owned<OdooProduct> = { id: this.id(), name: input.name, defaultCode: input.code, companyId };
    return this.intend({ action: 'create', doctype: 'product.template', name: input.name, detail: `code ${input.code}, price ${input.price}` }, 'product.template', key(companyId, input.code), product).id;
  }

  async findPartnerByRef(companyId: number, ref: string): Promise<OdooPartner | null> {
    const found = this.madeOf<OdooPartner>('res.partner', key(companyId, ref)) ?? (companyId > 0 ? await this.engine.findPartnerByRef(companyId, ref) : null);
    if (found) this.saw('res.partner', found.name);
    return found;
  }

  async createCustomer(companyId: number, input: { name: string; ref: string }): Promise<number> {
    const partner: Owned<OdooPartner> = { id: this.id(), name: input.name, ref: input.ref, companyId };
    return this.intend({ action: 'create', doctype: 'res.partner', name: input.name }, 'res.partner', key(companyId, input.ref), partner).id;
  }

  // ---- payment methods and POS ----

  async findJournals(companyId: number, types: readonly string[]): Promise<OdooJournal[]> {
    const made = this.ofCompany<OdooJournal>('account.journal', companyId).filter((j) => types.includes(j.type));
    const all = [...(companyId > 0 ? await this.engine.findJournals(companyId, types) : []), ...made];
    for (const j of all) this.saw('account.journal', j.name);
    return all;
  }

  async findPaymentMethods(companyId: number): Promise<OdooPaymentMethod[]> {
    const all = [...(companyId > 0 ? await this.engine.findPaymentMethods(companyId) : []), ...this.ofCompany<OdooPaymentMethod>('pos.payment.method', companyId)];
    for (const m of all) this.saw('pos.payment.method', m.name);
    return all;
  }

  async createPaymentMethod(companyId: number, input: { name: string; journalId: number }): Promise<number> {
    const method: Owned<OdooPaymentMethod> = { id: this.id(), name: input.name, journalId: input.journalId, isCashCount: false, companyId };
    return this.intend({ action: 'create', doctype: 'pos.payment.method', name: input.name }, 'pos.payment.method', key(companyId, input.name), method).id;
  }

  async findPosConfigs(companyId: number): Promise<OdooPosConfig[]> {
    const found = companyId > 0 ? await this.engine.findPosConfigs(companyId) : [];
    const all = [...found.map((c) => ({ ...c, ...this.configPatches.get(c.id) })), ...this.ofCompany<OdooPosConfig>('pos.config', companyId)];
    for (const c of all) this.saw('pos.config', c.name);
    return all;
  }

  async createPosConfig(companyId: number, input: { name: string; paymentMethodIds: number[] }): Promise<number> {
    const config: Owned<OdooPosConfig> = { id: this.id(), ...input, cashControl: false, companyId };
    return this.intend({ action: 'create', doctype: 'pos.config', name: input.name }, 'pos.config', key(companyId, input.name), config).id;
  }

  async updatePosConfig(companyId: number, configId: number, patch: { name?: string; paymentMethodIds?: number[] }): Promise<void> {
    const config = (await this.findPosConfigs(companyId)).find((c) => c.id === configId);
    const detail = [...(patch.name !== undefined ? [`name ${patch.name}`] : []), ...(patch.paymentMethodIds ? ['payment methods'] : [])].join(', ');
    this.intendOnly({ action: 'update', doctype: 'pos.config', name: config?.name ?? String(configId), detail });
    const made = this.ofCompany<OdooPosConfig>('pos.config', companyId).find((c) => c.id === configId);
    if (made) Object.assign(made, patch);
    else this.configPatches.set(configId, { ...this.configPatches.get(configId), ...patch });
  }

  private sessionAsPlanned(session: OdooPosSession): OdooPosSession {
    return { ...session, ...this.sessionPatches.get(session.id) };
  }

  async findOpenPosSessions(companyId: number, configId: number): Promise<OdooPosSession[]> {
    const found = companyId > 0 && configId > 0 ? await this.engine.findOpenPosSessions(companyId, configId) : [];
    const all = [...found.map((s) => this.sessionAsPlanned(s)), ...this.ofCompany<OdooPosSession>('pos.session', companyId).filter((s) => s.configId === configId)];
    for (const s of all) if (s.state === 'opened') this.saw('pos.session', s.name);
    return all;
  }

  async createPosSession(companyId: number, configId: number): Promise<number> {
    // Odoo names it (a sequence, POS/00001): the plan can only say whose it is
    const config = (await this.findPosConfigs(companyId)).find((c) => c.id === configId);
    const session: Owned<OdooPosSession> = { id: this.id(), name: `new session of ${config?.name ?? configId}`, configId, state: 'opened', companyId };
    return this.intend({ action: 'create', doctype: 'pos.session', name: session.name }, 'pos.session', key(companyId, session.id), session).id;
  }

  async readPosSession(companyId: number, sessionId: number): Promise<OdooPosSession | null> {
    const made = this.ofCompany<OdooPosSession>('pos.session', companyId).find((s) => s.id === sessionId);
    if (made) return made;
    const found = companyId > 0 && sessionId > 0 ? await this.engine.readPosSession(companyId, sessionId) : null;
    return found && this.sessionAsPlanned(found);
  }

  async setOpeningCash(companyId: number, sessionId: number, amount: number): Promise<void> {
    const session = await this.readPosSession(companyId, sessionId);
    this.intendOnly({ action: 'update', doctype: 'pos.session', name: session?.name ?? String(sessionId), detail: `opening cash count ${amount}` });
    this.sessionPatches.set(sessionId, { state: 'opened' });
  }
}
