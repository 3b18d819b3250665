/**
 * The simulated Odoo 17 database: records, the JSON-RPC services, the call log, the duplicate
 * report and the fault plan. The HTTP server (server.ts) and the control API (control.ts) both
 * work through this class.
 */
import { OdooException } from './errors.ts';
import { OdooFaultPlan, type OdooFaultSpec, type OdooFaultState, type OdooLatencySpec } from './faults.ts';
import { Orm } from './orm.ts';
import { RecordStore, type OdooRecord, type RecordStoreState } from './store.ts';
import type { DataFile } from '../persistence.ts';
import { odooDataFile } from './persistence.ts';

/** `common.version` of the Odoo 17 the simulator follows (the copy run for this work answered "17.0"). */
export const ODOO_SIM_VERSION = { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 } as const;

export interface OdooCallRecord {
  service: string;
  method: string;
  model?: string;
  /** HTTP status answered (200 also for Odoo errors); 0 when refused, reset or held. */
  status: number;
  /** The Odoo exception of an error answer, e.g. odoo.exceptions.ValidationError. */
  error?: string;
  /** lost: applied, answer dropped; refused: down; timeout: held; reset; injected: an injected error. */
  outcome?: 'lost' | 'refused' | 'timeout' | 'reset' | 'injected';
  latencyMs?: number;
  at: string;
}

export interface OdooCallFilter {
  service?: string;
  method?: string;
  model?: string;
  status?: number;
}

export interface OdooDuplicate {
  model: string;
  key: string;
  ids: number[];
}

export interface OdooSimulatorState {
  /** Database name (Default: 'odoo'). */
  db?: string;
  /** Login of the administrator, uid 2 (Default: 'admin'). */
  login?: string;
  /** Its API key, accepted wherever Odoo takes a password (Default: 'sim-odoo-key'). */
  apiKey?: string;
  seed?: number;
  /** Keep the records in this file across restarts (mode 0600; Default: memory only). */
  dataFile?: string;
  faults?: OdooFaultSpec[];
  latency?: OdooLatencySpec[];
}

export const DEFAULT_ODOO_SIM_CREDENTIALS = { db: 'odoo', login: 'admin', apiKey: 'sim-odoo-key' } as const;

/** The business key of each record the steps make: two records sharing one are a duplicate. */
/** The key two records of a model must not share (active ones): what a duplicate is, in the simulator and in a real Odoo (the chaos harness). */
export const BUSINESS_KEYS: Record<string, (r: OdooRecord) => string | undefined> = {
  'res.company': (r) => `name=${String(r.name)}`,
  'stock.warehouse': (r) => `company_id=${String(r.company_id)} code=${String(r.code)}`,
  'account.journal': (r) => `company_id=${String(r.company_id)} code=${String(r.code)}`,
  'pos.payment.method': (r) => `company_id=${String(r.company_id)} name=${String(r.name)}`,
  'pos.config': (r) => `company_id=${String(r.company_id)} name=${String(r.name)}`,
  'pos.session': (r) => (r.state === 'closed' ? undefined : `config_id=${String(r.config_id)} open`),
  'res.partner': (r) => (r.ref ? `ref=${String(r.ref)}` : Number(r.customer_rank) > 0 ? `company_id=${String(r.company_id)} customer name=${String(r.name)}` : undefined),
  'product.template': (r) => (r.default_code ? `company_id=${String(r.company_id)} default_code=${String(r.default_code)}` : undefined),
};

const LOGIN_COOLDOWN_FAILURES = 5;
const LOGIN_COOLDOWN_MS = 60_000;

export class OdooSimulator {
  readonly faults: OdooFaultPlan;
  readonly credentials: { db: string; login: string; apiKey: string };
  private readonly store = new RecordStore();
  private readonly orm = new Orm(this.store);
  private readonly dataFile: DataFile<RecordStoreState> | undefined;
  private callLog: OdooCallRecord[] = [];
  private loginFailures = new Map<string, number[]>();
  private inFlight = 0;
  private peakInFlight = 0;

  constructor(private readonly state: OdooSimulatorState = {}) {
    this.credentials = { db: state.db ?? DEFAULT_ODOO_SIM_CREDENTIALS.db, login: state.login ?? DEFAULT_ODOO_SIM_CREDENTIALS.login, apiKey: state.apiKey ?? DEFAULT_ODOO_SIM_CREDENTIALS.apiKey };
    this.faults = new OdooFaultPlan(state.seed);
    if (state.dataFile) {
      this.dataFile = odooDataFile(state.dataFile, this.store);
      if (!this.dataFile.load()) {
        this.installFixtures();
        this.dataFile.save();
      }
      this.store.onChange = () => this.dataFile?.scheduleSave();
    } else this.installFixtures();
    this.applyStartup();
  }

  /** Writes a pending data-file save now (on close). */
  flush(): void {
    this.dataFile?.flush();
  }

  /**
   * A fresh database with base, account, stock and point_of_sale and no demo data, as seen on a
   * real Odoo 17 (odoo.md Part C): "My Company" (USD, United States) with generic_coa loaded,
   * its warehouse WH, its "Shop" POS config; only USD active among the currencies.
   */
  private installFixtures(): void {
    const s = this.store;
    // the modules of a database made with -i base,point_of_sale,account,stock (their dependencies left out);
    // latest_version as Odoo 17 reports it (serie + module version)
    [['base', '17.0.1.3'], ['account', '17.0.1.2'], ['stock', '17.0.1.1'], ['point_of_sale', '17.0.1.0.1']].forEach(([name, version], i) =>
      s.insert('ir.module.module', { id: i + 1, name, state: 'installed', latest_version: version }),
    );
    s.insert('ir.module.module', { id: 5, name: 'l10n_ke', state: 'uninstalled', latest_version: false });
    s.insert('res.currency', { id: 1, name: 'USD', symbol: '$', active: true });
    s.insert('res.currency', { id: 92, name: 'KES', symbol: 'KSh', active: false });
    s.insert('res.currency', { id: 126, name: 'EUR', symbol: '€', active: false });
    s.insert('res.country', { id: 57, name: 'Germany', code: 'DE', currency_id: 126 });
    s.insert('res.country', { id: 114, name: 'Kenya', code: 'KE', currency_id: 92 });
    s.insert('res.country', { id: 233, name: 'United States', code: 'US', currency_id: 1 });
    s.insert('res.partner', { id: 1, name: 'My Company', is_company: true, company_id: false, customer_rank: 0, active: true });
    s.insert('res.partner', { id: 3, name: 'Administrator', is_company: false, company_id: false, customer_rank: 0, active: true });
    s.insert('res.company', { id: 1, name: 'My Company', currency_id: 1, country_id: 233, chart_template: false, partner_id: 1, sequence: 0, active: true });
    s.insert('res.users', { id: 2, name: 'Administrator', login: this.credentials.login, company_id: 1, company_ids: [1], active: true });
    s.insert('stock.warehouse', { id: 1, name: 'My Company', code: 'WH', company_id: 1, partner_id: 1, sequence: 10, active: true });
    this.store.begin();
    this.orm.tryLoading('generic_coa', 1, this.orm.env(2));
    this.store.commit();
  }

  private applyStartup(): void {
    for (const f of this.state.faults ?? []) this.faults.addFault(f);
    for (const l of this.state.latency ?? []) this.faults.setLatency(l);
  }

  // ---- services ---------------------------------------------------------------------------

  /** `common.*` (odoo/service/common.py). */
  common(method: string, args: readonly unknown[], remote: string): unknown {
    if (method === 'version') return ODOO_SIM_VERSION;
    if (method === 'login' || method === 'authenticate') {
      const [db, login, password] = args;
      this.checkDatabase(db);
      return this.login(String(db), String(login), String(password), remote);
    }
    throw new OdooException('builtins.NameError', `Method not available ${method}`);
  }

  /**
   * exp_login: the uid, or false — also while the address is on its login cooldown, five
   * failures within 60 s (res_users.py `_on_login_cooldown`; odoo.md Part C).
   */
  /**
   * Another database name: opening its registry fails to connect, a psycopg2.OperationalError
   * (seen on Odoo 17 for common.login and object.execute_kw alike).
   */
  private checkDatabase(db: unknown): void {
    if (db !== this.credentials.db) throw new OdooException('psycopg2.OperationalError', `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${String(db)}" does not exist\n`);
  }

  private login(db: string, login: string, password: string, remote: string): number | false {
    const now = Date.now();
    const failures = (this.loginFailures.get(remote) ?? []).filter((t) => now - t < LOGIN_COOLDOWN_MS);
    this.loginFailures.set(remote, failures);
    if (failures.length >= LOGIN_COOLDOWN_FAILURES) return false;
    const ok = db === this.credentials.db && login === this.credentials.login && password === this.credentials.apiKey;
    if (ok) return 2;
    failures.push(now);
    return false;
  }

  /** `object.execute_kw(db, uid, password, model, method, args, kwargs)`: checked, then run in one transaction. */
  executeKw(args: readonly unknown[]): unknown {
    const [db, uid, password, model, method, callArgs, kwargs] = args;
    // model.py dispatch → security.check(db, uid, passwd): AccessDenied (seen on Odoo 17)
    this.checkDatabase(db);
    if (uid !== 2 || password !== this.credentials.apiKey) throw new OdooException('odoo.exceptions.AccessDenied', 'Access Denied');
    if (typeof model !== 'string' || typeof method !== 'string') throw new OdooException('builtins.TypeError', 'execute_kw() needs a model and a method');
    const kw = (kwargs && typeof kwargs === 'object' ? kwargs : {}) as Record<string, unknown>;
    const { context, ...rest } = kw;
    return this.transact(() => this.orm.call(model, method, Array.isArray(callArgs) ? callArgs : [], rest, this.orm.env(2, (context ?? {}) as Record<string, unknown>)));
  }

  private transact<T>(work: () => T): T {
    this.store.begin();
    try {
      const result = work();
      this.store.commit();
      return result;
    } catch (e) {
      this.store.rollback();
      throw e;
    }
  }

  // ---- inspection (control API, tests) -----------------------------------------------------

  list(model: string): OdooRecord[] {
    return this.store.all(model).map((r) => structuredClone(r));
  }

  get(model: string, id: number): OdooRecord | undefined {
    const r = this.store.get(model, id);
    return r && structuredClone(r);
  }

  /** An operator's delete, without checks (a record vanished between two steps). */
  deleteRecord(model: string, id: number): boolean {
    return this.store.remove(model, id);
  }

  snapshot(): Record<string, OdooRecord[]> {
    return this.store.snapshot();
  }

  /** Records sharing a business key (should stay []). */
  duplicates(): OdooDuplicate[] {
    const out: OdooDuplicate[] = [];
    for (const [model, keyOf] of Object.entries(BUSINESS_KEYS)) {
      const byKey = new Map<string, number[]>();
      for (const r of this.store.all(model)) {
        if (r.active === false) continue;
        const key = keyOf(r);
        if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), r.id]);
      }
      for (const [key, ids] of byKey) if (ids.length > 1) out.push({ model, key, ids });
    }
    return out;
  }

  /**
   * JSON-RPC requests the database holds now (from arrival until their connection answers or
   * closes: held "timeouts" count until the client gives up) and the most it held at once since
   * the start or the last resetPeak(): what an Odoo with C workers would see (the chaos harness
   * checks the engine cap with it, as with the ERPNext simulator).
   */
  concurrency(): { inFlight: number; peak: number } {
    return { inFlight: this.inFlight, peak: this.peakInFlight };
  }

  /** The peak starts again from the requests held now. */
  resetPeak(): void {
    this.peakInFlight = this.inFlight;
  }

  requestArrived(): void {
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  requestEnded(): void {
    this.inFlight--;
  }

  recordCall(call: Omit<OdooCallRecord, 'at'>): void {
    this.callLog.push({ ...call, at: new Date().toISOString() });
  }

  calls(filter: OdooCallFilter = {}): OdooCallRecord[] {
    return this.callLog.filter((c) => (!filter.service || c.service === filter.service) && (!filter.method || c.method === filter.method) && (!filter.model || c.model === filter.model) && (filter.status === undefined || c.status === filter.status));
  }

  callCount(filter: OdooCallFilter = {}): number {
    return this.calls(filter).length;
  }

  /** {"res.company.create": 3, "common.version": 1, ...} */
  callStats(filter: OdooCallFilter = {}): Record<string, number> {
    const stats: Record<string, number> = {};
    for (const c of this.calls(filter)) {
      const k = c.model ? `${c.model}.${c.method}` : `${c.service}.${c.method}`;
      stats[k] = (stats[k] ?? 0) + 1;
    }
    return stats;
  }

  clearCalls(): void {
    this.callLog = [];
  }

  injectFault(spec: OdooFaultSpec): void {
    this.faults.addFault(spec);
  }

  injectLostResponse(spec: Omit<OdooFaultSpec, 'kind' | 'status' | 'exception' | 'retryAfter'>): void {
    this.faults.addFault({ ...spec, kind: 'lost' });
  }

  injectLatency(spec: OdooLatencySpec): void {
    this.faults.setLatency(spec);
  }

  reseed(seed?: number): void {
    this.faults.reseed(seed);
  }

  setDown(down: boolean): void {
    this.faults.down = down;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  faultState(): OdooFaultState {
    return this.faults.describe();
  }

  /** Back to a fresh database; calls and login failures cleared; start-up faults restored; seed restarted. */
  reset(): void {
    this.store.clear();
    this.installFixtures();
    this.dataFile?.save();
    this.callLog = [];
    this.loginFailures.clear();
    this.faults.clear();
    this.faults.reseed();
    this.applyStartup();
  }
}

