/**
 * The simulated site: documents, call log and fault plan, with in-process inspection.
 * The HTTP server (server.ts) and the control API (control.ts) both work through this class.
 */
import { deleteDocument as deleteViaPipeline, requestContext } from './documents.ts';
import { DOCTYPES } from './doctypes/index.ts';
import { FaultPlan, faultSpecSchema, lostResponseSpecSchema, type FaultSpec, type LostResponseSpec } from './faults.ts';
import { installFixtures } from './fixtures.ts';
import { cint, cstr, rows, type Doc, type DocContext } from './meta.ts';
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
  /** Set when the request was applied but its response dropped, or refused while down. */
  outcome?: 'lost' | 'refused';
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

export interface SimulatorState {
  setupComplete: boolean;
}

export class ErpnextSimulator {
  readonly faults = new FaultPlan();
  private readonly store = new DocumentStore();
  private callLog: CallRecord[] = [];

  constructor(private readonly state: SimulatorState = { setupComplete: true }) {
    this.seed();
  }

  private seed(): void {
    this.transact('http://localhost', (ctx) => installFixtures(ctx, this.state.setupComplete));
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

  clearCalls(): void {
    this.callLog = [];
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

  /** Back to the fixtures of a fresh site; calls and faults are cleared too. */
  reset(): void {
    this.store.clear();
    this.callLog = [];
    this.faults.clear();
    this.seed();
  }

  // ---- faults -----------------------------------------------------------------------------

  /** Engine down: Frappe routes get their socket destroyed; the control API keeps answering. */
  setDown(down: boolean): void {
    this.faults.down = down;
  }

  injectFault(spec: FaultSpec): void {
    this.faults.addFault(faultSpecSchema.parse(spec));
  }

  injectLostResponse(spec: LostResponseSpec = {}): void {
    this.faults.addLostResponse(lostResponseSpecSchema.parse(spec));
  }

  injectLatency(ms: number): void {
    this.faults.latencyMs = Math.max(0, ms);
  }

  clearFaults(): void {
    this.faults.clear();
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
