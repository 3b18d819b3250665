/**
 * What a dry run of the steps saw and would have written, for any engine kind: each kind's dry-run
 * port (erpnext/dry-run.ts, odoo/dry-run.ts) extends this ledger, so verify and plan
 * (domain/inspection.ts) read one shape whatever the engine.
 */

/** A write a step would make: what a run would change in the engine. */
export interface Intent {
  action: 'create' | 'update';
  /** The record's kind: an ERPNext doctype, an Odoo model. */
  doctype: string;
  name: string;
  /** What an update would change (fields, the row it adds). */
  detail?: string;
}

/** A record a step read and found. */
export interface Seen {
  doctype: string;
  name: string;
}

/** The case-insensitive key of a record among those "made" (its name, scoped where the engine scopes it). */
export const key = (...parts: readonly (string | number)[]) => parts.map((p) => String(p).toLowerCase()).join('\u0000');

export abstract class DryRunLedger {
  private intents: Intent[] = [];
  private seen: Seen[] = [];
  /** Records the intents "made", by doctype, then by key. */
  private readonly made = new Map<string, Map<string, unknown>>();

  /** The intents and reads since the last call, and forgets them (one step at a time). */
  take(): { intents: Intent[]; seen: Seen[] } {
    const out = { intents: this.intents, seen: this.seen };
    this.intents = [];
    this.seen = [];
    return out;
  }

  /** Records the write and keeps `record` as made, for the reads after it; answers it. */
  protected intend<T>(intent: Intent, doctype: string, k: string, record: T): T {
    this.intents.push(intent);
    return this.make(doctype, k, record);
  }

  /** Records a write that makes no record of its own (an update of one made or found). */
  protected intendOnly(intent: Intent): void {
    this.intents.push(intent);
  }

  /** Keeps `record` as made without an intent: what the engine makes by itself along a write. */
  protected make<T>(doctype: string, k: string, record: T): T {
    let byKey = this.made.get(doctype);
    if (!byKey) this.made.set(doctype, (byKey = new Map()));
    byKey.set(k, record);
    return record;
  }

  protected madeOf<T>(doctype: string, k: string): T | undefined {
    return this.made.get(doctype)?.get(k) as T | undefined;
  }

  protected allMade<T>(doctype: string): T[] {
    return [...(this.made.get(doctype)?.values() ?? [])] as T[];
  }

  protected saw(doctype: string, name: string): void {
    this.seen.push({ doctype, name });
  }
}
