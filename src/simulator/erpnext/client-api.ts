/**
 * The whitelisted methods of frappe/client.py the simulator answers (erpnext.md §1.1, §12)
 * [V 8848digital/frappe-v15:frappe/client.py@e0497f5]. Methods returning `doc.as_dict()` keep null
 * fields (unlike a resource endpoint, which returns the Document itself).
 */
import { asDict, deleteDocument, insertDocument, metaOf, updateDocument } from './documents.ts';
import { frappeThrow } from './errors.ts';
import { cstr, rows, type Doc, type DocContext, type DocTypeDef } from './meta.ts';
import { listDocuments } from './queries.ts';

export interface MethodDef {
  allowGuest?: boolean;
  /** HTTP methods it answers: @frappe.whitelist(methods=...), default GET, POST, PUT, DELETE. */
  httpMethods?: readonly string[];
  run(args: Record<string, unknown>, ctx: DocContext): unknown;
}

const WRITE = ['POST', 'PUT'] as const;

/** frappe.parse_json / json.loads of a text argument; anything else as it is. */
function parseJson(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    return { ok: false };
  }
}

/** frappe.utils.get_safe_filters: JSON when it parses (a number becomes text), else the text as given. */
function safeFilters(filters: unknown): unknown {
  const parsed = parseJson(filters);
  if (!parsed.ok) return filters;
  return typeof parsed.value === 'number' ? String(parsed.value) : parsed.value;
}

/** Python truthiness of an argument as it arrives (query-string values are text: "0" is true). */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** The list query's parameters from method arguments (values that are not text are JSON-encoded). */
function listParams(args: Record<string, unknown>, keys: readonly string[]): URLSearchParams {
  const params = new URLSearchParams();
  for (const k of keys) {
    const v = args[k];
    if (v !== undefined && v !== null) params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return params;
}

/** A doc argument: a dict, or JSON text of one (json.loads). */
function docArgument(value: unknown): Record<string, unknown> {
  const parsed = typeof value === 'string' ? parseJson(value) : { ok: true as const, value };
  if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    frappeThrow('Invalid doc: a JSON object is expected'); // [M] Python fails earlier with a TypeError
  }
  return parsed.value as Record<string, unknown>;
}

/**
 * frappe.get_doc(dict) of an existing document: the dict is the whole document, so a field it
 * leaves out is saved as null (child rows likewise), and its `modified` must match the stored one.
 */
function wholeDocument(def: DocTypeDef, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { modified: values.modified ?? null };
  for (const f of def.fields) {
    if (f.fieldtype !== 'Table') {
      out[f.fieldname] = values[f.fieldname] ?? null;
      continue;
    }
    const childDef = metaOf(cstr(f.options));
    out[f.fieldname] = rows(values as Doc, f.fieldname).map((r) => ({
      ...(r.name ? { name: r.name } : {}),
      ...Object.fromEntries(childDef.fields.map((cf) => [cf.fieldname, r[cf.fieldname] ?? null])),
    }));
  }
  return out;
}

export const CLIENT_METHODS: Record<string, MethodDef> = {
  'frappe.client.get_list': {
    run(args, ctx) {
      const def = metaOf(cstr(args.doctype));
      return listDocuments(ctx.tx, def, listParams(args, ['fields', 'filters', 'or_filters', 'order_by', 'limit_start', 'limit_page_length', 'limit']));
    },
  },
  'frappe.client.get_count': {
    run(args, ctx) {
      const def = metaOf(cstr(args.doctype));
      let filters = safeFilters(args.filters);
      if (typeof filters === 'string') filters = { name: filters };
      const params = listParams({ filters }, ['filters']);
      params.set('limit_page_length', '0');
      return listDocuments(ctx.tx, def, params).length;
    },
  },
  /**
   * get_value(doctype, fieldname, filters=None, as_dict=True): a plain name as `filters` means
   * {"name": filters}; fieldname is JSON or a single field; the first row of get_list, or `{}`
   * when nothing matches (as_dict) — not a 404 (§15).
   */
  'frappe.client.get_value': {
    run(args, ctx) {
      const def = metaOf(cstr(args.doctype));
      let filters = safeFilters(args.filters);
      if (typeof filters === 'string') filters = { name: filters };
      if (!truthy(filters)) filters = undefined;
      const parsedFields = parseJson(args.fieldname);
      const fieldsValue = parsedFields.ok ? parsedFields.value : args.fieldname;
      const fields = Array.isArray(fieldsValue) ? fieldsValue.map(cstr) : [cstr(fieldsValue ?? 'name')];
      const asDictResult = args.as_dict === undefined ? true : truthy(args.as_dict);
      let value: Array<Record<string, unknown>>;
      if (def.single) {
        // get_values_from_single: the Single's fields, when the filters (if any) match it
        const single = ctx.tx.get(def.name, def.name);
        const matches = !filters || Object.entries(filters as Record<string, unknown>).every(([k, v]) => cstr(single?.[k]) === cstr(v));
        value = single && matches ? [Object.fromEntries(fields.map((f) => [f, single[f] ?? null]))] : [];
      } else {
        const params = listParams({ filters }, ['filters']);
        params.set('fields', JSON.stringify(fields));
        params.set('limit_page_length', '1');
        value = listDocuments(ctx.tx, def, params);
      }
      if (asDictResult) return value[0] ?? {};
      if (!value.length) return undefined;
      const row = fields.map((f) => value[0]![f] ?? null);
      return fields.length > 1 ? row : row[0];
    },
  },
  'frappe.client.get_single_value': {
    run(args, ctx) {
      const def = metaOf(cstr(args.doctype));
      const doc = ctx.tx.get(def.name, def.name);
      if (!doc) frappeThrow(`DocType ${cstr(args.doctype)} not found`, 'DoesNotExistError');
      return doc[cstr(args.field)] ?? null;
    },
  },
  /** get(doctype, name=None, filters=None): the whole document as doc.as_dict() (nulls kept). */
  'frappe.client.get': {
    run(args, ctx) {
      const def = metaOf(cstr(args.doctype));
      let doc;
      if (truthy(args.name)) {
        doc = ctx.tx.get(def.name, cstr(args.name));
        if (!doc) frappeThrow(`${def.name} ${cstr(args.name)} not found`, 'DoesNotExistError');
      } else if (args.filters !== undefined && !def.single) {
        const params = listParams({ filters: safeFilters(args.filters) }, ['filters']);
        params.set('limit_page_length', '1');
        const first = listDocuments(ctx.tx, def, params)[0];
        doc = first ? ctx.tx.get(def.name, first.name) : undefined;
        if (!doc) frappeThrow(`${def.name} ${cstr(args.filters)} not found`, 'DoesNotExistError'); // [M] Python prints the dict
      } else {
        doc = ctx.tx.get(def.name, def.name);
        if (!doc) frappeThrow(`${def.name} ${def.name} not found`, 'DoesNotExistError');
      }
      return asDict(def, doc);
    },
  },
  /**
   * insert(doc): frappe.get_doc(doc).insert() (child rows inserted on their own are not modelled).
   * A Company inserted this way is built at once: the Company insert window (company-inserts.ts)
   * applies to POST /api/resource/Company.
   */
  'frappe.client.insert': {
    httpMethods: WRITE,
    run(args, ctx) {
      const { doctype, ...values } = docArgument(args.doc);
      const def = metaOf(cstr(doctype));
      return asDict(def, insertDocument(ctx, def.name, values));
    },
  },
  /**
   * submit(doc): frappe.get_doc(doc).submit() — docstatus 1, then save: a new document (no name,
   * or __islocal) is inserted submitted; an existing one is saved from the dict as the whole
   * document (its `modified` must match: TimestampMismatchError otherwise). Returns doc.as_dict().
   */
  'frappe.client.submit': {
    httpMethods: WRITE,
    run(args, ctx) {
      const { doctype, ...values } = docArgument(args.doc);
      const def = metaOf(cstr(doctype));
      const name = cstr(values.name);
      if (truthy(values.__islocal) || !name) return asDict(def, insertDocument(ctx, def.name, { ...values, docstatus: 1 }));
      return asDict(def, updateDocument(ctx, def.name, name, { ...wholeDocument(def, values), docstatus: 1 }));
    },
  },
  /** cancel(doctype, name): frappe.get_doc(doctype, name).cancel() — docstatus 2, then save. */
  'frappe.client.cancel': {
    httpMethods: WRITE,
    run(args, ctx) {
      const def = metaOf(cstr(args.doctype));
      return asDict(def, updateDocument(ctx, def.name, cstr(args.name), { docstatus: 2 }));
    },
  },
  /** delete(doctype, name): delete_doc; returns None, so the answer has no "message". */
  'frappe.client.delete': {
    httpMethods: ['DELETE', 'POST'],
    run(args, ctx) {
      deleteDocument(ctx, cstr(args.doctype), cstr(args.name));
      return undefined;
    },
  },
};

/**
 * frappe/client.py functions that a real v15 site whitelists but the simulator does not answer:
 * called, they fail loudly (500) rather than pretend not to exist.
 */
export const CLIENT_METHODS_NOT_SIMULATED = [
  'frappe.client.set_value', 'frappe.client.insert_many', 'frappe.client.save', 'frappe.client.rename_doc',
  'frappe.client.bulk_update', 'frappe.client.has_permission', 'frappe.client.get_doc_permissions',
  'frappe.client.get_password', 'frappe.client.get_js', 'frappe.client.get_time_zone', 'frappe.client.attach_file',
  'frappe.client.is_document_amended', 'frappe.client.validate_link',
] as const;
