/**
 * What `object.execute_kw` runs: search/read/create/write with Odoo's domain syntax, the
 * multi-company record rule, and the behaviour of the models the steps touch (create hooks,
 * constraints, `account.chart.template.try_loading`). Each behaviour names the Odoo 17 source or
 * the odoo.md fact it follows.
 */
import { GENERIC_COA_ACCOUNTS, GENERIC_COA_JOURNALS } from './chart.ts';
import { accessError, OdooException, uniqueViolation, userError, validationError } from './errors.ts';
import { ABSTRACT_MODELS, MODELS, type ModelDef } from './models.ts';
import type { OdooRecord, RecordStore } from './store.ts';

/** The user of every call, its companies and the request's context. */
export interface Env {
  uid: number;
  /** `allowed_company_ids` of the context, else all the user's companies (odoo/api.py `Environment.companies`, 17). */
  companies: number[];
  /** The current company: the first allowed one of the context, else the user's company_id. */
  company: number;
  activeTest: boolean;
  context: Record<string, unknown>;
}

type Leaf = readonly [string, string, unknown];
type DomainItem = Leaf | '&' | '|' | '!';

const isFalse = (v: unknown) => v === false || v === null || v === undefined;
const asIds = (v: unknown): number[] => (Array.isArray(v) ? (v as number[]) : isFalse(v) ? [] : [v as number]);

function modelDef(model: string): ModelDef {
  const def = MODELS[model];
  if (!def) throw userError(`Object ${model} doesn't exist`); // seen on Odoo 17 (odoo.md Part C)
  return def;
}

function likeMatch(value: unknown, pattern: unknown, caseInsensitive: boolean, anchored: boolean): boolean {
  if (isFalse(value)) return false;
  const v = caseInsensitive ? String(value).toLowerCase() : String(value);
  const p = caseInsensitive ? String(pattern).toLowerCase() : String(pattern);
  if (!anchored) return v.includes(p);
  const re = new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, caseInsensitive ? 'i' : '');
  return re.test(v);
}

export class Orm {
  constructor(private readonly store: RecordStore) {}

  // ---- environment ----------------------------------------------------------------------

  env(uid: number, context: Record<string, unknown> = {}): Env {
    const user = this.store.get('res.users', uid)!;
    const userCompanies = asIds(user.company_ids);
    const allowed = Array.isArray(context.allowed_company_ids) ? (context.allowed_company_ids as number[]) : undefined;
    // odoo/api.py Environment.companies: an id outside the user's companies is refused (seen on Odoo 17)
    if (allowed && allowed.some((c) => !userCompanies.includes(c))) throw accessError('Access to unauthorized or invalid companies.');
    const companies = allowed?.length ? allowed : userCompanies;
    return { uid, companies, company: allowed?.length ? allowed[0]! : (user.company_id as number), activeTest: context.active_test !== false, context };
  }

  // ---- domains --------------------------------------------------------------------------

  private value(model: string, rec: OdooRecord, path: string): unknown {
    const [head, ...rest] = path.split('.');
    const v = head === 'id' ? rec.id : rec[head!];
    if (!rest.length) return v;
    const field = MODELS[model]?.fields[head!];
    if (!field?.relation || isFalse(v)) return false;
    const target = this.store.get(field.relation, v as number);
    return target ? this.value(field.relation, target, rest.join('.')) : false;
  }

  private leaf(model: string, rec: OdooRecord, [path, op, want]: Leaf): boolean {
    const field = MODELS[model]?.fields[path.split('.')[0]!];
    const got = this.value(model, rec, path);
    const many = field?.type === 'many2many' || field?.type === 'one2many';
    const eq = (a: unknown, b: unknown) => (isFalse(a) && isFalse(b)) || a === b;
    switch (op) {
      case '=':
      case 'child_of':
        return many ? (isFalse(want) ? asIds(got).length === 0 : asIds(got).includes(want as number)) : eq(got, want);
      case '!=':
        return many ? (isFalse(want) ? asIds(got).length > 0 : !asIds(got).includes(want as number)) : !eq(got, want);
      case 'in':
      case 'not in': {
        const list = Array.isArray(want) ? want : [want];
        const hit = many ? asIds(got).some((id) => list.includes(id)) : list.some((w) => eq(got, w));
        return op === 'in' ? hit : !hit;
      }
      case 'ilike':
        return likeMatch(got, want, true, false);
      case 'not ilike':
        return !likeMatch(got, want, true, false);
      case 'like':
        return likeMatch(got, want, false, false);
      case '=like':
        return likeMatch(got, want, false, true);
      case '=ilike':
        return likeMatch(got, want, true, true);
      case '<':
        return !isFalse(got) && (got as number) < (want as number);
      case '>':
        return !isFalse(got) && (got as number) > (want as number);
      case '<=':
        return !isFalse(got) && (got as number) <= (want as number);
      case '>=':
        return !isFalse(got) && (got as number) >= (want as number);
      default:
        throw new OdooException('builtins.ValueError', `Invalid leaf ${JSON.stringify([path, op, want])}`);
    }
  }

  /** Polish notation with an implicit '&' between top-level terms (odoo/osv/expression.py). */
  matches(model: string, rec: OdooRecord, domain: readonly DomainItem[]): boolean {
    let pos = 0;
    const term = (): boolean => {
      const item = domain[pos++];
      if (item === '!') return !term();
      if (item === '&' || item === '|') {
        const a = term();
        const b = term();
        return item === '&' ? a && b : a || b;
      }
      if (!Array.isArray(item) || item.length !== 3) throw new OdooException('builtins.ValueError', `Invalid leaf ${JSON.stringify(item)}`);
      return this.leaf(model, rec, item as unknown as Leaf);
    };
    let ok = true;
    while (pos < domain.length) ok = term() && ok;
    return ok;
  }

  /** The multi-company rule `['|', ('company_id','=',False), ('company_id','in',company_ids)]`. */
  private visible(def: ModelDef, rec: OdooRecord, env: Env): boolean {
    return !def.companyRule || isFalse(rec.company_id) || env.companies.includes(rec.company_id as number);
  }

  search(model: string, domain: readonly DomainItem[], env: Env, opts: { offset?: number; limit?: number | false; order?: string } = {}): number[] {
    const def = modelDef(model);
    const mentionsActive = domain.some((d) => Array.isArray(d) && d[0] === 'active');
    const rows = this.store
      .all(model)
      .filter((r) => !(def.active && env.activeTest && !mentionsActive && r.active === false))
      .filter((r) => this.visible(def, r, env))
      .filter((r) => this.matches(model, r, domain));
    const desc = /\bid desc\b/i.test(opts.order ?? '');
    rows.sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
    const start = opts.offset ?? 0;
    const ids = rows.map((r) => r.id).slice(start, opts.limit ? start + opts.limit : undefined);
    return ids;
  }

  // ---- reads ----------------------------------------------------------------------------

  displayName(model: string, id: number): string {
    const rec = this.store.get(model, id);
    if (!rec) return '';
    if (model === 'pos.config') {
      // pos.config _compute_display_name: "Shop (Administrator)" while a session is open
      const session = this.openSession(id);
      const user = session ? this.store.get('res.users', session.user_id as number) : undefined;
      return user ? `${String(rec.name)} (${String(user.name)})` : String(rec.name);
    }
    // product_template.py / product.py _compute_display_name: "[default_code] name" (seen on Odoo 17)
    const product = model === 'product.product' ? this.store.get('product.template', rec.product_tmpl_id as number) : model === 'product.template' ? rec : undefined;
    if (product) return product.default_code ? `[${String(product.default_code)}] ${String(product.name)}` : String(product.name ?? '');
    return String(rec[MODELS[model]?.recName ?? 'name'] ?? '');
  }

  /** pos_config.py _compute_cash_control (17, not stored): a payment method that counts cash. */
  private cashControl(config: OdooRecord): boolean {
    return asIds(config.payment_method_ids).some((id) => this.store.get('pos.payment.method', id)?.is_cash_count === true);
  }

  private openSession(configId: number): OdooRecord | undefined {
    return this.store.all('pos.session').find((s) => s.config_id === configId && s.state !== 'closed');
  }

  /** Computed fields, from the record and its relations. */
  private computed(model: string, rec: OdooRecord): Record<string, unknown> {
    if (model === 'pos.config') {
      const session = this.openSession(rec.id);
      return { current_session_id: session?.id ?? false, current_session_state: session?.state ?? false, cash_control: this.cashControl(rec) };
    }
    if (model === 'product.product') {
      const tmpl = this.store.get('product.template', rec.product_tmpl_id as number);
      return { name: tmpl?.name ?? false, company_id: tmpl?.company_id ?? false, available_in_pos: tmpl?.available_in_pos ?? false, list_price: tmpl?.list_price ?? 0 };
    }
    if (model === 'product.template') return { product_variant_ids: this.store.all('product.product').filter((p) => p.product_tmpl_id === rec.id).map((p) => p.id) };
    return {};
  }

  read(model: string, ids: readonly number[], fields: readonly string[] | undefined, env: Env): Record<string, unknown>[] {
    const def = modelDef(model);
    const names = fields?.length ? fields : ['id', ...Object.keys(def.fields), 'display_name'];
    for (const f of names) {
      if (f !== 'id' && f !== 'display_name' && !(f in def.fields) && !(def.active && f === 'active')) throw new OdooException('builtins.ValueError', `Invalid field '${f}' on model '${model}'`);
    }
    const out: Record<string, unknown>[] = [];
    for (const id of ids) {
      const rec = this.store.get(model, id);
      if (!rec) continue; // a read of a deleted id answers without it (seen on Odoo 17)
      if (!this.visible(def, rec, env)) {
        throw accessError(`Due to security restrictions, you are not allowed to access '${model}' records.\n\nRecords: ${this.displayName(model, id)} (id=${id})`);
      }
      const full = { ...rec, ...this.computed(model, rec) };
      const row: Record<string, unknown> = { id };
      for (const f of names) {
        if (f === 'id') continue;
        if (f === 'display_name') {
          row[f] = this.displayName(model, id);
          continue;
        }
        const fd = def.fields[f];
        const v = full[f];
        if (fd?.type === 'many2one') row[f] = isFalse(v) ? false : [v, this.displayName(fd.relation!, v as number)];
        else if (fd?.type === 'many2many' || fd?.type === 'one2many') row[f] = asIds(v);
        else if (f === 'active') row[f] = v !== false;
        else row[f] = v === undefined || v === null ? (fd?.type === 'integer' || fd?.type === 'float' ? 0 : false) : v;
      }
      out.push(row);
    }
    return out;
  }

  // ---- writes ---------------------------------------------------------------------------

  /** x2many commands: [[6,0,ids]], [[4,id]], [[3,id]], [[5]], or a plain list of ids. */
  private x2many(current: unknown, value: unknown): number[] {
    if (!Array.isArray(value)) return [];
    let ids = asIds(current);
    for (const cmd of value) {
      if (typeof cmd === 'number') {
        ids = value as number[];
        break;
      }
      const [op, id, arg] = cmd as [number, number, unknown];
      if (op === 6) ids = [...asIds(arg)];
      else if (op === 4 && !ids.includes(id)) ids = [...ids, id];
      else if (op === 3) ids = ids.filter((x) => x !== id);
      else if (op === 5) ids = [];
    }
    return ids;
  }

  private normalise(def: ModelDef, values: Record<string, unknown>, current: OdooRecord | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) {
      const fd = def.fields[k];
      if (!fd && !(def.active && k === 'active')) throw new OdooException('builtins.ValueError', `Invalid field '${k}' on model '${def.name}'`);
      if (fd?.computed) continue;
      if (fd?.type === 'many2many') out[k] = this.x2many(current?.[k], v);
      else if (fd?.type === 'many2one') out[k] = Array.isArray(v) ? v[0] : isFalse(v) ? false : v;
      // Char(size=N) is cut to N characters, without a warning (odoo.md Part C)
      else if (fd?.size && typeof v === 'string') out[k] = v.slice(0, fd.size);
      else out[k] = v;
    }
    return out;
  }

  /** NOT NULL (IntegrityError → ValidationError) and unique constraints, as PG checks them: over every row. */
  private checkConstraints(def: ModelDef, rec: OdooRecord): void {
    for (const [name, fd] of Object.entries(def.fields)) {
      if (fd.required && !fd.computed && isFalse(rec[name])) {
        // model.py _as_validation_error, NOT_NULL_VIOLATION
        throw validationError(
          `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${def.name} (${def.name})\nField: ${name} (${name})\n`,
        );
      }
    }
    for (const u of def.unique ?? []) {
      if (u.fields.some((f) => isFalse(rec[f]))) continue; // NULLs never collide in a PG unique index
      const clash = this.store.all(def.name).find((o) => o.id !== rec.id && u.fields.every((f) => o[f] === rec[f]));
      if (clash) throw uniqueViolation(def.name.replace(/\./g, '_'), u.name, u.message, `(${u.fields.join(', ')})=(${u.fields.map((f) => String(rec[f])).join(', ')})`);
    }
  }

  create(model: string, values: Record<string, unknown>, env: Env): number {
    const def = modelDef(model);
    if (model === 'product.template') values = productTypes(values);
    const vals = { ...this.defaults(model, values, env), ...this.normalise(def, values, undefined) };
    const id = this.store.nextId(model);
    const rec: OdooRecord = { ...vals, id };
    if (def.active && rec.active === undefined) rec.active = true;
    if (def.companyRule && !this.visible(def, rec, env)) {
      throw accessError(`Due to security restrictions, you are not allowed to create '${model}' records.`);
    }
    this.store.insert(model, this.before(model, rec, env));
    this.checkConstraints(def, this.store.get(model, id)!);
    if (model === 'pos.config') this.checkCashMethods(this.store.get(model, id)!);
    this.after(model, this.store.get(model, id)!, env);
    return id;
  }

  write(model: string, ids: readonly number[], values: Record<string, unknown>, env: Env): true {
    const def = modelDef(model);
    for (const id of ids) {
      const rec = this.store.get(model, id);
      if (!rec) throw new OdooException('odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: ${model}(${id},), User: ${env.uid})`);
      if (!this.visible(def, rec, env)) throw accessError(`Due to security restrictions, you are not allowed to modify '${model}' records.`);
      // pos_config.py write(): payment methods are frozen while a session of the config is open
      if (model === 'pos.config' && 'payment_method_ids' in values && this.openSession(id)) {
        throw userError("Unable to modify this PoS Configuration because you can't modify Payment Methods while a session is open.");
      }
      const vals = this.normalise(def, values, rec);
      if (model === 'res.company') this.activateCurrency(vals.currency_id);
      // addons/stock/models/stock_warehouse.py write(): a warehouse keeps its company
      if (model === 'stock.warehouse' && 'company_id' in vals && vals.company_id !== rec.company_id) {
        throw userError('Changing the company of this record is forbidden at this point, you should rather archive it and create a new one.');
      }
      const updated = this.store.update(model, id, vals);
      this.checkConstraints(def, updated);
      if (model === 'pos.config' && 'payment_method_ids' in vals) this.checkCashMethods(updated);
    }
    return true;
  }

  /**
   * pos_config.py _check_payment_method_ids_journal (a constraint on payment_method_ids): a cash
   * payment method belongs to one config only, and a cash journal backs one method (seen on Odoo 17:
   * adding the chart's "Cash" method to a second config is refused).
   */
  private checkCashMethods(config: OdooRecord): void {
    for (const id of asIds(config.payment_method_ids)) {
      const method = this.store.get('pos.payment.method', id);
      const journal = method && !isFalse(method.journal_id) ? this.store.get('account.journal', method.journal_id as number) : undefined;
      if (journal?.type !== 'cash') continue;
      if (this.store.all('pos.config').some((c) => c.id !== config.id && asIds(c.payment_method_ids).includes(id))) {
        throw validationError('This cash payment method is already used in another Point of Sale.\nA new cash payment method should be created for this Point of Sale.');
      }
      if (this.store.all('pos.payment.method').filter((m) => m.journal_id === journal.id && m.active !== false).length > 1) throw validationError('You cannot use the same journal on multiples cash payment methods.');
    }
  }

  unlink(model: string, ids: readonly number[], env: Env): true {
    const def = modelDef(model);
    for (const id of ids) {
      const rec = this.store.get(model, id);
      if (rec && !this.visible(def, rec, env)) throw accessError(`Due to security restrictions, you are not allowed to delete '${model}' records.`);
      this.store.remove(model, id);
    }
    return true;
  }

  // ---- model behaviour ------------------------------------------------------------------

  private journalOf(companyId: number, code: string): OdooRecord | undefined {
    return this.store.all('account.journal').find((j) => j.company_id === companyId && j.code === code);
  }

  private defaults(model: string, values: Record<string, unknown>, env: Env): Record<string, unknown> {
    const def = MODELS[model]!;
    const out: Record<string, unknown> = {};
    if (def.fields.company_id && !def.fields.company_id.computed && def.fields.company_id.required) out.company_id = env.company;
    switch (model) {
      case 'res.company':
        return { currency_id: this.store.get('res.company', env.company)?.currency_id ?? 1, country_id: false, chart_template: false, sequence: 10 };
      case 'res.partner':
        return { customer_rank: 0, is_company: false, company_id: false };
      case 'product.template':
        return { list_price: 1.0, available_in_pos: false, detailed_type: 'consu', type: 'consu', company_id: false };
      case 'pos.payment.method':
        return { ...out, split_transactions: false };
      case 'pos.config': {
        // pos_config.py _default_payment_methods / _default_sale_journal: from the *current* company,
        // not from company_id (odoo.md Part C), so a config for another company needs allowed_company_ids
        const company = env.company;
        const methods = this.store
          .all('pos.payment.method')
          .filter((m) => m.company_id === company && m.active !== false && !m.split_transactions)
          .filter((m) => isFalse(m.journal_id) || this.store.get('account.journal', m.journal_id as number)?.type !== 'cash')
          .map((m) => m.id);
        return { ...out, payment_method_ids: 'payment_method_ids' in values ? [] : methods, journal_id: this.journalOf(company, 'POSS')?.id ?? false, invoice_journal_id: this.journalOf(company, 'INV')?.id ?? false };
      }
      default:
        return out;
    }
  }

  /** Checks and derived values before the row is written. */
  private before(model: string, rec: OdooRecord, env: Env): OdooRecord {
    if (model === 'pos.payment.method') {
      // is_cash_count is computed from the journal's type. Which journals fit (cash or bank, a cash
      // journal for one method only) is a view domain: over RPC Odoo 17 accepts a general journal
      // and a second method on a cash journal (seen on Odoo 17)
      const journal = isFalse(rec.journal_id) ? undefined : this.store.get('account.journal', rec.journal_id as number);
      return { ...rec, is_cash_count: journal?.type === 'cash' };
    }
    if (model === 'pos.config') {
      const methods = asIds(rec.payment_method_ids).map((id) => this.store.get('pos.payment.method', id)).filter((m): m is OdooRecord => !!m);
      // pos_config.py _check_company_payment (seen on Odoo 17, odoo.md Part C)
      if (methods.some((m) => m.company_id !== rec.company_id)) throw validationError(`The payment methods for the point of sale ${String(rec.name)} must belong to its company.`);
      const journal = isFalse(rec.journal_id) ? undefined : this.store.get('account.journal', rec.journal_id as number);
      if (journal && journal.company_id !== rec.company_id) throw userError('Incompatible companies on records');
      // 17: cash_control is computed from the payment methods (a cash one → cash control; seen: "Shop" true, a new config false)
      return { ...rec, cash_control: methods.some((m) => m.is_cash_count === true) };
    }
    if (model === 'pos.session') {
      const config = this.store.get('pos.config', rec.config_id as number);
      if (!config) throw new OdooException('odoo.exceptions.MissingError', 'Record does not exist or has been deleted.');
      const number = this.store.nextId('ir.sequence:pos.session');
      // create() calls action_pos_session_open(): with cash control the session waits in opening_control
      // until set_cashbox_pos (odoo.md A.3 step_9; seen on Odoo 17: "POS/00001", opening_control)
      return { ...rec, name: `POS/${String(number).padStart(5, '0')}`, state: this.cashControl(config) ? 'opening_control' : 'opened', user_id: env.uid, company_id: config.company_id, cash_register_balance_start: 0 };
    }
    return rec;
  }

  /** base res_company.py create() and write(): the company's currency is made active. */
  private activateCurrency(currencyId: unknown): void {
    const currency = isFalse(currencyId) ? undefined : this.store.get('res.currency', currencyId as number);
    if (currency && currency.active === false) this.store.update('res.currency', currency.id, { active: true });
  }

  /** Side effects once the row is in. */
  private after(model: string, rec: OdooRecord, env: Env): void {
    if (model === 'res.company') {
      this.activateCurrency(rec.currency_id);
      // base res_company.py create(): the creating user gets the company (odoo.md Part C)
      const user = this.store.get('res.users', env.uid)!;
      this.store.update('res.users', env.uid, { company_ids: [rec.id, ...asIds(user.company_ids)] });
      const partner = this.store.nextId('res.partner');
      this.store.insert('res.partner', { id: partner, name: rec.name, is_company: true, company_id: false, customer_rank: 0, active: true });
      this.store.update('res.company', rec.id, { partner_id: partner });
      // addons/stock/models/res_company.py create() lines 202-207: a warehouse named after the
      // company, code = context default_code or the first 5 characters of the name
      const code = typeof env.context.default_code === 'string' ? env.context.default_code : String(rec.name).slice(0, 5);
      this.create('stock.warehouse', { name: rec.name, code, company_id: rec.id, partner_id: partner }, { ...env, companies: [...env.companies, rec.id] });
    }
    if (model === 'product.template') {
      this.store.insert('product.product', { id: this.store.nextId('product.product'), product_tmpl_id: rec.id, default_code: rec.default_code ?? false, active: true });
    }
    if (model === 'pos.session') {
      // pos_session.py _check_pos_config: one non-closed (non-rescue) session per config
      const open = this.store.all('pos.session').filter((s) => s.config_id === rec.config_id && s.state !== 'closed');
      if (open.length > 1) throw validationError('Another session is already opened for this point of sale.');
    }
  }

  /**
   * `account.chart.template.try_loading(template_code, company, install_demo)` on an
   * AbstractModel, called with `args=[[], code, company_id]` (odoo.md A.3 step_3): 47 accounts,
   * 9 journals, the company's country (US when empty) and currency (USD) from generic_coa, then
   * point_of_sale's override makes 3 payment methods and a "Shop" config (odoo.md Part C;
   * addons/point_of_sale/models/chart_template.py). Loading the company's own template again is
   * the "reload" path: it only recreates what is missing. Returns None.
   */
  tryLoading(templateCode: unknown, companyArg: unknown, env: Env): undefined {
    const companyId = isFalse(companyArg) ? env.company : Array.isArray(companyArg) ? (companyArg[0] as number) : (companyArg as number);
    const company = this.store.get('res.company', companyId);
    if (!company) throw new OdooException('odoo.exceptions.MissingError', 'Record does not exist or has been deleted.');
    const code = isFalse(templateCode) || templateCode === '' ? 'generic_coa' : String(templateCode);
    // a country chart lives in its l10n module, which the simulator does not have
    if (code !== 'generic_coa') throw userError(`The chart template "${code}" is not available (the simulator knows generic_coa only)`);
    // _pre_load_data runs on the reload path too: the currency becomes the template's country's
    // (USD) again while the company has no accounting entries (chart_template.py lines 426-434)
    this.store.update('res.company', companyId, { chart_template: code, country_id: isFalse(company.country_id) ? 233 : company.country_id, currency_id: 1 });
    const scoped: Env = { ...env, companies: [companyId], company: companyId };
    const accounts = new Set(this.store.all('account.account').filter((a) => a.company_id === companyId).map((a) => a.code));
    for (const [accCode, name, accountType, reconcile] of GENERIC_COA_ACCOUNTS) {
      if (!accounts.has(accCode)) this.store.insert('account.account', { id: this.store.nextId('account.account'), code: accCode, name, account_type: accountType, reconcile, company_id: companyId });
    }
    GENERIC_COA_JOURNALS.forEach(([jCode, name, type], i) => {
      if (!this.journalOf(companyId, jCode)) this.store.insert('account.journal', { id: this.store.nextId('account.journal'), code: jCode, name, type, company_id: companyId, sequence: i + 1, active: true });
    });
    if (this.store.all('pos.config').some((c) => c.company_id === companyId)) return undefined;
    const method = (name: string, journal: string | undefined, split: boolean) =>
      this.create('pos.payment.method', { name, journal_id: journal ? this.journalOf(companyId, journal)!.id : false, split_transactions: split, company_id: companyId }, scoped);
    const ids = [method('Cash', 'CSH1', false), method('Bank', 'BNK1', false), method('Customer Account', undefined, true)];
    this.create('pos.config', { name: 'Shop', company_id: companyId, payment_method_ids: [[6, 0, ids]] }, scoped);
    return undefined;
  }

  /** pos_session.py set_cashbox_pos(cashbox_value, notes): the opening count opens the session. */
  setCashboxPos(ids: readonly number[], amount: unknown, env: Env): undefined {
    for (const id of ids) {
      const s = this.store.get('pos.session', id);
      if (!s || !this.visible(MODELS['pos.session']!, s, env)) continue;
      if (s.state === 'opening_control') this.store.update('pos.session', id, { state: 'opened', cash_register_balance_start: Number(amount) || 0 });
    }
    return undefined;
  }

  /** action_pos_session_open: only sessions in opening_control, and without cash control (odoo.md A.3). */
  actionPosSessionOpen(ids: readonly number[], env: Env): true {
    for (const id of ids) {
      const s = this.store.get('pos.session', id);
      if (!s || !this.visible(MODELS['pos.session']!, s, env) || s.state !== 'opening_control') continue;
      const config = this.store.get('pos.config', s.config_id as number);
      if (!config || !this.cashControl(config)) this.store.update('pos.session', id, { state: 'opened' });
    }
    return true;
  }

  /** `call_kw`: the model method a JSON-RPC `execute_kw` names. */
  call(model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown>, env: Env): unknown {
    // odoo/service/model.py check_method_name (seen on Odoo 17)
    if (method.startsWith('_')) throw accessError(`Private methods (such as ${method}) cannot be called remotely.`);
    if (ABSTRACT_MODELS.has(model)) {
      if (model === 'account.chart.template' && method === 'try_loading') return this.tryLoading(args[1] ?? kwargs.template_code, args[2] ?? kwargs.company, env);
      throw new OdooException('builtins.AttributeError', `The method '${method}' does not exist on the model '${model}'`);
    }
    modelDef(model);
    const domain = (v: unknown) => (Array.isArray(v) ? (v as DomainItem[]) : []);
    const ids = (v: unknown) => (typeof v === 'number' ? [v] : asIds(v));
    const fields = (v: unknown) => (Array.isArray(v) ? (v as string[]) : undefined);
    const paging = { offset: kwargs.offset as number | undefined, limit: kwargs.limit as number | undefined, order: kwargs.order as string | undefined };
    switch (method) {
      case 'search':
        return this.search(model, domain(args[0] ?? kwargs.domain), env, paging);
      case 'search_count':
        return this.search(model, domain(args[0] ?? kwargs.domain), env).length;
      case 'search_read':
        return this.read(model, this.search(model, domain(args[0] ?? kwargs.domain), env, paging), fields(args[1] ?? kwargs.fields), env);
      case 'read':
        return this.read(model, ids(args[0]), fields(args[1] ?? kwargs.fields), env);
      case 'create': {
        const vals = args[0] ?? kwargs.vals_list;
        if (Array.isArray(vals)) return vals.map((v) => this.create(model, v as Record<string, unknown>, env));
        return this.create(model, (vals ?? {}) as Record<string, unknown>, env);
      }
      case 'write':
        return this.write(model, ids(args[0]), (args[1] ?? kwargs.vals ?? {}) as Record<string, unknown>, env);
      case 'unlink':
        return this.unlink(model, ids(args[0]), env);
      case 'set_cashbox_pos':
        if (model === 'pos.session') return this.setCashboxPos(ids(args[0]), args[1] ?? kwargs.cashbox_value, env);
        break;
      case 'action_pos_session_open':
        if (model === 'pos.session') return this.actionPosSessionOpen(ids(args[0]), env);
        break;
    }
    throw new OdooException('builtins.AttributeError', `The method '${method}' does not exist on the model '${model}'`);
  }
}

/**
 * product_template.py `_sanitize_vals` (17.0, lines 471-476): `type` alone sets `detailed_type`
 * (what Odoo 18, where detailed_type is gone, also takes), `detailed_type` alone sets `type`
 * (stock maps 'product' to 'product'); both given must agree (`_constrains_detailed_type`).
 */
function productTypes(values: Record<string, unknown>): Record<string, unknown> {
  if ('type' in values && !('detailed_type' in values)) return { ...values, detailed_type: values.type };
  if ('detailed_type' in values && !('type' in values)) return { ...values, type: values.detailed_type };
  if ('type' in values && values.type !== values.detailed_type) throw validationError("The Type of this product doesn't match the Detailed Type");
  return values;
}
