/**
 * Doctype metadata and controller hooks, the shape of Frappe's DocType JSON + controller class.
 * Each doctype module under doctypes/ exports one `DocTypeDef`.
 */
import type { Transaction } from './store.ts';
import type { ServerMessage } from './errors.ts';

/** A stored document: standard fields plus the doctype's own; child tables are arrays of rows. */
export interface Doc {
  [field: string]: unknown;
  name: string;
  doctype: string;
}

export type FieldType =
  | 'Data' | 'Link' | 'Select' | 'Check' | 'Int' | 'Float' | 'Currency' | 'Percent'
  | 'Date' | 'Datetime' | 'Table' | 'Small Text' | 'Text' | 'Password' | 'Read Only';

export interface FieldDef {
  fieldname: string;
  label: string;
  fieldtype: FieldType;
  /** Link: target doctype. Table: child doctype. Select: options separated by "\n". */
  options?: string;
  reqd?: boolean;
  unique?: boolean;
  set_only_once?: boolean;
  allow_on_submit?: boolean;
  /** Frappe's `default`: a literal, or "Today"/"Now" for dates. */
  default?: string | number;
  /** Max characters; Data/Link/Select default 140 (varchar(140)). */
  length?: number;
}

/** How `set_new_name` names a new document (§7.3, §14.3). */
export type NamingRule =
  | { by: 'field'; field: string } // autoname "field:x"
  | { by: 'prompt' } // name/__newname from the client
  | { by: 'series'; pattern: string } // e.g. "POS-OPE-.YYYY.-.#####"
  | { by: 'hash' }
  | { by: 'controller'; autoname: (doc: Doc, ctx: DocContext) => string }
  | { by: 'doctype' }; // singles

/** What a controller hook can see: the request's transaction and helpers. */
export interface DocContext {
  tx: Transaction;
  /** Site URL as the client reached it, for get_link_to_form (e.g. "http://127.0.0.1:8000"). */
  siteUrl: string;
  user: string;
  now: Date;
  /** Non-error msgprints of this request (e.g. the Customer rename note); returned on success. */
  messages: ServerMessage[];
  /** Insert a document through the full pipeline (side effects of controllers). */
  insert(doctype: string, values: Record<string, unknown>): Doc;
  /** Save changes of an existing document through the full pipeline. */
  save(doc: Doc): Doc;
}

/** Per-save facts a hook may need. */
export interface SaveInfo {
  isNew: boolean;
  /** The stored version before this save (undefined on insert). */
  before?: Doc;
  /** "save" | "submit" | "cancel" | "update_after_submit" */
  action: 'save' | 'submit' | 'cancel' | 'update_after_submit';
}

export interface DocTypeDef {
  name: string;
  /** Frappe module, shown in get_versions-like listings only. */
  module: string;
  fields: FieldDef[];
  naming: NamingRule;
  single?: boolean;
  /** Child table doctype (istable). */
  table?: boolean;
  submittable?: boolean;
  /** Default list order (Frappe doctype sort_field/sort_order; usually "modified desc"). */
  sortOrder?: string;
  /** Runs before naming (before_naming/before_insert-like value fixes that naming needs). */
  beforeNaming?(doc: Doc, ctx: DocContext): void;
  /** Controller `validate` (and before_save); runs after naming, before mandatory checks. */
  validate?(doc: Doc, ctx: DocContext, info: SaveInfo): void;
  /** Controller `on_update` (after the write, same transaction). */
  onUpdate?(doc: Doc, ctx: DocContext, info: SaveInfo): void;
  /** Controller `after_insert`. */
  afterInsert?(doc: Doc, ctx: DocContext): void;
  /** Controller `on_submit` / `on_cancel`. */
  onSubmit?(doc: Doc, ctx: DocContext): void;
  onCancel?(doc: Doc, ctx: DocContext): void;
  /** Controller `on_trash` (before the delete's link check). */
  onTrash?(doc: Doc, ctx: DocContext): void;
  /** The business key used by the simulator's duplicate detector (not a Frappe concept). */
  businessKey?(doc: Doc): string | null;
}

// ---- value helpers -------------------------------------------------------------------------

/** Python's cstr(): null/undefined → "". */
export function cstr(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Python's cint(). */
export function cint(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = parseInt(cstr(v), 10);
  return Number.isFinite(n) ? n : 0;
}

/** Python's flt(). */
export function flt(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = parseFloat(cstr(v));
  return Number.isFinite(n) ? n : 0;
}

export function rows(doc: Doc, field: string): Doc[] {
  const v = doc[field];
  return Array.isArray(v) ? (v as Doc[]) : [];
}

/** Case-insensitive equality, as MariaDB's default collation compares names. */
export function sameText(a: unknown, b: unknown): boolean {
  return cstr(a).toLowerCase() === cstr(b).toLowerCase();
}

export function isEmptyValue(v: unknown): boolean {
  return v === null || v === undefined || (Array.isArray(v) ? v.length === 0 : cstr(v).trim() === '');
}

export function fieldsOf(def: DocTypeDef, type: FieldType): FieldDef[] {
  return def.fields.filter((f) => f.fieldtype === type);
}
