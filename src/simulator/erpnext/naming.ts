/**
 * Frappe's set_new_name (erpnext.md §7.3, frappe/model/naming.py): field, Prompt, series, hash,
 * controller autoname; then validate_name.
 */
import { frappeThrow } from './errors.ts';
import { cstr, type Doc, type DocContext, type DocTypeDef } from './meta.ts';

const HASH_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** frappe.generate_hash(length=10): the name of child rows and "hash"-named doctypes. */
export function randomHash(length = 10): string {
  let out = '';
  for (let i = 0; i < length; i++) out += HASH_CHARS[Math.floor(Math.random() * HASH_CHARS.length)];
  return out;
}

/**
 * make_autoname for a series pattern: parts separated by "."; "YYYY"/"YY"/"MM"/"DD" are dates,
 * "#####" is the counter of the prefix built so far (e.g. "POS-OPE-.YYYY.-.#####" → POS-OPE-2025-00001).
 */
export function nameFromSeries(pattern: string, ctx: DocContext): string {
  const d = ctx.now;
  const pad = (n: number) => String(n).padStart(2, '0');
  let name = '';
  for (const part of pattern.split('.')) {
    if (/^#+$/.test(part)) {
      const n = ctx.tx.nextSeries(name);
      name += String(n).padStart(part.length, '0');
    } else if (part === 'YYYY') name += String(d.getFullYear());
    else if (part === 'YY') name += String(d.getFullYear()).slice(2);
    else if (part === 'MM') name += pad(d.getMonth() + 1);
    else if (part === 'DD') name += pad(d.getDate());
    else name += part;
  }
  return name;
}

/**
 * _set_amended_name with the default "Amend Counter" rule [V 8848digital/frappe-v15:frappe/model/naming.py@e0497f5]:
 * an amendment of X is X-1; of X-1 (itself an amendment) X-2. The name is not validated further.
 */
function amendedName(def: DocTypeDef, amendedFrom: string, ctx: DocContext): string {
  const original = ctx.tx.get(def.name, amendedFrom);
  if (!cstr(original?.amended_from)) return `${amendedFrom}-1`;
  const parts = amendedFrom.split('-');
  const id = (parseInt(parts.pop() ?? '', 10) || 0) + 1;
  return `${parts.join('-')}-${id}`;
}

/** Name a new document per its doctype's rule; `newName` is the client's `name`/`__newname`. */
export function setNewName(def: DocTypeDef, doc: Doc, newName: string, ctx: DocContext): void {
  if (cstr(doc.amended_from)) {
    doc.name = amendedName(def, cstr(doc.amended_from), ctx);
    return;
  }
  const rule = def.naming;
  let name = '';
  switch (rule.by) {
    case 'doctype':
      name = def.name;
      break;
    case 'field':
      name = cstr(doc[rule.field]).trim();
      break;
    case 'prompt':
      // _prompt_autoname: "set from __newname in save.py"; nothing given → "Please set the document name" [V naming.py]
      if (!newName.trim()) frappeThrow('Please set the document name');
      name = newName;
      break;
    case 'series':
      name = nameFromSeries(rule.pattern, ctx);
      break;
    case 'hash':
      name = randomHash();
      break;
    case 'controller':
      name = rule.autoname(doc, ctx);
      break;
  }
  doc.name = validateName(def, name);
}

/** frappe.model.naming.validate_name [M: messages from memory]. */
function validateName(def: DocTypeDef, name: string): string {
  if (!name) frappeThrow(`No Name Specified for ${def.name}`);
  const trimmed = name.trim();
  if (!def.single && trimmed === def.name) frappeThrow(`Name of ${def.name} cannot be ${trimmed}`, 'NameError');
  if (/[<>]/.test(trimmed)) frappeThrow(`Name cannot contain special characters like '<', '>'`, 'NameError');
  return trimmed;
}
