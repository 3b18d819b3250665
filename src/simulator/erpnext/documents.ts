/**
 * The generic document pipeline of Frappe (erpnext.md §7, frappe/model/document.py), shared by
 * every doctype; doctype modules only add metadata and controller hooks.
 *
 * insert: defaults → links → naming → controller validate → mandatory/selects/lengths →
 *         duplicate name (409) → write → after_insert → on_update (→ on_submit)
 * save:   docstatus transition → links → controller validate → mandatory/selects/lengths/
 *         set_only_once (or update-after-submit check) → write → on_update (→ on_submit/on_cancel)
 * Everything runs inside the request's Transaction, so any exception rolls back all of it.
 */
import { bold, FrappeError, frappeRaise, frappeThrow, thrownMessage, type ServerMessage } from './errors.ts';
import { cint, cstr, isEmptyValue, rows, sameText, type Doc, type DocContext, type DocTypeDef, type FieldDef, type SaveInfo } from './meta.ts';
import { randomHash, setNewName } from './naming.ts';
import { getDocType, DOCTYPES } from './doctypes/index.ts';
import type { Transaction } from './store.ts';

/** Standard columns every document has (§1.1). */
export const STANDARD_FIELDS = ['name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx'] as const;
const CHILD_STANDARD_FIELDS = ['parent', 'parentfield', 'parenttype'] as const;
const TEXT_TYPES = new Set(['Data', 'Link', 'Select']);
const NUMERIC_TYPES = new Set(['Check', 'Int', 'Float', 'Currency', 'Percent']);

/** The doctype's metadata, or 404 "DocType X not found" like frappe.get_meta. */
export function metaOf(doctype: string): DocTypeDef {
  const def = getDocType(doctype);
  if (!def) frappeThrow(`DocType ${doctype} not found`, 'DoesNotExistError');
  return def;
}

/** A request context: the transaction plus insert/save for controller side effects. */
export function requestContext(tx: Transaction, siteUrl: string, user = 'Administrator', now = new Date()): DocContext {
  const ctx: DocContext = {
    tx,
    siteUrl,
    user,
    now,
    messages: [],
    insert: (doctype, values) => insertDocument(ctx, doctype, values),
    save: (doc) => updateDocument(ctx, doc.doctype, doc.name, doc),
  };
  return ctx;
}

// ---- building documents -------------------------------------------------------------------

function today(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Frappe's _set_defaults + numeric coercion: a field without a value gets its default (§7); a
 * Select without a default gets its first option (get_static_default_value
 * [V 8848digital/frappe-v15:frappe/model/create_new.py@e0497f5]), e.g. Mode of Payment.type "Cash" (§15).
 */
function applyDefaults(def: DocTypeDef, doc: Doc, ctx: DocContext): void {
  for (const f of def.fields) {
    if (f.fieldtype === 'Table') {
      if (!Array.isArray(doc[f.fieldname])) doc[f.fieldname] = [];
      continue;
    }
    const v = doc[f.fieldname];
    if (v === undefined || v === null || (v === '' && f.default !== undefined)) {
      if (f.default !== undefined) {
        if (f.default === 'Today') doc[f.fieldname] = today(ctx.now);
        else if (f.default === 'Now') doc[f.fieldname] = ctx.tx.timestamp(ctx.now).slice(0, 19);
        else doc[f.fieldname] = f.default;
      } else if (f.fieldtype === 'Select' && f.options !== undefined) doc[f.fieldname] = f.options.split('\n')[0];
      else doc[f.fieldname] = NUMERIC_TYPES.has(f.fieldtype) ? 0 : null;
    }
    if (NUMERIC_TYPES.has(f.fieldtype)) {
      const n = Number(doc[f.fieldname]);
      const num = typeof doc[f.fieldname] === 'boolean' ? (doc[f.fieldname] ? 1 : 0) : Number.isFinite(n) ? n : 0;
      doc[f.fieldname] = f.fieldtype === 'Check' || f.fieldtype === 'Int' ? Math.trunc(num) : num;
    }
  }
}

/** Copy only the doctype's own fields from a payload (Frappe writes known columns only). */
function copyKnownFields(def: DocTypeDef, target: Doc, payload: Record<string, unknown>, stamp: string, ctx: DocContext, previous?: Doc): void {
  for (const f of def.fields) {
    if (!(f.fieldname in payload)) continue;
    const value = payload[f.fieldname];
    if (f.fieldtype === 'Table') {
      const childDef = metaOf(cstr(f.options));
      const oldRows = previous ? rows(previous, f.fieldname) : [];
      const list = Array.isArray(value) ? value : [];
      target[f.fieldname] = list.map((raw, i) => {
        const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
        const kept = r.name ? oldRows.find((o) => o.name === r.name) : undefined;
        const row: Doc = kept ? { ...kept } : { name: randomHash(), doctype: childDef.name, owner: ctx.user, creation: stamp, docstatus: 0 };
        copyKnownFields(childDef, row, r, stamp, ctx);
        row.idx = i + 1;
        row.parentfield = f.fieldname;
        row.parenttype = def.name;
        row.modified = stamp;
        row.modified_by = ctx.user;
        return row;
      });
    } else {
      target[f.fieldname] = value;
    }
  }
}

function setChildParents(def: DocTypeDef, doc: Doc, ctx: DocContext): void {
  for (const f of def.fields) {
    if (f.fieldtype !== 'Table') continue;
    const childDef = metaOf(cstr(f.options));
    for (const row of rows(doc, f.fieldname)) {
      row.parent = doc.name;
      row.docstatus = doc.docstatus;
      applyDefaults(childDef, row, ctx);
    }
  }
}

// ---- generic validations ------------------------------------------------------------------

/** _validate_links: "Could not find {Label}: {value}", child rows "Row #{idx}: ..." (§7.2). */
function validateLinks(def: DocTypeDef, doc: Doc, ctx: DocContext): void {
  const invalid: string[] = [];
  const cancelled: string[] = [];
  const check = (d: DocTypeDef, target: Doc, prefix: string) => {
    for (const f of d.fields) {
      if (f.fieldtype !== 'Link' || isEmptyValue(target[f.fieldname])) continue;
      const value = cstr(target[f.fieldname]).trim();
      const found = ctx.tx.get(cstr(f.options), value);
      if (!found) invalid.push(`${prefix}${f.label}: ${value}`);
      else {
        target[f.fieldname] = found.name; // stored casing wins, like MariaDB lookups
        // a cancelled submittable document may not be linked, except by amended_from [V base_document.py get_invalid_links]
        if (def.submittable && f.fieldname !== 'amended_from' && getDocType(cstr(f.options))?.submittable && cint(found.docstatus) === 2) {
          cancelled.push(`${prefix}${f.label}: ${value}`);
        }
      }
    }
  };
  check(def, doc, '');
  for (const f of def.fields) {
    if (f.fieldtype !== 'Table') continue;
    const childDef = metaOf(cstr(f.options));
    for (const row of rows(doc, f.fieldname)) check(childDef, row, `Row #${row.idx}: `);
  }
  if (invalid.length) frappeThrow(`Could not find ${invalid.join(', ')}`, 'LinkValidationError');
  if (cancelled.length) frappeThrow(`Cannot link cancelled document: ${cancelled.join(', ')}`, 'CancelledLinkError');
}

/** _validate_mandatory: one msgprint per missing field, then MandatoryError (§7.1, base_document.py). */
function validateMandatory(def: DocTypeDef, doc: Doc): void {
  const missing: Array<[string, string]> = [];
  for (const f of def.fields) {
    if (!f.reqd || !isEmptyValue(doc[f.fieldname])) continue;
    missing.push([f.fieldname, f.fieldtype === 'Table' ? `Error: Data missing in table: ${f.label}` : `Error: Value missing for ${def.name}: ${f.label}`]);
  }
  for (const f of def.fields) {
    if (f.fieldtype !== 'Table') continue;
    const childDef = metaOf(cstr(f.options));
    for (const row of rows(doc, f.fieldname)) {
      for (const cf of childDef.fields) {
        if (cf.reqd && isEmptyValue(row[cf.fieldname])) {
          missing.push([cf.fieldname, `Error: ${bold(childDef.name)} Row #${row.idx}: Value missing for: ${cf.label}`]);
        }
      }
    }
  }
  if (!missing.length) return;
  // msgprint(msg) without title/indicator: the log entries are bare {message} (document.py _validate_mandatory)
  const messages: ServerMessage[] = missing.map(([, message]) => ({ message }));
  throw new FrappeError('MandatoryError', `[${def.name}, ${doc.name}]: ${missing.map(([f]) => f).join(', ')}`, messages);
}

/** _validate_selects: `{Label} cannot be "{v}". It should be one of "a", "b"` (§7.4). */
function validateSelects(d: DocTypeDef, target: Doc, isChild: boolean): void {
  for (const f of d.fields) {
    if (f.fieldtype !== 'Select' || !f.options || f.fieldname === 'naming_series') continue;
    const options = f.options.split('\n');
    const value = cstr(target[f.fieldname]).trim();
    target[f.fieldname] = target[f.fieldname] === null ? null : value;
    if (!value) continue; // [M] empty handled by mandatory
    if (!options.includes(value)) {
      const prefix = isChild ? `Row #${target.idx}:` : '';
      frappeThrow(`${prefix} ${f.label} cannot be "${value}". It should be one of "${options.join('", "')}"`);
    }
  }
}

/** _validate_length: Data/Link/Select are varchar(140) unless a length is set (§7.4). */
function validateLengths(d: DocTypeDef, target: Doc, reference: string): void {
  for (const f of d.fields) {
    if (!TEXT_TYPES.has(f.fieldtype)) continue;
    const max = f.length ?? 140;
    const value = cstr(target[f.fieldname]);
    if (value.length > max) {
      frappeThrow(`${reference}: '${bold(f.label)}' (${value}) will get truncated, as max characters allowed is ${max}`, 'CharacterLengthExceededError');
    }
  }
}

function validateDocument(def: DocTypeDef, doc: Doc): void {
  validateMandatory(def, doc);
  validateSelects(def, doc, false);
  validateLengths(def, doc, `${def.name} ${doc.name}`);
  for (const f of def.fields) {
    if (f.fieldtype !== 'Table') continue;
    const childDef = metaOf(cstr(f.options));
    for (const row of rows(doc, f.fieldname)) {
      validateSelects(childDef, row, true);
      validateLengths(childDef, row, `${childDef.name}, Row ${row.idx}`);
    }
  }
}

/** validate_set_only_once: "Value cannot be changed for {Label}" (§7.4). */
function validateSetOnlyOnce(def: DocTypeDef, doc: Doc, before: Doc): void {
  for (const f of def.fields) {
    if (!f.set_only_once) continue;
    if (cstr(doc[f.fieldname]) !== cstr(before[f.fieldname])) {
      frappeThrow(`Value cannot be changed for ${f.label}`, 'CannotChangeConstantError');
    }
  }
}

/** _validate_update_after_submit [V base_document.py]: only allow_on_submit fields may change. */
function validateUpdateAfterSubmit(def: DocTypeDef, doc: Doc, before: Doc): void {
  const check = (d: DocTypeDef, now: Doc, then: Doc, isChild: boolean) => {
    for (const f of d.fields) {
      if (f.allow_on_submit) continue;
      let a: unknown = now[f.fieldname];
      let b: unknown = then[f.fieldname];
      if (f.fieldtype === 'Table') {
        a = rows(now, f.fieldname).length;
        b = rows(then, f.fieldname).length;
      }
      if (!a && !b) continue;
      if (cstr(a) !== cstr(b)) {
        frappeThrow(
          `${isChild ? `Row #${now.idx}:` : ''} Not allowed to change ${bold(f.label)} after submission from ${bold(b)} to ${bold(a)}`,
          'UpdateAfterSubmitError',
          'Cannot Update After Submit',
        );
      }
    }
  };
  check(def, doc, before, false);
  for (const f of def.fields) {
    if (f.fieldtype !== 'Table') continue;
    const childDef = metaOf(cstr(f.options));
    const old = rows(before, f.fieldname);
    for (const row of rows(doc, f.fieldname)) {
      const prev = old.find((o) => o.name === row.name);
      if (prev) check(childDef, row, prev, true);
    }
  }
}

/** Frappe's docstatus transitions (document.py check_docstatus_transition). */
function actionFor(from: number, to: number): SaveInfo['action'] {
  if (from === 0) {
    if (to === 0) return 'save';
    if (to === 1) return 'submit';
    frappeRaise('DocstatusTransitionError', 'Cannot change docstatus from 0 (Draft) to 2 (Cancelled)');
  }
  if (from === 1) {
    if (to === 1) return 'update_after_submit';
    if (to === 2) return 'cancel';
    frappeRaise('DocstatusTransitionError', 'Cannot change docstatus from 1 (Submitted) to 0 (Draft)');
  }
  frappeRaise('ValidationError', 'Cannot edit cancelled document');
}

// ---- the pipeline -------------------------------------------------------------------------

/** POST /api/resource/:doctype — frappe.new_doc(doctype, **data).insert(). */
export function insertDocument(ctx: DocContext, doctype: string, payload: Record<string, unknown>): Doc {
  const def = metaOf(doctype);
  if (def.single) return updateDocument(ctx, doctype, def.name, payload); // [M] insert of a Single saves it
  return completeInsert(ctx, prepareInsert(ctx, def.name, payload));
}

/** An insert validated and written into its transaction, its controller side effects still to run. */
export interface PendingInsert {
  def: DocTypeDef;
  doc: Doc;
  info: SaveInfo;
  /** The name was committed already when validated (a document this request deleted before re-inserting it). */
  committedBefore: boolean;
}

/** db_insert's primary-key clash: msgprint "{Doctype} <strong>{name}</strong> already exists", DuplicateEntryError 409 (§7.3). */
function duplicateEntryError(def: DocTypeDef, name: string): FrappeError {
  return new FrappeError('DuplicateEntryError', `('${def.name}', '${name}', IntegrityError(1062, "Duplicate entry '${name}' for key 'PRIMARY'"))`, [
    { message: `${def.name} ${bold(name)} already exists`, title: 'Duplicate Name', indicator: 'red' },
  ]);
}

/**
 * The first half of insert, up to db_insert: defaults, links, naming, controller validate,
 * mandatory/selects/lengths, the duplicate-name check (against what is committed and what this
 * request wrote), then the row written into the request's transaction.
 */
export function prepareInsert(ctx: DocContext, doctype: string, payload: Record<string, unknown>): PendingInsert {
  const def = metaOf(doctype);
  if (def.single) frappeThrow(`${def.name} is a Single: it is saved, not inserted`); // [M] callers save Singles
  if (def.table) frappeThrow(`Cannot insert a child table row (${doctype}) without its parent`); // [M]
  const stamp = ctx.tx.timestamp(ctx.now);
  const doc: Doc = { name: '', doctype: def.name, owner: ctx.user, creation: stamp, modified: stamp, modified_by: ctx.user, docstatus: 0, idx: 0 };
  copyKnownFields(def, doc, payload, stamp, ctx);
  applyDefaults(def, doc, ctx);
  const action = actionFor(0, cint(payload.docstatus));
  doc.docstatus = action === 'submit' ? 1 : 0;
  const info: SaveInfo = { isNew: true, action };
  setChildParents(def, doc, ctx);

  def.beforeNaming?.(doc, ctx);
  validateLinks(def, doc, ctx);
  setNewName(def, doc, cstr(payload.__newname ?? payload.name), ctx);
  setChildParents(def, doc, ctx);
  def.validate?.(doc, ctx, info);
  validateDocument(def, doc);

  // db_insert: primary key clash → DuplicateEntryError (§7.3), reported after all validation
  if (ctx.tx.exists(def.name, doc.name)) throw duplicateEntryError(def, doc.name);
  validateUniqueFields(def, doc, ctx);
  ctx.tx.put(doc);
  return { def, doc, info, committedBefore: ctx.tx.committed(def.name, doc.name) };
}

/**
 * The second half: after_insert, on_update (a Company's chart of accounts, warehouses, ...),
 * on_submit. When the insert waited in between (a Company insert's duration, §15), a concurrent
 * insert of the same name may have committed meanwhile: on MariaDB this row's INSERT waited on
 * the other's lock and now fails as a duplicate, so the first to commit wins.
 */
export function completeInsert(ctx: DocContext, pending: PendingInsert): Doc {
  const { def, doc, info } = pending;
  if (!pending.committedBefore && ctx.tx.committed(def.name, doc.name)) throw duplicateEntryError(def, doc.name);
  def.afterInsert?.(doc, ctx);
  def.onUpdate?.(doc, ctx, info);
  if (info.action === 'submit') def.onSubmit?.(doc, ctx);
  ctx.tx.put(doc);
  return doc;
}

/** Unique (non-name) columns: "{Label} must be unique"? [M] message; UniqueValidationError 417 (§7.3). */
function validateUniqueFields(def: DocTypeDef, doc: Doc, ctx: DocContext): void {
  for (const f of def.fields) {
    if (!f.unique || isEmptyValue(doc[f.fieldname])) continue;
    const clash = ctx.tx.where(def.name, f.fieldname, doc[f.fieldname]).find((d) => d.name !== doc.name);
    if (clash) frappeThrow(`${f.label} must be unique`, 'UniqueValidationError');
  }
}

/** PUT /api/resource/:doctype/:name — doc.update(data); doc.save() (§1.1). */
export function updateDocument(ctx: DocContext, doctype: string, name: string, patch: Record<string, unknown>): Doc {
  const def = metaOf(doctype);
  const stored = ctx.tx.get(def.name, name);
  if (!stored) frappeThrow(`${def.name} ${name} not found`, 'DoesNotExistError');
  const stamp = ctx.tx.timestamp(ctx.now);
  if (patch.modified !== undefined && patch !== stored && cstr(patch.modified) !== cstr(stored.modified)) {
    // check_if_latest: msgprint(..., raise_exception=TimestampMismatchError) with the stored and the new timestamp
    // [V 8848digital/frappe-v15:frappe/model/document.py@e0497f5]
    const message = `Error: Document has been modified after you have opened it (${cstr(stored.modified)}, ${stamp}). Please refresh to get the latest document.`;
    throw new FrappeError('TimestampMismatchError', message, [thrownMessage(message)]);
  }
  const before = structuredClone(stored);
  const doc = structuredClone(stored);
  copyKnownFields(def, doc, patch, stamp, ctx, before);
  const from = cint(before.docstatus);
  const to = patch.docstatus === undefined ? from : cint(patch.docstatus);
  const action = actionFor(from, to);
  doc.docstatus = to;
  applyDefaults(def, doc, ctx);
  setChildParents(def, doc, ctx);
  const info: SaveInfo = { isNew: false, before, action };

  validateLinks(def, doc, ctx);
  if (action === 'save' || action === 'submit') def.validate?.(doc, ctx, info);
  if (action !== 'cancel') validateDocument(def, doc);
  if (action === 'update_after_submit') validateUpdateAfterSubmit(def, doc, before);
  else validateSetOnlyOnce(def, doc, before);

  doc.modified = stamp;
  doc.modified_by = ctx.user;
  ctx.tx.put(doc);
  if (action === 'save' || action === 'submit') def.onUpdate?.(doc, ctx, info);
  if (action === 'submit') def.onSubmit?.(doc, ctx);
  if (action === 'cancel') def.onCancel?.(doc, ctx);
  ctx.tx.put(doc);
  return doc;
}

/**
 * DELETE /api/resource/:doctype/:name — frappe.delete_doc(doctype, name, ignore_missing=False)
 * [V 8848digital/frappe-v15:frappe/model/delete_doc.py@e0497f5]: a missing document is a bare
 * DoesNotExistError (no message); a submitted one cannot be deleted; on_trash; then no document
 * may still link to it.
 */
export function deleteDocument(ctx: DocContext, doctype: string, name: string): void {
  const def = metaOf(doctype);
  const doc = ctx.tx.get(def.name, name);
  if (!doc) frappeRaise('DoesNotExistError');
  // check_permission_and_not_submitted: msgprint(..., raise_exception=True), the link's text as in the source
  if (def.submittable && cint(doc.docstatus) === 1) {
    frappeThrow(
      `${def.name} ${doc.name}: Submitted Record cannot be deleted. You must <a href='https://docs.erpnext.com//docs/user/manual/en/setting-up/articles/delete-submitted-document' target='_blank'> Cancel </a> it first.`,
    );
  }
  def.onTrash?.(doc, ctx);
  ctx.tx.remove(def.name, doc.name);
  const link = findLinkTo(ctx, def.name, doc.name);
  if (!link) return;
  // raise_link_exists_exception: links to /app/Form/..., a trailing space for the (empty) row, and a
  // Single named once (its doctype left out of the text, not of the link)
  const label = link.doctype === link.name ? '' : link.doctype;
  const linked = `Cannot delete or cancel because ${def.name} <a href="/app/Form/${def.name}/${doc.name}">${doc.name}</a> is linked with ${label} <a href="/app/Form/${link.doctype}/${link.name}">${link.name}</a> `;
  const canDisable = def.fields.some((f) => f.fieldname === 'enabled' || f.fieldname === 'disabled');
  if (!canDisable) frappeThrow(linked, 'LinkExistsError');
  // a doctype that can be disabled: a second throw, both messages in the log
  const instead = `You can disable this ${def.name} instead of deleting it.`;
  throw new FrappeError('LinkExistsError', instead, [thrownMessage(linked), thrownMessage(instead)]);
}

/**
 * First document still linking to doctype/name (check_if_doc_is_linked): a Link field of any
 * doctype, of a child row (reported as its parent document) or of a Single; the document itself excepted.
 */
function findLinkTo(ctx: DocContext, doctype: string, name: string): { doctype: string; name: string } | undefined {
  for (const def of DOCTYPES) {
    if (def.table) continue;
    if (def.single) {
      const single = ctx.tx.get(def.name, def.name);
      if (single && def.fields.some((f) => f.fieldtype === 'Link' && f.options === doctype && sameText(single[f.fieldname], name))) return { doctype: def.name, name: def.name };
      continue;
    }
    for (const d of ctx.tx.list(def.name)) {
      for (const f of def.fields) {
        if (f.fieldtype === 'Link' && f.options === doctype && sameText(d[f.fieldname], name)) {
          if (!(def.name === doctype && sameText(d.name, name))) return { doctype: def.name, name: d.name };
        }
        if (f.fieldtype === 'Table') {
          const childDef = metaOf(cstr(f.options));
          for (const row of rows(d, f.fieldname)) {
            const hit = childDef.fields.some((cf: FieldDef) => cf.fieldtype === 'Link' && cf.options === doctype && sameText(row[cf.fieldname], name));
            if (hit) return { doctype: def.name, name: d.name };
          }
        }
      }
    }
  }
  return undefined;
}

/**
 * Fields of a document in Frappe's as_dict order: standard fields, own fields, child tables.
 * `noNulls` is as_dict(no_nulls=True): fields whose value is null are left out, in child rows
 * too — what a resource endpoint answers, since it returns the Document and the JSON encoder
 * calls as_dict(no_nulls=True) on it [V 8848digital/frappe-v15:frappe/utils/response.py@e0497f5
 * json_handler, frappe/model/base_document.py get_valid_dict(ignore_nulls)]. Methods that return
 * doc.as_dict() (frappe.client.get, submit, ...) keep the nulls.
 */
export function asDict(def: DocTypeDef, doc: Doc, opts: { noNulls?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (field: string, value: unknown) => {
    if (value === null || value === undefined) {
      if (!opts.noNulls) out[field] = null;
    } else out[field] = value;
  };
  for (const f of STANDARD_FIELDS) set(f, doc[f]);
  if (def.table) for (const f of CHILD_STANDARD_FIELDS) set(f, doc[f]);
  for (const f of def.fields) {
    if (f.fieldtype === 'Table') {
      const childDef = metaOf(cstr(f.options));
      out[f.fieldname] = rows(doc, f.fieldname).map((r) => asDict(childDef, r, opts));
    } else set(f.fieldname, doc[f.fieldname]);
  }
  out.doctype = def.name;
  return out;
}
