/**
 * In-memory tables with request transactions.
 *
 * Why transactions: Frappe runs each request in one database transaction and rolls everything
 * back on an exception, side effects of controllers included (erpnext.md §1.3, §7). Here a request
 * writes into a `Transaction` overlay that is applied to the tables only by `commit()`.
 * Names are primary keys compared case-insensitively (MariaDB's default collation, §7.2).
 */
import type { Doc } from './meta.ts';

const keyOf = (name: string): string => name.toLowerCase();
/** How a value is compared as text: MariaDB's case-insensitive collation, null as "". */
const textOf = (v: unknown): string => (v === null || v === undefined ? '' : String(v)).toLowerCase();

/**
 * One doctype's documents by lower-cased name, in insertion order, with indexes built on first
 * use: field → text value → names. A site of 1000 tenants holds ~100 000 accounts, and a list
 * filtered by company scanned all of them for each request; an index makes it the company's few.
 */
export class Table {
  private readonly docs = new Map<string, Doc>();
  /** Insertion position of each name (a re-insert after a delete goes last, as in a Map). */
  private readonly positions = new Map<string, number>();
  private nextPosition = 0;
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  get size(): number {
    return this.docs.size;
  }

  get(key: string): Doc | undefined {
    return this.docs.get(key);
  }

  has(key: string): boolean {
    return this.docs.has(key);
  }

  values(): IterableIterator<Doc> {
    return this.docs.values();
  }

  [Symbol.iterator](): IterableIterator<[string, Doc]> {
    return this.docs[Symbol.iterator]();
  }

  position(key: string): number {
    return this.positions.get(key) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Where a document added now would go (after every stored one). */
  get end(): number {
    return this.nextPosition;
  }

  set(key: string, doc: Doc): void {
    const old = this.docs.get(key);
    if (!old) this.positions.set(key, this.nextPosition++);
    this.docs.set(key, doc);
    for (const [field, index] of this.indexes) {
      const after = textOf(doc[field]);
      if (old) {
        const before = textOf(old[field]);
        if (before === after) continue;
        unindex(index, before, key);
      }
      let names = index.get(after);
      if (!names) index.set(after, (names = new Set()));
      names.add(key);
    }
  }

  delete(key: string): void {
    const old = this.docs.get(key);
    if (!old) return;
    this.docs.delete(key);
    this.positions.delete(key);
    for (const [field, index] of this.indexes) unindex(index, textOf(old[field]), key);
  }

  clear(): void {
    this.docs.clear();
    this.positions.clear();
    this.indexes.clear();
  }

  /** Names of the documents whose `field` equals `text` (lower-cased) as text; the index is built on first use. */
  namesWhere(field: string, text: string): ReadonlySet<string> {
    let index = this.indexes.get(field);
    if (!index) {
      index = new Map();
      for (const [key, doc] of this.docs) {
        const v = textOf(doc[field]);
        let names = index.get(v);
        if (!names) index.set(v, (names = new Set()));
        names.add(key);
      }
      this.indexes.set(field, index);
    }
    return index.get(text) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function unindex(index: Map<string, Set<string>>, value: string, key: string): void {
  const names = index.get(value);
  if (!names) return;
  names.delete(key);
  if (names.size === 0) index.delete(value);
}

/** Everything a store holds, as plain JSON (the data file's content). */
export interface StoreState {
  tables: Record<string, Doc[]>;
  series: Record<string, number>;
  lastStamp: number;
}

export class DocumentStore {
  private tables = new Map<string, Table>();
  private series = new Map<string, number>();
  private lastStamp = 0;
  /** Called after every commit that wrote something (persistence hooks in here). */
  onChange: (() => void) | undefined;

  begin(): Transaction {
    return new Transaction(this);
  }

  /** Monotonic "YYYY-MM-DD HH:MM:SS.ffffff" timestamps so `modified desc` is a strict order. */
  timestamp(now = new Date()): string {
    const micros = Math.max(now.getTime() * 1000, this.lastStamp + 1);
    this.lastStamp = micros;
    const d = new Date(Math.floor(micros / 1000));
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(micros % 1_000_000, 6)}`
    );
  }

  table(doctype: string): Table {
    let t = this.tables.get(doctype);
    if (!t) {
      t = new Table();
      this.tables.set(doctype, t);
    }
    return t;
  }

  doctypes(): string[] {
    return [...this.tables.keys()];
  }

  seriesValue(key: string): number {
    return this.series.get(key) ?? 0;
  }

  setSeries(key: string, value: number): void {
    this.series.set(key, value);
  }

  clear(): void {
    this.tables.clear();
    this.series.clear();
    this.onChange?.();
  }

  exportState(): StoreState {
    const tables: Record<string, Doc[]> = {};
    for (const [doctype, t] of this.tables) if (t.size) tables[doctype] = [...t.values()];
    return { tables, series: Object.fromEntries(this.series), lastStamp: this.lastStamp };
  }

  importState(state: StoreState): void {
    this.tables.clear();
    this.series.clear();
    for (const [doctype, docs] of Object.entries(state.tables)) {
      const t = this.table(doctype);
      for (const doc of docs) t.set(keyOf(doc.name), doc);
    }
    for (const [k, v] of Object.entries(state.series)) this.series.set(k, v);
    this.lastStamp = state.lastStamp;
  }
}

/** A request's view of the tables: reads see its own writes; nothing is visible to others until commit. */
export class Transaction {
  private writes = new Map<string, Map<string, Doc | null>>(); // null = deleted
  private seriesWrites = new Map<string, number>();

  constructor(private readonly store: DocumentStore) {}

  timestamp(now?: Date): string {
    return this.store.timestamp(now);
  }

  /** The stored document (read-only: clone before changing it, then `put`). */
  get(doctype: string, name: unknown): Doc | undefined {
    if (name === null || name === undefined || name === '') return undefined;
    const k = keyOf(String(name));
    const w = this.writes.get(doctype);
    if (w?.has(k)) return w.get(k) ?? undefined;
    return this.store.table(doctype).get(k);
  }

  exists(doctype: string, name: unknown): boolean {
    return this.get(doctype, name) !== undefined;
  }

  /** Whether a document of that name is committed (other requests' commits included), whatever this request wrote. */
  committed(doctype: string, name: unknown): boolean {
    if (name === null || name === undefined || name === '') return false;
    return this.store.table(doctype).has(keyOf(String(name)));
  }

  /** All documents of a doctype in insertion order. */
  list(doctype: string): Doc[] {
    const base = this.store.table(doctype);
    const w = this.writes.get(doctype);
    if (!w) return [...base.values()];
    const out: Doc[] = [];
    for (const [k, doc] of base) {
      if (w.has(k)) {
        const nd = w.get(k);
        if (nd) out.push(nd);
      } else out.push(doc);
    }
    for (const [k, doc] of w) if (doc && !base.has(k)) out.push(doc);
    return out;
  }

  /**
   * Documents whose `field` equals `value` as text, case-insensitively (sameText), in the order
   * of `list`, this request's writes included; through the field's index, not a scan.
   */
  where(doctype: string, field: string, value: unknown): Doc[] {
    const table = this.store.table(doctype);
    const text = textOf(value);
    const w = this.writes.get(doctype);
    const found: Array<{ doc: Doc; at: number }> = [];
    for (const k of table.namesWhere(field, text)) if (!w?.has(k)) found.push({ doc: table.get(k)!, at: table.position(k) });
    if (w) {
      let added = 0;
      for (const [k, doc] of w) {
        const at = table.has(k) ? table.position(k) : table.end + added++;
        if (doc && textOf(doc[field]) === text) found.push({ doc, at });
      }
    }
    return found.sort((a, b) => a.at - b.at).map((x) => x.doc);
  }

  /** First document matching every given field (frappe.db.get_value with a filter dict). */
  find(doctype: string, where: Record<string, unknown>): Doc | undefined {
    const entries = Object.entries(where);
    const indexed = entries.find(([, v]) => isIndexable(v));
    const candidates = indexed ? this.where(doctype, indexed[0], indexed[1]) : this.list(doctype);
    return candidates.find((d) => entries.every(([f, v]) => matchesValue(d[f], v)));
  }

  put(doc: Doc): void {
    let w = this.writes.get(doc.doctype);
    if (!w) {
      w = new Map();
      this.writes.set(doc.doctype, w);
    }
    w.set(keyOf(doc.name), doc);
  }

  remove(doctype: string, name: string): void {
    let w = this.writes.get(doctype);
    if (!w) {
      w = new Map();
      this.writes.set(doctype, w);
    }
    w.set(keyOf(name), null);
  }

  /** Next value of a naming-series counter (tabSeries). */
  nextSeries(key: string): number {
    const next = (this.seriesWrites.get(key) ?? this.store.seriesValue(key)) + 1;
    this.seriesWrites.set(key, next);
    return next;
  }

  commit(): void {
    for (const [doctype, w] of this.writes) {
      const t = this.store.table(doctype);
      for (const [k, doc] of w) {
        if (doc) t.set(k, doc);
        else t.delete(k);
      }
    }
    for (const [k, v] of this.seriesWrites) this.store.setSeries(k, v);
    const wrote = this.writes.size > 0 || this.seriesWrites.size > 0;
    this.writes.clear();
    this.seriesWrites.clear();
    if (wrote) this.store.onChange?.();
  }
}

/**
 * Whether `matchesValue(stored, wanted)` is exactly text equality, so an index can answer it:
 * a string that is not a number (a number compares numerically: "1.0" equals 1).
 */
export function isIndexable(wanted: unknown): wanted is string {
  return typeof wanted === 'string' && Number.isNaN(Number(wanted));
}

/** Equality of a stored value with a filter value: case-insensitive text, numeric when both are numbers. */
export function matchesValue(stored: unknown, wanted: unknown): boolean {
  if (wanted === null || wanted === undefined) return stored === null || stored === undefined || stored === '';
  if (typeof stored === 'number' || typeof wanted === 'number') return Number(stored ?? 0) === Number(wanted);
  return String(stored ?? '').toLowerCase() === String(wanted).toLowerCase();
}
