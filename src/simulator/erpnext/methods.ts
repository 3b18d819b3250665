/**
 * /api/method/<cmd> (erpnext.md §1.1, §1.2, §12): frappe/handler.py execute_cmd
 * [V 8848digital/frappe-v15:frappe/handler.py@e0497f5, frappe/__init__.py get_attr, is_whitelisted]:
 *
 *   1. get_attr(cmd): a dotted path imports its module (the app must be installed); a bare name is
 *      looked up in handler.py's globals (ping). Any failure → 417 "Failed to get method for
 *      command {cmd} with {error}".
 *   2. is_whitelisted: a function that exists but is not whitelisted, or one a Guest may not call,
 *      → 403 PermissionError "Function <strong>{module}.{name}</strong> is not whitelisted."
 *   3. is_valid_http_method: a method whitelisted for other HTTP methods → 403 "Not permitted".
 *
 * The simulator knows the functions listed here; a real module it does not know answers as a
 * missing one ("No module named ...").
 */
import { CLIENT_METHODS, CLIENT_METHODS_NOT_SIMULATED, type MethodDef } from './client-api.ts';
import { bold, FrappeError, frappeThrow, thrownMessage } from './errors.ts';

export type { MethodDef } from './client-api.ts';

export const FRAPPE_VERSION = '15.51.0';
export const ERPNEXT_VERSION = '15.44.1';

/** Apps installed on the simulated site (frappe.get_installed_apps). */
const INSTALLED_APPS = ['frappe', 'erpnext'];

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
  ...CLIENT_METHODS,
};

/**
 * Functions of a v15 site that exist but are not @frappe.whitelist()-ed, by the path a client
 * calls (each is defined in that module, so __module__.__name__ is the same path)
 * [V 8848digital/frappe-v15@e0497f5: frappe/__init__.py, frappe/model/delete_doc.py,
 * frappe/model/rename_doc.py, frappe/client.py, frappe/utils/password.py, frappe/installer.py,
 * frappe/sessions.py, frappe/utils/backups.py].
 */
export const NOT_WHITELISTED = [
  'frappe.get_doc', 'frappe.get_list', 'frappe.get_all', 'frappe.get_value', 'frappe.delete_doc', 'frappe.set_value',
  'frappe.new_doc', 'frappe.model.delete_doc.delete_doc', 'frappe.model.rename_doc.rename_doc', 'frappe.client.insert_doc',
  'frappe.utils.password.get_decrypted_password', 'frappe.installer.install_app', 'frappe.sessions.clear_sessions',
  'frappe.utils.backups.new_backup',
] as const;

/** Whitelisted on a real site, not answered here (besides frappe.client's, see client-api.ts). */
const NOT_SIMULATED: readonly string[] = [...CLIENT_METHODS_NOT_SIMULATED, 'frappe.rename_doc'];

const moduleOf = (path: string) => path.split('.').slice(0, -1).join('.');

/** Every module (and package) the simulator knows to exist: those of the functions above. */
const KNOWN_MODULES = new Set<string>();
for (const path of [...Object.keys(METHODS), ...NOT_WHITELISTED, ...NOT_SIMULATED]) {
  const parts = moduleOf(path).split('.');
  for (let i = 1; i <= parts.length; i++) if (parts[0]) KNOWN_MODULES.add(parts.slice(0, i).join('.'));
}

export function methodExists(cmd: string): boolean {
  return cmd in METHODS;
}

/** execute_cmd's frappe.throw(_("Failed to get method for command {0} with {1}").format(cmd, e)). */
function failedToGetMethod(cmd: string, error: string, earlier: FrappeError | undefined = undefined): never {
  const message = `Failed to get method for command ${cmd} with ${error}`;
  throw new FrappeError('ValidationError', message, [...(earlier?.serverMessages ?? []), thrownMessage(message)]);
}

/** Python's error for a path whose module or attribute does not exist (importlib / getattr). */
function importError(cmd: string): string {
  const module = moduleOf(cmd);
  if (KNOWN_MODULES.has(module)) return `module '${module}' has no attribute '${cmd.split('.').pop()}'`;
  // ModuleNotFoundError names the first package of the path that is missing
  const parts = module.split('.');
  let missing = module;
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    if (!KNOWN_MODULES.has(prefix)) {
      missing = prefix;
      break;
    }
  }
  return `No module named '${missing}'`;
}

/** is_whitelisted's message [V frappe/__init__.py is_whitelisted]. */
function notWhitelisted(path: string): never {
  frappeThrow(
    `<details><summary>You are not permitted to access this resource. Login to access</summary>Function ${bold(path)} is not whitelisted.</details>`,
    'PermissionError',
    'Method Not Allowed',
  );
}

/** Resolve a command as execute_cmd does; throws the errors Frappe raises. */
export function resolveMethod(cmd: string, user: string, httpMethod = 'GET'): MethodDef {
  const def = METHODS[cmd];
  if (!def) {
    if (!cmd.includes('.')) failedToGetMethod(cmd, `'${cmd}'`); // globals()[cmd] → KeyError
    const app = cmd.split('.', 1)[0]!;
    if (!INSTALLED_APPS.includes(app)) {
      // get_attr throws AppNotInstalledError first (its message stays in the log), then execute_cmd throws
      const notInstalled = new FrappeError('AppNotInstalledError', `App ${app} is not installed`, [thrownMessage(`App ${app} is not installed`)]);
      failedToGetMethod(cmd, notInstalled.message, notInstalled);
    }
    if ((NOT_WHITELISTED as readonly string[]).includes(cmd)) notWhitelisted(cmd);
    // get_attr returns the module itself; is_whitelisted then reads its __module__: an unhandled
    // AttributeError, HTTP 500 (seen on ERPNext 15.71.1 for frappe.model.delete_doc)
    if (KNOWN_MODULES.has(cmd)) throw new FrappeError('AttributeError', `module '${cmd}' has no attribute '__module__'`, [], 500);
    if (NOT_SIMULATED.includes(cmd)) {
      throw new FrappeError('NotImplementedError', `${cmd} is whitelisted on a real site, but the ERPNext simulator does not answer it`, [], 500);
    }
    failedToGetMethod(cmd, importError(cmd));
  }
  if (user === 'Guest' && !def.allowGuest) notWhitelisted(cmd);
  // is_valid_http_method → throw_permission_error [V handler.py]
  if (def.httpMethods && !def.httpMethods.includes(httpMethod.toUpperCase())) frappeThrow('Not permitted', 'PermissionError');
  return def;
}
