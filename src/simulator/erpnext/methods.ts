/**
 * /api/method/<cmd> (erpnext.md §1.1, §1.2, §12; frappe/handler.py execute_cmd [V]).
 * get_attr fails first for unknown commands → 417 "Failed to get method for command ..."; then
 * is_whitelisted: a Guest may only call allow_guest methods (ping) → 403 otherwise.
 */
import { bold, frappeThrow } from './errors.ts';
import { cstr } from './meta.ts';
import type { DocContext } from './meta.ts';

export const FRAPPE_VERSION = '15.51.0';
export const ERPNEXT_VERSION = '15.44.1';

interface MethodDef {
  allowGuest?: boolean;
  run(args: Record<string, unknown>, ctx: DocContext): unknown;
}

const METHODS: Record<string, MethodDef> = {
  ping: { allowGuest: true, run: () => 'pong' },
  'frappe.ping': { allowGuest: true, run: () => 'pong' },
  'frappe.auth.get_logged_user': { run: (_a, ctx) => ctx.user },
  'frappe.utils.change_log.get_versions': {
    run: () => ({
      frappe: { title: 'Frappe Framework', description: 'Low code web framework for real world applications, in Python and Javascript', branch: 'version-15', branch_version: `${FRAPPE_VERSION} (simulator)`, version: FRAPPE_VERSION },
      erpnext: { title: 'ERPNext', description: 'Free and Open Source Enterprise Resource Planning (ERP)', branch: 'version-15', branch_version: `${ERPNEXT_VERSION} (simulator)`, version: ERPNEXT_VERSION },
    }),
  },
  // frappe.client.get_single_value(doctype, field) [M]
  'frappe.client.get_single_value': {
    run(args, ctx) {
      const doctype = cstr(args.doctype);
      const doc = ctx.tx.get(doctype, doctype);
      if (!doc) frappeThrow(`DocType ${doctype} not found`, 'DoesNotExistError');
      return doc[cstr(args.field)] ?? null;
    },
  },
};

/** frappe.client.get_count and get_value are answered by server.ts through the list query. */
export const LIST_METHODS = new Set(['frappe.client.get_count', 'frappe.client.get_list', 'frappe.client.get_value']);

export function methodExists(cmd: string): boolean {
  return cmd in METHODS || LIST_METHODS.has(cmd);
}

/** Resolve a command as execute_cmd does; throws the errors Frappe raises. */
export function resolveMethod(cmd: string, user: string): MethodDef | undefined {
  if (!methodExists(cmd)) {
    const parts = cmd.split('.');
    const module = parts.length > 1 ? parts.slice(0, -1).join('.') : cmd;
    // [M] exact Python error text; the prefix is verified
    frappeThrow(`Failed to get method for command ${cmd} with No module named '${module}'`);
  }
  const def = METHODS[cmd];
  if (user === 'Guest' && !def?.allowGuest) {
    frappeThrow(
      `<details><summary>You are not permitted to access this resource.</summary>Function ${bold(cmd)} is not whitelisted.</details>`,
      'PermissionError',
      'Method Not Allowed',
    );
  }
  return def;
}
