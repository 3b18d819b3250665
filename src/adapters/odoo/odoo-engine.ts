import type { EngineHealth } from '../../ports/engine.ts';
import type { OdooCompany, OdooJournal, OdooModule, OdooPartner, OdooPaymentMethod, OdooPort, OdooPosConfig, OdooPosSession, OdooProduct, OdooWarehouse } from '../../ports/odoo.ts';
import { EngineConflictError, EngineNotFoundError, EngineNotOdooError, EngineValidationError, isProvisionerError } from '../../domain/errors.ts';
import { OdooRpcClient, type OdooRpcOptions } from './odoo-rpc.ts';
import { SiteCache } from '../site-cache.ts';

type Row = Record<string, unknown>;

/** A many2one as read: `[id, display_name]` or false. */
const m2oId = (v: unknown): number | null => (Array.isArray(v) && typeof v[0] === 'number' ? v[0] : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);

/** The modules a POS workspace needs (odoo.md A.3 step_1); point_of_sale is what makes it an engine for us. */
export const ODOO_REQUIRED_MODULES = ['base', 'account', 'stock', 'point_of_sale'] as const;

const COMPANY_FIELDS = ['name', 'currency_id', 'country_id', 'chart_template'];
const toCompany = (r: Row): OdooCompany => ({ id: Number(r.id), name: String(r.name), currencyId: m2oId(r.currency_id), countryId: m2oId(r.country_id), chartTemplate: text(r.chart_template) });
const toSession = (r: Row): OdooPosSession => ({ id: Number(r.id), name: String(r.name), configId: m2oId(r.config_id) ?? 0, state: String(r.state) });

export interface OdooEngineOptions extends OdooRpcOptions {
  /** Runs `fn` alone among the operations of its lane on this engine. (Default: no limit) */
  serialize?: <T>(lane: string, fn: () => Promise<T>) => Promise<T>;
  /** The last health check, shared by the adapters of this engine. (Default: one of this adapter's own) */
  siteCache?: SiteCache;
}

/** The Odoo port over an Odoo 17 database's external JSON-RPC API (odoo.md A.1-A.3). */
export class OdooEngine implements OdooPort {
  readonly kind = 'odoo' as const;
  readonly client: OdooRpcClient;
  private readonly site: SiteCache;
  private readonly serialize: <T>(lane: string, fn: () => Promise<T>) => Promise<T>;

  constructor(opts: OdooEngineOptions) {
    this.serialize = opts.serialize ?? ((_lane, fn) => fn());
    this.site = opts.siteCache ?? new SiteCache();
    const site = this.site;
    this.client = new OdooRpcClient({
      ...opts,
      // an engine error may mean the engine changed (down, key revoked): the next check asks again
      onCall: (call) => {
        if (call.status === null || call.error) site.drop();
        opts.onCall?.(call);
      },
    });
  }

  /**
   * A call scoped to the company. Odoo checks `allowed_company_ids` against the user's companies
   * through a cache (res_users.py `_get_company_ids`, ormcache): a request that runs while another
   * creates a company can fill it with the companies of before, and every later call for the new
   * company is then refused "Access to unauthorized or invalid companies." although the user has
   * it (seen on Odoo 17 with 4 tenants at once). Linking the company to the user again is a
   * res.users write of company_ids, which clears that cache (res_users.py write); then the call
   * is made once more.
   */
  private async inCompany<T>(companyId: number, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!(isProvisionerError(e) && e.code === 'ENGINE_PERMISSION' && /unauthorized or invalid companies/i.test(e.message))) throw e;
      await this.grantCompany(companyId);
      return call();
    }
  }

  /** Odoo scopes a call to a company by the context, not by the record (odoo.md Part C). */
  private scoped(companyId: number, kwargs: Row = {}, context: Row = {}): Row {
    return { ...kwargs, context: { ...context, allowed_company_ids: [companyId] } };
  }

  async checkHealth(opts: { maxAgeMs?: number } = {}): Promise<EngineHealth> {
    const recent = opts.maxAgeMs === undefined ? null : this.site.recentHealth(opts.maxAgeMs);
    if (recent) return recent;
    const started = performance.now();
    // common.version needs no credentials; then the login (false on a wrong key); then point_of_sale
    let version;
    try {
      version = await this.client.version();
    } catch (e) {
      // a server that is not Odoo answers /jsonrpc with a 404 page or no JSON-RPC body
      if (isProvisionerError(e) && (e.code === 'ENGINE_NOT_FOUND' || e.code === 'ENGINE_ERROR')) throw new EngineNotOdooError(`${this.client.baseUrl} has no Odoo JSON-RPC endpoint`);
      throw e;
    }
    if (!version || typeof version.server_version !== 'string') throw new EngineNotOdooError('common.version did not answer a server version');
    await this.client.uid();
    const modules = await this.findModules(ODOO_REQUIRED_MODULES);
    if (!modules.some((m) => m.name === 'point_of_sale' && m.state === 'installed')) throw new EngineNotOdooError(`the point_of_sale module is not installed on database "${this.client.db}"`);
    const health: EngineHealth = {
      reachable: true,
      authenticatedAs: this.client.login,
      versions: { odoo: version.server_version, ...Object.fromEntries(modules.filter((m) => m.state === 'installed').map((m) => [m.name, m.latestVersion ?? 'installed'])) },
      latencyMs: Math.round(performance.now() - started),
    };
    this.site.recordHealth(health);
    return health;
  }

  async findModules(names: readonly string[]): Promise<OdooModule[]> {
    const rows = await this.client.searchRead('ir.module.module', [['name', 'in', [...names]]], ['name', 'state', 'latest_version']);
    return rows.map((r) => ({ name: String(r.name), state: String(r.state), latestVersion: text(r.latest_version) ?? undefined }));
  }

  async findCurrency(code: string): Promise<{ id: number; active: boolean } | null> {
    const rows = await this.client.searchRead('res.currency', [['name', '=', code]], ['name', 'active'], { context: { active_test: false } });
    return rows[0] ? { id: Number(rows[0].id), active: rows[0].active !== false } : null;
  }

  async findCountry(code: string): Promise<{ id: number } | null> {
    const rows = await this.client.searchRead('res.country', [['code', '=', code.toUpperCase()]], ['code']);
    return rows[0] ? { id: Number(rows[0].id) } : null;
  }

  async findCompany(name: string): Promise<OdooCompany | null> {
    // company names are unique (res_company.py name_uniq); =ilike matches as the index would not, so compare exactly
    const rows = await this.client.searchRead('res.company', [['name', '=', name]], COMPANY_FIELDS);
    return rows[0] ? toCompany(rows[0]) : null;
  }

  async readCompany(companyId: number): Promise<OdooCompany | null> {
    const rows = await this.client.read('res.company', [companyId], COMPANY_FIELDS);
    return rows[0] ? toCompany(rows[0]) : null;
  }

  /**
   * Companies are made one at a time per engine in this process, with the charts (see loadChart):
   * made side by side on Odoo 17, 3 of 4 failed (a foreign-key violation on res_company.partner_id,
   * "Access to unauthorized or invalid companies."). What still meets across processes is a
   * conflict, rolled back and retried: the foreign-key violation, and a MissingError naming
   * another new company (the chaos harness against a real Odoo 17 with two workers: "Record does
   * not exist or has been deleted. (Record: res.company(30,), User: 2)" for a company another
   * request was making at that moment).
   */
  async createCompany(input: { name: string; currencyId: number; countryId: number | null }): Promise<number> {
    try {
      return await this.serialize('company', () =>
        this.client.create('res.company', { name: input.name, currency_id: input.currencyId, ...(input.countryId ? { country_id: input.countryId } : {}) }, {}, { timeoutMs: this.client.budgets.companyInsertMs }),
      );
    } catch (e) {
      if (e instanceof EngineValidationError && /res_company_partner_id_fkey/.test(e.message)) throw new EngineConflictError(`res.company.create: ${e.message}`);
      if (e instanceof EngineNotFoundError && /\(Record: res\.company\(/.test(e.message)) throw new EngineConflictError(e.message);
      throw e;
    }
  }

  async updateCompany(companyId: number, patch: { currencyId?: number; countryId?: number }): Promise<void> {
    const values: Row = {};
    if (patch.currencyId !== undefined) values.currency_id = patch.currencyId;
    if (patch.countryId !== undefined) values.country_id = patch.countryId;
    await this.inCompany(companyId, () => this.client.write('res.company', [companyId], values, this.scoped(companyId)));
  }

  async userCompanyIds(): Promise<number[]> {
    const rows = await this.client.read('res.users', [await this.client.uid()], ['company_ids']);
    return ids(rows[0]?.company_ids);
  }

  async grantCompany(companyId: number): Promise<void> {
    // (4, id): link, keeping the user's other companies
    await this.client.write('res.users', [await this.client.uid()], { company_ids: [[4, companyId]] });
  }

  async loadChart(companyId: number, templateCode: string): Promise<void> {
    // a method of an AbstractModel without @api.model: ids first, then its arguments (odoo.md A.1);
    // it may install the template's l10n module, which takes long (chart_template.py _load)
    await this.serialize('company', () => this.inCompany(companyId, () => this.client.executeKw('account.chart.template', 'try_loading', [[], templateCode, companyId], { install_demo: false, ...this.scoped(companyId) }, { timeoutMs: this.client.budgets.companyInsertMs })));
  }

  async findWarehouses(companyId: number): Promise<OdooWarehouse[]> {
    const rows = await this.inCompany(companyId, () => this.client.searchRead('stock.warehouse', [['company_id', '=', companyId]], ['name', 'code', 'active'], this.scoped(companyId, { order: 'sequence, id' }, { active_test: false })));
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name), code: String(r.code), active: r.active !== false }));
  }

  createWarehouse(companyId: number, input: { name: string; code: string }): Promise<number> {
    return this.inCompany(companyId, () => this.client.create('stock.warehouse', { name: input.name, code: input.code, company_id: companyId }, this.scoped(companyId)));
  }

  async activateWarehouse(companyId: number, warehouseId: number): Promise<void> {
    await this.inCompany(companyId, () => this.client.write('stock.warehouse', [warehouseId], { active: true }, this.scoped(companyId)));
  }

  async findProducts(companyId: number, codes: readonly string[]): Promise<OdooProduct[]> {
    if (codes.length === 0) return [];
    const rows = await this.inCompany(companyId, () => this.client.searchRead('product.template', [['company_id', '=', companyId], ['default_code', 'in', [...codes]]], ['name', 'default_code'], this.scoped(companyId)));
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name), defaultCode: text(r.default_code) }));
  }

  createProduct(companyId: number, input: { name: string; code: string; price: number }): Promise<number> {
    // 'consu' (consumable): sold without stock moves to value. `type`, not 17's `detailed_type`: 17
    // sets detailed_type from type (product_template.py _sanitize_vals) and 18 has type only
    // (docs/odoo-versions.md; odoo.md A.3 step_6)
    return this.inCompany(companyId, () => this.client.create('product.template', { name: input.name, default_code: input.code, list_price: input.price, available_in_pos: true, type: 'consu', company_id: companyId }, this.scoped(companyId)));
  }

  async findPartnerByRef(companyId: number, ref: string): Promise<OdooPartner | null> {
    const rows = await this.inCompany(companyId, () => this.client.searchRead('res.partner', [['ref', '=', ref], ['company_id', '=', companyId]], ['name', 'ref'], this.scoped(companyId)));
    return rows[0] ? { id: Number(rows[0].id), name: String(rows[0].name), ref: text(rows[0].ref) } : null;
  }

  createCustomer(companyId: number, input: { name: string; ref: string }): Promise<number> {
    return this.inCompany(companyId, () => this.client.create('res.partner', { name: input.name, ref: input.ref, customer_rank: 1, company_id: companyId }, this.scoped(companyId)));
  }

  async findJournals(companyId: number, types: readonly string[]): Promise<OdooJournal[]> {
    const rows = await this.inCompany(companyId, () => this.client.searchRead('account.journal', [['company_id', '=', companyId], ['type', 'in', [...types]]], ['name', 'code', 'type'], this.scoped(companyId, { order: 'sequence, id' })));
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name), code: String(r.code), type: String(r.type) }));
  }

  async findPaymentMethods(companyId: number): Promise<OdooPaymentMethod[]> {
    const rows = await this.inCompany(companyId, () => this.client.searchRead('pos.payment.method', [['company_id', '=', companyId]], ['name', 'journal_id', 'is_cash_count'], this.scoped(companyId)));
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name), journalId: m2oId(r.journal_id), isCashCount: r.is_cash_count === true }));
  }

  createPaymentMethod(companyId: number, input: { name: string; journalId: number }): Promise<number> {
    // is_cash_count is computed from the journal's type: not sent (odoo.md A.3 step_8)
    return this.inCompany(companyId, () => this.client.create('pos.payment.method', { name: input.name, journal_id: input.journalId, company_id: companyId }, this.scoped(companyId)));
  }

  async findPosConfigs(companyId: number): Promise<OdooPosConfig[]> {
    const rows = await this.inCompany(companyId, () => this.client.searchRead('pos.config', [['company_id', '=', companyId]], ['name', 'payment_method_ids', 'cash_control'], this.scoped(companyId)));
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name), paymentMethodIds: ids(r.payment_method_ids), cashControl: r.cash_control === true }));
  }

  createPosConfig(companyId: number, input: { name: string; paymentMethodIds: number[] }): Promise<number> {
    return this.inCompany(companyId, () => this.client.create('pos.config', { name: input.name, company_id: companyId, payment_method_ids: [[6, 0, input.paymentMethodIds]] }, this.scoped(companyId)));
  }

  async updatePosConfig(companyId: number, configId: number, patch: { name?: string; paymentMethodIds?: number[] }): Promise<void> {
    const values: Row = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.paymentMethodIds !== undefined) values.payment_method_ids = [[6, 0, patch.paymentMethodIds]];
    await this.inCompany(companyId, () => this.client.write('pos.config', [configId], values, this.scoped(companyId)));
  }

  async findOpenPosSessions(companyId: number, configId: number): Promise<OdooPosSession[]> {
    const rows = await this.inCompany(companyId, () => this.client.searchRead('pos.session', [['config_id', '=', configId], ['state', '!=', 'closed']], ['name', 'config_id', 'state'], this.scoped(companyId)));
    return rows.map(toSession);
  }

  createPosSession(companyId: number, configId: number): Promise<number> {
    return this.inCompany(companyId, () => this.client.create('pos.session', { config_id: configId }, this.scoped(companyId)));
  }

  async readPosSession(companyId: number, sessionId: number): Promise<OdooPosSession | null> {
    const rows = await this.inCompany(companyId, () => this.client.read('pos.session', [sessionId], ['name', 'config_id', 'state'], this.scoped(companyId)));
    return rows[0] ? toSession(rows[0]) : null;
  }

  async setOpeningCash(companyId: number, sessionId: number, amount: number): Promise<void> {
    // set_cashbox_pos(cashbox_value, notes) returns None: an answer without `result` (pos_session.py)
    await this.inCompany(companyId, () => this.client.executeKw('pos.session', 'set_cashbox_pos', [[sessionId], amount, ''], this.scoped(companyId)));
  }
}
