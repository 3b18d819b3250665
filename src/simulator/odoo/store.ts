/**
 * The simulated database: one table per model, ids from a per-model sequence that, as in
 * PostgreSQL, is not rolled back (a failed create still uses up its id: seen on Odoo 17). A
 * request runs in a transaction: `begin()` starts an undo journal, `rollback()` restores every row
 * it touched, `commit()` forgets the journal.
 */
export type OdooRecord = Record<string, unknown> & { id: number };

/** The whole database as the data file keeps it (odoo/persistence.ts). */
export interface RecordStoreState {
  tables: Record<string, OdooRecord[]>;
  sequences: Record<string, number>;
}

export class RecordStore {
  private tables = new Map<string, Map<number, OdooRecord>>();
  private sequences = new Map<string, number>();
  private journal: Array<() => void> | null = null;
  /** Called after a committed change (persistence hooks). */
  onChange: (() => void) | undefined;

  table(model: string): Map<number, OdooRecord> {
    let t = this.tables.get(model);
    if (!t) this.tables.set(model, (t = new Map()));
    return t;
  }

  all(model: string): OdooRecord[] {
    return [...this.table(model).values()];
  }

  get(model: string, id: number): OdooRecord | undefined {
    return this.table(model).get(id);
  }

  /** The next id of the model's sequence (not given back on rollback). */
  nextId(model: string): number {
    const id = (this.sequences.get(model) ?? 0) + 1;
    this.sequences.set(model, id);
    return id;
  }

  /** Moves a sequence past ids inserted with fixed values (fixtures). */
  bumpSequence(model: string, atLeast: number): void {
    if ((this.sequences.get(model) ?? 0) < atLeast) this.sequences.set(model, atLeast);
  }

  insert(model: string, record: OdooRecord): OdooRecord {
    const t = this.table(model);
    t.set(record.id, record);
    this.bumpSequence(model, record.id);
    this.journal?.push(() => t.delete(record.id));
    return record;
  }

  update(model: string, id: number, values: Record<string, unknown>): OdooRecord {
    const t = this.table(model);
    const before = t.get(id);
    if (!before) throw new Error(`${model} ${id} does not exist`);
    const after = { ...before, ...values, id };
    t.set(id, after);
    this.journal?.push(() => t.set(id, before));
    return after;
  }

  remove(model: string, id: number): boolean {
    const t = this.table(model);
    const before = t.get(id);
    if (!before) return false;
    t.delete(id);
    this.journal?.push(() => t.set(id, before));
    return true;
  }

  begin(): void {
    this.journal = [];
  }

  commit(): void {
    const changed = (this.journal?.length ?? 0) > 0;
    this.journal = null;
    if (changed) this.onChange?.();
  }

  rollback(): void {
    const undo = this.journal ?? [];
    this.journal = null;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }

  clear(): void {
    this.tables.clear();
    this.sequences.clear();
    this.journal = null;
  }

  /** Rows are replaced on update, never changed in place: the arrays answered stay as they were. */
  exportState(): RecordStoreState {
    const tables: Record<string, OdooRecord[]> = {};
    for (const [model, t] of this.tables) if (t.size) tables[model] = [...t.values()];
    return { tables, sequences: Object.fromEntries(this.sequences) };
  }

  importState(state: RecordStoreState): void {
    this.clear();
    for (const [model, records] of Object.entries(state.tables)) {
      const t = this.table(model);
      for (const r of records) t.set(r.id, r);
    }
    for (const [model, n] of Object.entries(state.sequences)) this.sequences.set(model, n);
  }

  snapshot(): Record<string, OdooRecord[]> {
    return Object.fromEntries([...this.tables].filter(([, t]) => t.size > 0).map(([model, t]) => [model, [...t.values()].map((r) => structuredClone(r))]));
  }
}
