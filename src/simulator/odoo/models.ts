/**
 * The models the 11 steps touch, with the fields a client reads or writes (odoo.md A.3), their
 * types, defaults and SQL constraints, as declared in Odoo 17's sources (file named per model).
 */
export type FieldType = 'char' | 'integer' | 'float' | 'boolean' | 'selection' | 'many2one' | 'many2many' | 'one2many';

export interface FieldDef {
  type: FieldType;
  /** Target model of relational fields. */
  relation?: string;
  /** Char(size=N): Odoo cuts longer values to N characters without a word (odoo.md Part C). */
  size?: number;
  required?: boolean;
  /** Computed and stored: a client value is ignored. */
  computed?: boolean;
}

export interface UniqueConstraint {
  /** Constraint name as in `_sql_constraints` (the PG name is `<table>_<name>`). */
  name: string;
  fields: readonly string[];
  message: string;
}

export interface ModelDef {
  name: string;
  fields: Record<string, FieldDef>;
  /** Field `active`: searches skip archived records unless `active_test` is false. */
  active?: boolean;
  /** Multi-company record rule `['|', ('company_id','=',False), ('company_id','in',company_ids)]`. */
  companyRule?: boolean;
  unique?: readonly UniqueConstraint[];
  /** Which field a many2one shows as its display name. (Default: 'name') */
  recName?: string;
}

const char = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'char', ...extra });
const m2o = (relation: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'many2one', relation, ...extra });
const m2m = (relation: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'many2many', relation, ...extra });
const bool: FieldDef = { type: 'boolean' };

export const MODELS: Record<string, ModelDef> = {
  // odoo/addons/base/models/res_company.py: _sql_constraints name_uniq
  'res.company': {
    name: 'res.company',
    active: true,
    fields: { name: char({ required: true }), currency_id: m2o('res.currency', { required: true }), country_id: m2o('res.country'), chart_template: char(), partner_id: m2o('res.partner'), sequence: { type: 'integer' } },
    unique: [{ name: 'name_uniq', fields: ['name'], message: 'The company name must be unique!' }],
  },
  'res.users': {
    name: 'res.users',
    active: true,
    fields: { name: char(), login: char({ required: true }), company_id: m2o('res.company'), company_ids: m2m('res.company') },
  },
  'res.currency': { name: 'res.currency', active: true, fields: { name: char({ required: true }), symbol: char() } },
  // odoo/addons/base/models/ir_module.py: a module and its state (installed, uninstalled, ...)
  'ir.module.module': { name: 'ir.module.module', fields: { name: char({ required: true }), state: { type: 'selection' }, latest_version: char() } },
  'res.country': { name: 'res.country', fields: { name: char({ required: true }), code: char(), currency_id: m2o('res.currency') } },
  'res.partner': {
    name: 'res.partner',
    active: true,
    companyRule: true,
    fields: { name: char(), ref: char(), company_id: m2o('res.company'), customer_rank: { type: 'integer' }, is_company: bool, email: char(), phone: char() },
  },
  'account.account': {
    name: 'account.account',
    companyRule: true,
    fields: { code: char({ required: true }), name: char({ required: true }), account_type: { type: 'selection', required: true }, reconcile: bool, company_id: m2o('res.company', { required: true }) },
    unique: [{ name: 'code_company_uniq', fields: ['code', 'company_id'], message: 'The code of the account must be unique per company!' }],
  },
  // addons/account/models/account_journal.py line 223: code_company_uniq; code is Char(size=5)
  'account.journal': {
    name: 'account.journal',
    active: true,
    companyRule: true,
    fields: { name: char({ required: true }), code: char({ size: 5, required: true }), type: { type: 'selection', required: true }, company_id: m2o('res.company', { required: true }), sequence: { type: 'integer' } },
    unique: [{ name: 'code_company_uniq', fields: ['company_id', 'code'], message: 'Journal codes must be unique per company.' }],
  },
  // addons/stock/models/stock_warehouse.py lines 90-93; code is Char(size=5), required
  'stock.warehouse': {
    name: 'stock.warehouse',
    active: true,
    companyRule: true,
    fields: { name: char({ required: true }), code: char({ size: 5, required: true }), company_id: m2o('res.company', { required: true }), partner_id: m2o('res.partner'), sequence: { type: 'integer' } },
    unique: [
      { name: 'warehouse_name_uniq', fields: ['name', 'company_id'], message: 'The name of the warehouse must be unique per company!' },
      { name: 'warehouse_code_uniq', fields: ['code', 'company_id'], message: 'The short name of the warehouse must be unique per company!' },
    ],
  },
  'product.template': {
    name: 'product.template',
    active: true,
    companyRule: true,
    fields: {
      name: char({ required: true }),
      default_code: char(),
      list_price: { type: 'float' },
      // addons/point_of_sale/models/product.py line 13: default False
      available_in_pos: bool,
      detailed_type: { type: 'selection' },
      // computed from detailed_type, stored, readonly=False: writable (product_template.py line 58)
      type: { type: 'selection' },
      company_id: m2o('res.company'),
      product_variant_ids: { type: 'one2many', relation: 'product.product' },
    },
  },
  'product.product': {
    name: 'product.product',
    active: true,
    companyRule: true,
    fields: { product_tmpl_id: m2o('product.template', { required: true }), name: char({ computed: true }), default_code: char(), company_id: m2o('res.company', { computed: true }), available_in_pos: { type: 'boolean', computed: true }, list_price: { type: 'float', computed: true } },
  },
  // addons/point_of_sale/models/pos_payment_method.py: is_cash_count computed from the journal type
  'pos.payment.method': {
    name: 'pos.payment.method',
    active: true,
    companyRule: true,
    fields: { name: char({ required: true }), journal_id: m2o('account.journal'), is_cash_count: { type: 'boolean', computed: true }, split_transactions: bool, company_id: m2o('res.company', { required: true }) },
  },
  'pos.config': {
    name: 'pos.config',
    active: true,
    companyRule: true,
    fields: {
      name: char({ required: true }),
      company_id: m2o('res.company', { required: true }),
      journal_id: m2o('account.journal'),
      invoice_journal_id: m2o('account.journal'),
      payment_method_ids: m2m('pos.payment.method'),
      // computed from the payment methods in 17 (a cash method → cash control)
      cash_control: { type: 'boolean', computed: true },
      current_session_id: m2o('pos.session', { computed: true }),
      current_session_state: { type: 'char', computed: true },
      warehouse_id: m2o('stock.warehouse'),
    },
  },
  // addons/point_of_sale/models/pos_session.py: create() opens the session; _check_pos_config
  'pos.session': {
    name: 'pos.session',
    companyRule: true,
    fields: {
      name: char(),
      config_id: m2o('pos.config', { required: true }),
      state: { type: 'selection' },
      user_id: m2o('res.users'),
      company_id: m2o('res.company', { computed: true }),
      cash_register_balance_start: { type: 'float' },
    },
  },
};

/** `account.chart.template` is an AbstractModel: no table, methods only (odoo.md A.3 step_3). */
export const ABSTRACT_MODELS = new Set(['account.chart.template']);
