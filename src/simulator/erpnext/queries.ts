/**
 * GET /api/resource/:doctype — frappe.client.get_list semantics (erpnext.md §1.1):
 * fields (JSON, default ["name"], only those are returned; "*" = all columns), filters and
 * or_filters (dict or list form, child-table filters via [ChildDoctype, field, op, value]),
 * order_by (default "modified desc"), limit_start, limit_page_length (default 20, 0 = all; alias limit).
 * Text comparisons are case-insensitive like MariaDB's default collation.
 */
import { FrappeError, frappeThrow } from './errors.ts';
import { cstr, rows, type Doc, type DocTypeDef } from './meta.ts';
import { metaOf, STANDARD_FIELDS } from './documents.ts';
import { isIndexable, matchesValue, type Transaction } from './store.ts';

interface Condition {
  doctype: string;
  field: string;
  op: string;
  value: unknown;
}

function parseJsonParam(raw: string | null, what: string): unknown {
  if (raw === null || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    if (what === 'fields') return raw.split(',').map((s) => s.trim()); // frappe accepts "a,b"
    frappeThrow(`Invalid ${what}: ${raw}`); // [M]
  }
}

/** Filters in dict form {f: v | [op, v]} or list form [[dt, f, op, v]] / [[f, op, v]]. */
function parseConditions(raw: unknown, doctype: string): Condition[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) {
    return raw.map((f) => {
      if (!Array.isArray(f)) frappeThrow(`Invalid filter: ${JSON.stringify(f)}`);
      if (f.length >= 4) return { doctype: cstr(f[0]), field: cstr(f[1]), op: cstr(f[2]), value: f[3] };
      if (f.length === 3) return { doctype, field: cstr(f[0]), op: cstr(f[1]), value: f[2] };
      if (f.length === 2) return { doctype, field: cstr(f[0]), op: '=', value: f[1] };
      frappeThrow(`Invalid filter: ${JSON.stringify(f)}`);
    });
  }
  if (typeof raw === 'object') {
    return Object.entries(raw as Record<string, unknown>).map(([field, v]) =>
      Array.isArray(v) ? { doctype, field, op: cstr(v[0]), value: v[1] } : { doctype, field, op: '=', value: v },
    );
  }
  frappeThrow(`Invalid filters: ${String(raw)}`);
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'is');
}

function compare(a: unknown, b: unknown): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && a !== null && b !== null && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return cstr(a).toLowerCase() < cstr(b).toLowerCase() ? -1 : cstr(a).toLowerCase() > cstr(b).toLowerCase() ? 1 : 0;
}

function listValue(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return cstr(v).split(',').map((s) => s.trim());
}

function test(value: unknown, op: string, wanted: unknown): boolean {
  switch (op.toLowerCase().trim()) {
    case '=': return matchesValue(value, wanted);
    case '!=': return !matchesValue(value, wanted);
    case 'like': return likeToRegExp(cstr(wanted)).test(cstr(value));
    case 'not like': return !likeToRegExp(cstr(wanted)).test(cstr(value));
    case 'in': return listValue(wanted).some((w) => matchesValue(value, w));
    case 'not in': return !listValue(wanted).some((w) => matchesValue(value, w));
    case '>': return compare(value, wanted) > 0;
    case '<': return compare(value, wanted) < 0;
    case '>=': return compare(value, wanted) >= 0;
    case '<=': return compare(value, wanted) <= 0;
    case 'is': return cstr(wanted).toLowerCase() === 'set' ? cstr(value) !== '' : cstr(value) === '';
    case 'between': {
      const [lo, hi] = listValue(wanted);
      return compare(value, lo) >= 0 && compare(value, hi) <= 0;
    }
    default: frappeThrow(`Invalid operator: ${op}`); // [M]
  }
}

function unknownColumn(field: string, clause: string): never {
  // MariaDB error surfacing as a 500 [M]
  throw new FrappeError('OperationalError', `(1054, "Unknown column '${field}' in '${clause}'")`, [], 500);
}

function cleanField(field: string, doctype: string): string {
  return field.replace(/`/g, '').replace(new RegExp(`^tab${doctype}\\.`, 'i'), '').trim();
}

function hasColumn(def: DocTypeDef, field: string): boolean {
  return (STANDARD_FIELDS as readonly string[]).includes(field) || (def.table ? ['parent', 'parentfield', 'parenttype'].includes(field) : false) || def.fields.some((f) => f.fieldname === field && f.fieldtype !== 'Table');
}

function matches(def: DocTypeDef, doc: Doc, c: Condition): boolean {
  return matchesAll(def, doc, [c]);
}

/**
 * Every condition holds. Conditions on one child table hold on one of its rows together:
 * Frappe joins each child table once (db_query append_table, `left join tabChild on parent =
 * name`) and the where clause applies to each joined row, so [Child, a, =, x] and [Child, b, =, y]
 * mean one row with both, not one row with each.
 */
function matchesAll(def: DocTypeDef, doc: Doc, conditions: Condition[]): boolean {
  const byChild = new Map<string, Condition[]>();
  for (const c of conditions) {
    if (c.doctype.toLowerCase() === def.name.toLowerCase()) {
      const field = cleanField(c.field, def.name);
      if (!hasColumn(def, field)) unknownColumn(field, 'where clause');
      if (!test(doc[field], c.op, c.value)) return false;
    } else byChild.set(c.doctype.toLowerCase(), [...(byChild.get(c.doctype.toLowerCase()) ?? []), c]);
  }
  for (const [child, conds] of byChild) {
    const tableField = def.fields.find((f) => f.fieldtype === 'Table' && cstr(f.options).toLowerCase() === child);
    if (!tableField) unknownColumn(`tab${conds[0]!.doctype}.${conds[0]!.field}`, 'where clause');
    const childDef = metaOf(cstr(tableField.options));
    const tests = conds.map((c) => {
      const field = cleanField(c.field, childDef.name);
      if (!hasColumn(childDef, field)) unknownColumn(field, 'where clause');
      return (r: Doc) => test(r[field], c.op, c.value);
    });
    if (!rows(doc, tableField.fieldname).some((r) => tests.every((t) => t(r)))) return false;
  }
  return true;
}

function project(def: DocTypeDef, doc: Doc, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const raw of fields) {
    if (raw.trim() === '*') {
      for (const f of STANDARD_FIELDS) out[f] = doc[f] ?? null;
      for (const f of def.fields) if (f.fieldtype !== 'Table') out[f.fieldname] = doc[f.fieldname] ?? null;
      continue;
    }
    const m = /^(.*?)\s+as\s+(.+)$/i.exec(raw.trim());
    const field = cleanField(m ? m[1]! : raw, def.name);
    const alias = m ? cleanField(m[2]!, def.name) : field;
    if (!hasColumn(def, field)) unknownColumn(field, 'field list');
    out[alias] = doc[field] ?? null;
  }
  return out;
}

/** A column of the doctype itself, or of a child table it has: a filter that cannot fail on any row. */
function knownColumn(def: DocTypeDef, c: Condition): boolean {
  if (c.doctype.toLowerCase() === def.name.toLowerCase()) return hasColumn(def, cleanField(c.field, def.name));
  const tableField = def.fields.find((f) => f.fieldtype === 'Table' && cstr(f.options).toLowerCase() === c.doctype.toLowerCase());
  return !!tableField && hasColumn(metaOf(cstr(tableField.options)), cleanField(c.field, cstr(tableField.options)));
}

/**
 * The documents the filters can match: those of the index of an equality filter on one of the
 * doctype's columns (the fewest, when there are several), else all. Only when every filter names
 * a known column, so an unknown one still fails as before (on the first document it is tested on).
 */
function candidates(tx: Transaction, def: DocTypeDef, filters: Condition[]): Doc[] {
  const usable = filters.filter((c) => c.op.trim() === '=' && c.doctype.toLowerCase() === def.name.toLowerCase() && isIndexable(c.value));
  if (!usable.length || !filters.every((c) => knownColumn(def, c))) return tx.list(def.name);
  let best: Doc[] | undefined;
  for (const c of usable) {
    const docs = tx.where(def.name, cleanField(c.field, def.name), c.value);
    if (!best || docs.length < best.length) best = docs;
  }
  return best!;
}

export function listDocuments(tx: Transaction, def: DocTypeDef, params: URLSearchParams): Record<string, unknown>[] {
  const fieldsRaw = parseJsonParam(params.get('fields'), 'fields');
  const fields = Array.isArray(fieldsRaw) && fieldsRaw.length ? fieldsRaw.map(cstr) : typeof fieldsRaw === 'string' ? [fieldsRaw] : ['name'];
  const filters = parseConditions(parseJsonParam(params.get('filters'), 'filters'), def.name);
  const orFilters = parseConditions(parseJsonParam(params.get('or_filters'), 'or_filters'), def.name);
  const orderBy = params.get('order_by') || def.sortOrder || 'modified desc';
  const start = Math.max(0, parseInt(params.get('limit_start') ?? '0', 10) || 0);
  const limitRaw = params.get('limit_page_length') ?? params.get('limit') ?? params.get('page_length');
  const limit = limitRaw === null ? 20 : parseInt(limitRaw, 10) || 0;

  let docs = candidates(tx, def, filters).filter((d) => matchesAll(def, d, filters));
  if (orFilters.length) docs = docs.filter((d) => orFilters.some((c) => matches(def, d, c)));

  const order = orderBy.split(',').map((part) => {
    const [f, dir] = part.trim().split(/\s+/);
    const field = cleanField(cstr(f), def.name);
    if (!hasColumn(def, field)) unknownColumn(field, 'order clause');
    return { field, desc: cstr(dir).toLowerCase() === 'desc' };
  });
  docs = docs
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      for (const o of order) {
        const c = compare(a.d[o.field], b.d[o.field]);
        if (c !== 0) return o.desc ? -c : c;
      }
      return a.i - b.i;
    })
    .map((x) => x.d);

  const page = limit > 0 ? docs.slice(start, start + limit) : docs.slice(start);
  return page.map((d) => project(def, d, fields));
}
