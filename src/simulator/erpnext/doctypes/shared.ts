/** Helpers several controllers share (frappe.utils equivalents). */
import { frappeThrow } from '../errors.ts';
import { cstr, sameText, type Doc, type DocContext, type FieldDef } from '../meta.ts';

const SAFE = new Set("~@#$&()*!+=:;,.?/'_-".split(''));

/** frappe.utils.quoted: urllib quote with safe="~@#$&()*!+=:;,.?/'". */
export function quoted(value: string): string {
  let out = '';
  for (const ch of value) {
    if (/[A-Za-z0-9]/.test(ch) || SAFE.has(ch)) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** frappe.utils.get_link_to_form: `<a href="{site}/app/{slug}/{name}">{name}</a>`. */
export function linkToForm(ctx: DocContext, doctype: string, name: string): string {
  const slug = doctype.toLowerCase().replace(/ /g, '-');
  return `<a href="${ctx.siteUrl}/app/${quoted(slug)}/${quoted(name)}">${name}</a>`;
}

/** erpnext get_autoname_with_number: "[number - ]title - ABBR" (Account, Cost Center; §13). */
export function nameWithNumberAndAbbr(ctx: DocContext, number: unknown, title: unknown, company: unknown): string {
  const abbr = cstr(ctx.tx.get('Company', company)?.abbr);
  if (!abbr) return cstr(title).trim(); // [M] no company: the mandatory check reports it
  const parts = [cstr(title).trim(), abbr];
  if (cstr(number).trim()) parts.unshift(cstr(number).trim());
  return parts.join(' - ');
}

/** Mode of Payment Account default_account of a mode for a company (frappe.db.get_value). */
export function modeOfPaymentAccount(ctx: DocContext, mode: unknown, company: unknown): string | undefined {
  const mop = ctx.tx.get('Mode of Payment', mode);
  if (!mop) return undefined;
  const row = (Array.isArray(mop.accounts) ? (mop.accounts as Doc[]) : []).find((r) => cstr(r.company).toLowerCase() === cstr(company).toLowerCase());
  const account = cstr(row?.default_account);
  return account || undefined;
}

/** Field builders keep doctype modules short. */
export const data = (fieldname: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Data', ...extra });
export const link = (fieldname: string, label: string, options: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Link', options, ...extra });
export const check = (fieldname: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Check', ...extra });
export const select = (fieldname: string, label: string, options: string[], extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Select', options: options.join('\n'), ...extra });
export const table = (fieldname: string, label: string, options: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Table', options, ...extra });
export const currency = (fieldname: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Currency', ...extra });
export const date = (fieldname: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Date', ...extra });
export const datetime = (fieldname: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Datetime', ...extra });
export const text = (fieldname: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ fieldname, label, fieldtype: 'Small Text', ...extra });

/** The root of a tree doctype (frappe get_root_of): a node without a parent. */
export function rootOf(ctx: DocContext, doctype: string, parentField: string, except?: string): string | undefined {
  return ctx.tx.list(doctype).find((d) => !cstr(d[parentField]) && d.name !== except)?.name;
}

/**
 * NestedSet.on_trash → validate_if_child_exists: a tree node with children cannot be deleted,
 * NestedSetChildExistsError (a ValidationError, 417)
 * [V 8848digital/frappe-v15:frappe/utils/nestedset.py@e0497f5].
 */
export function validateIfChildExists(ctx: DocContext, doc: Doc, parentField: string): void {
  if (ctx.tx.list(doc.doctype).some((d) => sameText(d[parentField], doc.name))) {
    frappeThrow(`Cannot delete ${doc.name} as it has child nodes`, 'NestedSetChildExistsError');
  }
}
