/**
 * The simulated site: documents, call log and fault plan, with in-process inspection.
 * The HTTP server (server.ts) and the control API (control.ts) both work through this class.
 */
import { CompanyInsertGate, companyRaceError, type CompanyInsertState, type CompanyRaceOutcome } from './company-inserts.ts';
import { completeInsert, deleteDocument as deleteViaPipeline, insertDocument, metaOf, prepareInsert, requestContext } from './documents.ts';
import { DOCTYPES } from './doctypes/index.ts';
import type { FrappeError } from './errors.ts';
import { FaultPlan, type FaultSpec, type LatencySpec, type LostResponseSpec } from './faults.ts';
import { installFixtures } from './fixtures.ts';
import { cint, cstr, rows, type Doc, type DocContext } from './meta.ts';
import { DataFile } from './persistence.ts';
import {
  abbreviationTakenError,
  clearWriteOffDefault,
  deleteIfUnused,
  isDataScenario,
  removeModeOfPaymentAccount,
  removeWarehouse,
  ScenarioError,
  scenarioSpecSchema,
  type ScenarioSpec,
} from './scenarios.ts';
import { DocumentStore } from './store.ts';

export interface CallRecord {
  method: string;
  path: string;
  doctype?: string;
  /**
   * HTTP status answered; 0 when refused while down. For a lost response: the status the request
   * would have had (it was applied), with outcome "lost".
   */
  status: number;
  /**
   * lost: applied, then the connection dropped; refused: engine down; timeout: held, never
   * answered, not applied; reset: connection reset, not applied; injected: an injected error
   * status (also abbreviation_taken); updating: 503 of maintenance mode.
   */
  outcome?: 'lost' | 'refused' | 'timeout' | 'reset' | 'injected' | 'updating';
  /** The injected latency the request waited before it was handled (0: none). */
  latencyMs?: number;
  /** From the request's arrival to its answer, injected latency included (answered requests only). */
  handledMs?: number;
  at: string;
}

export interface CallFilter {
  method?: string;
  doctype?: string;
  /** Substring of the path. */
  path?: string;
  status?: number;
}

export interface Duplicate {
  doctype: string;
  key: string;
  names: string[];
}

/** How the site starts, and what `reset()` returns to (fixtures aside from the data file). */
export interface SimulatorState {
  setupComplete: boolean;
  /** PRNG seed of the fault plan (Default: random, reported by `faultState().seed`). */
  seed?: number;
  /** Keep the documents in this JSON file across restarts (Default: in memory only). */
  dataFile?: string;
  /** Faults, latencies and scenarios in force from the start (and again after `reset()`). */
  faults?: FaultSpec[];
  latency?: LatencySpec[];
  scenarios?: ScenarioSpec[];
  /** Duration of a Company insert between its validation and its chart of accounts, ms (Default: 0). */
  companyInsertMs?: number;
}

interface Armed {
  spec: ScenarioSpec;
  remaining: number;
}

export class ErpnextSimulator {
  readonly faults: FaultPlan;
  /** The Company insert window (company-inserts.ts). */
  readonly companyInserts: CompanyInsertGate;
  private readonly store = new DocumentStore();
  private readonly dataFile: DataFile | undefined;
  private callLog: CallRecord[] = [];
  private armed: Armed[] = [];
  private inFlight = 0;
  private peakInFlight = 0;

  constructor(private readonly state: SimulatorState = { setupComplete: true }) {
    this.faults = new FaultPlan(state.seed);
    this.companyInserts = new CompanyInsertGate(state.companyInsertMs ?? 0);
    if (state.dataFile) {
      this.dataFile = new DataFile(state.dataFile, this.store);
      if (!this.dataFile.load()) {
        this.installFixtures();
        this.dataFile.save();
      }
      this.store.onChange = () => this.dataFile?.scheduleSave();
    } else this.installFixtures();
    this.applyStartup(false);
  }

  private installFixtures(): void {
    this.transact('http://localhost', (ctx) => installFixtures(ctx, this.state.setupComplete));
  }

  /** Start-up faults and scenarios; after a reset, company scenarios have no company to act on. */
  private applyStartup(afterReset: boolean): void {
    for (const f of this.state.faults ?? []) this.faults.addFault(f);
    for (const l of this.state.latency ?? []) this.faults.setLatency(l);
    for (const s of this.state.scenarios ?? []) {
      if (afterReset && s.company) continue;
      this.scenario(s);
    }
  }

  /** Writes a pending data-file save now (on close). */
  flush(): void {
    this.dataFile?.flush();
  }

  /**
   * Run one request's work in a transaction: committed only if `work` returns, so an error
   * rolls back everything including controller side effects (erpnext.md §1.3).
   */
  transact<T>(siteUrl: string, work: (ctx: DocContext) => T, user = 'Administrator'): { result: T; ctx: DocContext } {
    const tx = this.store.begin();
    const ctx = requestContext(tx, siteUrl, user);
    const result = work(ctx);
    tx.commit();
    return { result, ctx };
  }

  /**
   * One insert request (POST /api/resource/:doctype): validated and written against what is
   * committed now; a Company insert then passes the Company insert gate, which may make it wait
   * (its duration, or a hold); then its side effects run, `shape` makes the answer and it commits,
   * all in one step, so a concurrent insert that committed meanwhile is seen (erpnext.md §15).
   * Synchronous when there is no wait.
   */
  insertRequest<T>(
    siteUrl: string,
    user: string,
    doctype: string,
    payload: Record<string, unknown>,
    shape: (doc: Doc) => T,
  ): { result: T; ctx: DocContext } | Promise<{ result: T; ctx: DocContext }> {
    const def = metaOf(doctype);
    if (def.single) return this.transact(siteUrl, (ctx) => shape(insertDocument(ctx, def.name, payload)), user); // saves the Single
    const tx = this.store.begin();
    const ctx = requestContext(tx, siteUrl, user);
    const pending = prepareInsert(ctx, def.name, payload);
    const finish = () => {
      const result = shape(completeInsert(ctx, pending));
      tx.commit();
      return { result, ctx };
    };
    const wait = def.name === 'Company' ? this.companyInserts.pass(pending.doc.name) : undefined;
    if (!wait) return finish();
    return wait.then(() => {
      // a rival with the abbreviation committed while this insert waited: the race is lost
      const race = this.companyInserts.race;
      if (race !== 'duplicate' && this.rivalCommitted(pending.doc)) throw companyRaceError(race);
      return finish();
    });
  }

  /**
   * Whether error bodies carry `exception` and `exc`: System Settings.allow_error_traceback. A
   * fresh v15 site has it off (the field has no default); the simulator's fixtures turn it on.
   */
  errorTraceback(): boolean {
    return cint(this.store.begin().get('System Settings', 'System Settings')?.allow_error_traceback) === 1;
  }

  // ---- the Company insert window (company-inserts.ts) -----------------------------------

  /** Another company with this one's abbreviation is committed. */
  private rivalCommitted(company: Doc): boolean {
    const abbr = String(company.abbr ?? '').toLowerCase();
    return this.store
      .begin()
      .list('Company')
      .some((c) => c.name !== company.name && String(c.abbr ?? '').toLowerCase() === abbr);
  }

  /** How the loser of a same-abbreviation Company race fails (company-inserts.ts). */
  setCompanyRaceOutcome(outcome: CompanyRaceOutcome): void {
    this.companyInserts.setRaceOutcome(outcome);
  }

  /** Duration of each Company insert between its validation and its chart of accounts (0 = none). */
  setCompanyInsertMs(ms: number): void {
    this.companyInserts.setDuration(ms);
  }

  /** From now on Company inserts park after their validation until `releaseCompanyInserts`. */
  holdCompanyInserts(): void {
    this.companyInserts.hold();
  }

  /** Resolves with the parked Company names once at least `count` Company inserts are parked. */
  companyInsertsParked(count: number): Promise<string[]> {
    return this.companyInserts.whenParked(count);
  }

  /**
   * Parked Company inserts go on in the order they parked, each committing (or failing) before
   * the next: the one named (the hold stays), or all and the hold ends. Returns the names released.
   */
  releaseCompanyInserts(name?: string): string[] {
    return this.companyInserts.release(name);
  }

  companyInsertState(): CompanyInsertState {
    return this.companyInserts.describe();
  }

  // ---- inspection -------------------------------------------------------------------------

  /** Documents of a doctype in creation order (copies). */
  list(doctype: string): Doc[] {
    return this.store.begin().list(this.canonical(doctype)).map((d) => structuredClone(d));
  }

  get(doctype: string, name: string): Doc | undefined {
    const d = this.store.begin().get(this.canonical(doctype), name);
    return d ? structuredClone(d) : undefined;
  }

  count(doctype: string): number {
    return this.store.begin().list(this.canonical(doctype)).length;
  }

  /** Documents sharing a business key (see README); an empty list means no duplicates. */
  duplicates(): Duplicate[] {
    const tx = this.store.begin();
    const out: Duplicate[] = [];
    for (const def of DOCTYPES) {
      if (!def.businessKey || def.table || def.single) continue;
      const groups = new Map<string, { key: string; names: string[] }>();
      for (const d of tx.list(def.name)) {
        const key = def.businessKey(d);
        if (key === null || key === '') continue;
        const g = groups.get(key.toLowerCase()) ?? { key, names: [] };
        g.names.push(d.name);
        groups.set(key.toLowerCase(), g);
      }
      for (const g of groups.values()) if (g.names.length > 1) out.push({ doctype: def.name, key: g.key, names: g.names });
    }
    // Mode of Payment Account rows: one per (mode, company)
    for (const mop of tx.list('Mode of Payment')) {
      const groups = new Map<string, string[]>();
      for (const r of rows(mop, 'accounts')) {
        const k = cstr(r.company).toLowerCase();
        groups.set(k, [...(groups.get(k) ?? []), r.name]);
      }
      for (const [, names] of groups) {
        if (names.length > 1) {
          const company = cstr(rows(mop, 'accounts').find((r) => r.name === names[0])?.company);
          out.push({ doctype: 'Mode of Payment Account', key: `${mop.name}|${company}`, names });
        }
      }
    }
    return out;
  }

  calls(filter: CallFilter = {}): CallRecord[] {
    return this.callLog.filter(
      (c) =>
        (!filter.method || c.method === filter.method.toUpperCase()) &&
        (!filter.doctype || (c.doctype ?? '').toLowerCase() === filter.doctype.toLowerCase()) &&
        (!filter.path || c.path.includes(filter.path)) &&
        (filter.status === undefined || c.status === filter.status),
    );
  }

  callCount(filter: CallFilter = {}): number {
    return this.calls(filter).length;
  }

  /**
   * Calls by method and target: `{"POST Company": 3, "GET frappe.auth.get_logged_user": 1}`;
   * the target is the doctype of resource routes, the command of /api/method, else the path.
   */
  callStats(filter: CallFilter = {}): Record<string, number> {
    const stats: Record<string, number> = {};
    for (const c of this.calls(filter)) {
      const command = /^\/api\/(?:v1\/)?method\/(.+)$/.exec(c.path)?.[1];
      const key = `${c.method} ${c.doctype ?? command ?? c.path}`;
      stats[key] = (stats[key] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(stats).sort(([a], [b]) => a.localeCompare(b)));
  }

  clearCalls(): void {
    this.callLog = [];
  }

  /**
   * Frappe requests the site holds now (from arrival until their connection answers or closes:
   * held "timeouts" count until the client gives up) and the most it held at once since the start
   * or the last resetPeak(): what an engine with a capacity of C concurrent requests would see.
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

  recordCall(call: Omit<CallRecord, 'at'>): void {
    this.callLog.push({ ...call, at: new Date().toISOString() });
  }

  /** Every document by doctype (copies). */
  snapshot(): Record<string, Doc[]> {
    const out: Record<string, Doc[]> = {};
    for (const def of DOCTYPES) {
      if (def.table) continue;
      const docs = this.list(def.name);
      if (docs.length) out[def.name] = docs;
    }
    return out;
  }

  /**
   * Back to the fixtures of a fresh site (the data file too); calls are cleared; faults go back
   * to the start-up ones and the random sequence restarts from the seed.
   */
  reset(): void {
    this.companyInserts.abort('The simulator was reset while this Company insert was held');
    this.companyInserts.setDuration(this.state.companyInsertMs ?? 0);
    this.companyInserts.setRaceOutcome('duplicate');
    this.store.clear();
    this.callLog = [];
    this.faults.clear();
    this.faults.reseed();
    this.armed = [];
    this.installFixtures();
    this.applyStartup(true);
  }

  // ---- faults -----------------------------------------------------------------------------

  /** Engine down: Frappe routes get their socket destroyed; the control API keeps answering. */
  setDown(down: boolean): void {
    this.faults.down = down;
  }

  /** Maintenance mode (bench migrate): every Frappe request answers 503 SessionStopped. */
  setUpdating(updating: boolean): void {
    this.faults.updating = updating;
  }

  /** An error, timeout, reset or lost response: one-shot (`count`) or a `rate`. See faults.ts. */
  injectFault(spec: FaultSpec): void {
    this.faults.addFault(spec);
  }

  injectLostResponse(spec: LostResponseSpec = {}): void {
    this.faults.addLostResponse(spec);
  }

  /** A fixed delay in ms for every request, or a latency rule (fixed or min..max, per selector). */
  injectLatency(spec: number | LatencySpec): void {
    this.faults.setLatency(typeof spec === 'number' ? { ms: Math.max(0, Math.round(spec)) } : spec);
  }

  /** Restart the fault sequence with a seed. */
  reseed(seed: number): void {
    this.faults.reseed(seed);
  }

  /** Clears every fault, latency, armed scenario, down and updating. */
  clearFaults(): void {
    this.faults.clear();
    this.armed = [];
  }

  faultState(): ReturnType<FaultPlan['describe']> & { armedScenarios: Array<ScenarioSpec & { remaining: number }>; companyInserts: CompanyInsertState } {
    return { ...this.faults.describe(), armedScenarios: this.armed.map((a) => ({ ...a.spec, remaining: a.remaining })), companyInserts: this.companyInserts.describe() };
  }

  /**
   * One of the guide's errors on demand (scenarios.ts). Returns what was done; throws
   * ScenarioError when the company, warehouse or mode does not exist.
   */
  scenario(input: ScenarioSpec): string {
    const spec = scenarioSpecSchema.parse(input);
    if (spec.name === 'engine_down') {
      this.setDown(spec.active ?? true);
      return `engine ${this.faults.down ? 'down' : 'up'}`;
    }
    if (spec.name === 'engine_updating') {
      this.setUpdating(spec.active ?? true);
      return this.faults.updating ? 'maintenance mode on' : 'maintenance mode off';
    }
    if (spec.name === 'abbreviation_taken' || !spec.company) {
      this.armed.push({ spec, remaining: spec.count ?? 1 });
      return spec.name === 'abbreviation_taken' ? 'armed for the next Company insert' : 'armed for the next POS Profile insert';
    }
    return this.applyDataScenario(spec, spec.company);
  }

  private applyDataScenario(spec: ScenarioSpec, company: string): string {
    if (spec.name === 'write_off_missing') {
      const { account } = this.transact('http://localhost', (ctx) => clearWriteOffDefault(ctx, company)).result;
      try {
        this.transact('http://localhost', (ctx) => deleteIfUnused(ctx, 'Account', account));
        return `cleared the write-off account of ${company} and deleted ${account}`;
      } catch {
        return `cleared the write-off account of ${company}; ${account} is still linked, kept`;
      }
    }
    return this.transact('http://localhost', (ctx) =>
      spec.name === 'warehouse_missing' ? removeWarehouse(ctx, company, spec.warehouse) : removeModeOfPaymentAccount(ctx, company, spec.mode_of_payment),
    ).result;
  }

  /**
   * Armed scenarios, before an insert is validated: a Company insert may lose the abbreviation
   * race (the answer, nothing applied); a POS Profile insert first sees its company's record vanish.
   */
  beforeInsert(doctype: string, payload: Record<string, unknown>): FrappeError | undefined {
    const take = (match: (a: Armed) => boolean): Armed | undefined => {
      const a = this.armed.find(match);
      if (a && --a.remaining <= 0) this.armed.splice(this.armed.indexOf(a), 1);
      return a;
    };
    if (doctype.toLowerCase() === 'company') return take((a) => a.spec.name === 'abbreviation_taken') ? abbreviationTakenError() : undefined;
    if (doctype.toLowerCase() !== 'pos profile') return undefined;
    const company = cstr(payload.company);
    for (const a of this.armed.filter((x) => isDataScenario(x.spec.name))) {
      take((x) => x === a);
      // without a warehouse name, the one this insert links to vanishes
      const spec = a.spec.name === 'warehouse_missing' && !a.spec.warehouse && cstr(payload.warehouse) ? { ...a.spec, warehouse: cstr(payload.warehouse) } : a.spec;
      try {
        this.applyDataScenario(spec, company);
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e; // nothing to remove: the insert meets the site as it is
      }
    }
    return undefined;
  }

  /**
   * An operator deleting a record in the engine: removed directly (no link checks), as if it
   * were deleted by hand. Returns false when it did not exist.
   */
  deleteDocument(doctype: string, name: string): boolean {
    const tx = this.store.begin();
    const dt = this.canonical(doctype);
    if (!tx.get(dt, name)) return false;
    tx.remove(dt, name);
    tx.commit();
    return true;
  }

  /** Delete through Frappe's rules (links, submitted docs) — what DELETE /api/resource does. */
  deleteWithChecks(siteUrl: string, doctype: string, name: string): void {
    this.transact(siteUrl, (ctx) => deleteViaPipeline(ctx, doctype, name));
  }

  private canonical(doctype: string): string {
    return DOCTYPES.find((d) => d.name.toLowerCase() === doctype.toLowerCase())?.name ?? doctype;
  }

  /** Currently open POS Opening Entries of a profile (a convenience for tests). */
  openPosSessions(profile: string): Doc[] {
    return this.list('POS Opening Entry').filter((d) => cstr(d.pos_profile) === profile && cint(d.docstatus) === 1 && d.status === 'Open');
  }
}
