/**
 * A simulator's optional data file (ERPNext's and Odoo's): its records kept across restarts for
 * demos. Written atomically (a temp file renamed over the old one, so a crash mid-write never
 * leaves half a file), debounced so a burst of requests costs one write, and flushed on close.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** A simulator's state as one JSON document: its tables of records, and whatever else it keeps (sequences...). */
export interface PersistedState {
  tables: Record<string, readonly object[]>;
}

/** A store whose state can be saved and loaded whole. exportState's records are never changed in place afterwards. */
export interface PersistentStore<S extends PersistedState> {
  exportState(): S;
  importState(state: S): void;
}

/** What a data file holds: its format's name and version, and the state's schema (the fields beside format, version and savedAt). */
export interface DataFileFormat<S extends PersistedState> {
  format: string;
  version: number;
  /** Who the file is for, in errors: "an ERPNext simulator data file". */
  what: string;
  state: z.ZodType<S>;
}

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
/**
 * A background save writes this much JSON at a time, then lets the event loop run: the whole
 * site of 1000 tenants (~50 MB) in one go held the loop (API and worker included) for up to 1.4 s.
 */
const CHUNK_CHARS = 256 * 1024;

export class DataFile<S extends PersistedState> {
  private timer: NodeJS.Timeout | undefined;
  /** Event-loop time the last save took (a background save's chunks added up). */
  private lastSaveMs = 0;
  /** Bumped by every save: a background save whose snapshot a later save superseded is dropped. */
  private generation = 0;
  private background: Promise<void> | null = null;
  private saveAgain = false;

  constructor(
    readonly file: string,
    private readonly store: PersistentStore<S>,
    private readonly kind: DataFileFormat<S>,
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
    let parsed: S;
    try {
      const body = JSON.parse(text) as { format?: unknown; version?: unknown };
      if (body?.format !== this.kind.format || body.version !== this.kind.version) throw new Error('another format');
      parsed = this.kind.state.parse(body);
    } catch {
      throw new DataFileError(`${this.file} is not ${this.kind.what} (format ${this.kind.format} v${this.kind.version})`);
    }
    this.store.importState(parsed);
    return true;
  }

  /** Writes soon; several changes in a row make one write. */
  scheduleSave(): void {
    if (this.timer) return;
    const delay = Math.min(MAX_SAVE_DELAY_MS, Math.max(this.debounceMs, SAVE_COST_FACTOR * this.lastSaveMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveInBackground();
    }, delay);
    this.timer.unref();
  }

  /** Writes now if a write is pending or under way (a process about to end cannot wait for a background save). */
  flush(): void {
    if (!this.timer && !this.background) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }

  /** Whether a background save is under way. */
  get saving(): boolean {
    return this.background !== null;
  }

  /** Resolves when no background save is under way (tests). */
  async settled(): Promise<void> {
    while (this.background) await this.background;
  }

  private saveInBackground(): void {
    if (this.background) {
      // one at a time: the changes since its snapshot are saved after it
      this.saveAgain = true;
      return;
    }
    this.background = this.writeInChunks()
      .catch(() => {
        // the previous file stays whole (the temp file is renamed only when complete); the next change retries
      })
      .finally(() => {
        this.background = null;
        if (this.saveAgain) {
          this.saveAgain = false;
          this.scheduleSave();
        }
      });
  }

  /**
   * The same file as `write`, from a snapshot of the store taken at once (documents are replaced,
   * never changed in place, so the snapshot stays as it was), serialised and written a chunk at
   * a time.
   */
  private async writeInChunks(): Promise<void> {
    let started = performance.now();
    const generation = ++this.generation;
    const state = this.store.exportState();
    mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${generation}.tmp`;
    // owner only, as the flush writes it: the file holds the site's data and the rename keeps this mode
    const handle = await open(temp, 'w', 0o600);
    let busyMs = performance.now() - started;
    let complete = false;
    try {
      const { tables, ...rest } = state;
      let chunk = `${JSON.stringify(this.header()).slice(0, -1)},${Object.entries(rest).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`).join('')}"tables":{`;
      const emit = async (text: string) => {
        chunk += text;
        if (chunk.length < CHUNK_CHARS) return;
        busyMs += performance.now() - started;
        await handle.write(chunk);
        chunk = '';
        started = performance.now();
      };
      let firstTable = true;
      started = performance.now();
      for (const [doctype, docs] of Object.entries(tables)) {
        await emit(`${firstTable ? '' : ','}${JSON.stringify(doctype)}:[`);
        firstTable = false;
        for (let i = 0; i < docs.length; i++) await emit(`${i ? ',' : ''}${JSON.stringify(docs[i])}`);
        await emit(']');
      }
      chunk += '}}';
      busyMs += performance.now() - started;
      await handle.write(chunk);
      complete = true;
    } finally {
      await handle.close();
      // a later save (a flush at close) wrote a newer state meanwhile: this one is stale
      if (!complete || generation !== this.generation) rmSync(temp, { force: true });
    }
    if (generation !== this.generation) return;
    renameSync(temp, this.file);
    this.lastSaveMs = busyMs;
  }

  private header(): { format: string; version: number; savedAt: string } {
    return { format: this.kind.format, version: this.kind.version, savedAt: new Date().toISOString() };
  }

  save(): void {
    const started = performance.now();
    this.write();
    this.lastSaveMs = performance.now() - started;
  }

  private write(): void {
    this.generation++;
    const state = this.store.exportState();
    const body = JSON.stringify({ ...this.header(), ...state });
    mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    // the site's documents (and the API key the demo registers) are for this user only; the
    // rename carries the new file's mode over a file an older version left readable to all
    writeFileSync(temp, body, { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
