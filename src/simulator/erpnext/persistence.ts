/**
 * The optional data file: documents kept across restarts for demos. Written atomically (a temp
 * file renamed over the old one, so a crash mid-write never leaves half a file), debounced so a
 * burst of requests costs one write, and flushed on close.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
/**
 * A background save writes this much JSON at a time, then lets the event loop run: the whole
 * site of 1000 tenants (~50 MB) in one go held the loop (API and worker included) for up to 1.4 s.
 */
const CHUNK_CHARS = 256 * 1024;

export class DataFile {
  private timer: NodeJS.Timeout | undefined;
  /** Event-loop time the last save took (a background save's chunks added up). */
  private lastSaveMs = 0;
  /** Bumped by every save: a background save whose snapshot a later save superseded is dropped. */
  private generation = 0;
  private background: Promise<void> | null = null;
  private saveAgain = false;

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
      let chunk = `{"format":${JSON.stringify(FORMAT)},"version":${VERSION},"savedAt":${JSON.stringify(new Date().toISOString())},"series":${JSON.stringify(state.series)},"lastStamp":${JSON.stringify(state.lastStamp)},"tables":{`;
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
      for (const [doctype, docs] of Object.entries(state.tables)) {
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

  save(): void {
    const started = performance.now();
    this.write();
    this.lastSaveMs = performance.now() - started;
  }

  private write(): void {
    this.generation++;
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
