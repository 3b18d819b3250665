/**
 * The optional data file: documents kept across restarts for demos. Written atomically (a temp
 * file renamed over the old one, so a crash mid-write never leaves half a file), debounced so a
 * burst of requests costs one write, and flushed on close.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DocumentStore, StoreState } from './store.ts';

const FORMAT = 'erpnext-simulator-data';
const VERSION = 1;

const fileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  savedAt: z.string(),
  series: z.record(z.string(), z.number()),
  lastStamp: z.number(),
  tables: z.record(z.string(), z.array(z.looseObject({ name: z.string(), doctype: z.string() }))),
});

/** The file is there but is not a simulator data file (a usage error for the CLI). */
export class DataFileError extends Error {}

/**
 * A save writes every document (the file is one JSON state): its cost grows with the site. The
 * wait before the next save is at least this many times the last save's duration, so saving
 * takes at most about 1/SAVE_COST_FACTOR of the process's time however big the site gets (the
 * simulator shares its event loop with the API and the worker in demo mode).
 */
const SAVE_COST_FACTOR = 20;
/** The longest wait before a pending save (a bigger site loses at most this much at a crash). */
const MAX_SAVE_DELAY_MS = 30_000;

export class DataFile {
  private timer: NodeJS.Timeout | undefined;
  private lastSaveMs = 0;

  constructor(
    readonly file: string,
    private readonly store: DocumentStore,
    private readonly debounceMs = 200,
  ) {}

  /** Loads the file into the store; false when there is no file yet. */
  load(): boolean {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new DataFileError(`cannot read ${this.file}: ${(e as Error).message}`);
    }
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch {
      throw new DataFileError(`${this.file} is not an ERPNext simulator data file (format ${FORMAT} v${VERSION})`);
    }
    this.store.importState(parsed as unknown as StoreState);
    return true;
  }

  /** Writes soon; several changes in a row make one write. */
  scheduleSave(): void {
    if (this.timer) return;
    const delay = Math.min(MAX_SAVE_DELAY_MS, Math.max(this.debounceMs, SAVE_COST_FACTOR * this.lastSaveMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, delay);
    this.timer.unref();
  }

  /** Writes now if a write is pending. */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }

  save(): void {
    const started = performance.now();
    this.write();
    this.lastSaveMs = performance.now() - started;
  }

  private write(): void {
    const state = this.store.exportState();
    const body = JSON.stringify({ format: FORMAT, version: VERSION, savedAt: new Date().toISOString(), ...state });
    mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    // the site's documents (and the API key the demo registers) are for this user only; the
    // rename carries the new file's mode over a file an older version left readable to all
    writeFileSync(temp, body, { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
