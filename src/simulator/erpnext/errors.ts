/**
 * Frappe exceptions and the JSON error body they produce (erpnext.md §1.3).
 *
 * A Frappe error response carries the exception class name (`exc_type`), the last traceback line
 * (`exception`), the traceback as a JSON-encoded list (`exc`) and the message log as a
 * double-encoded list (`_server_messages`: a JSON string of a list of JSON strings).
 * `frappe.throw(msg)` puts one message `{message, title, indicator: "red", raise_exception: 1}`
 * in the log; a bare `raise frappe.X(...)` puts none (then `_server_messages` is absent).
 */

/** One entry of Frappe's message log (frappe.msgprint). */
export interface ServerMessage {
  message: string;
  title?: string;
  indicator?: string;
  raise_exception?: 1;
  alert?: 1;
}

/** HTTP status per exception class (frappe/exceptions.py `http_status_code`; §1.3 table). */
export const HTTP_STATUS_OF: Record<string, number> = {
  ValidationError: 417,
  MandatoryError: 417,
  LinkValidationError: 417,
  CannotChangeConstantError: 417,
  UniqueValidationError: 417,
  CharacterLengthExceededError: 417,
  DocstatusTransitionError: 417,
  UpdateAfterSubmitError: 417,
  TimestampMismatchError: 417,
  LinkExistsError: 417,
  DataError: 417,
  CancelledLinkError: 417,
  NestedSetChildExistsError: 417,
  ItemPriceDuplicateItem: 417,
  DoesNotExistError: 404,
  DuplicateEntryError: 409,
  NameError: 409, // [M] frappe.NameError http_status_code 409
  PermissionError: 403,
  AuthenticationError: 401,
  InvalidAuthorizationToken: 401, // [M]
  CSRFTokenError: 400,
  TooManyRequestsError: 429,
  SessionStopped: 503,
};

/**
 * Python module of exception classes not defined in frappe/exceptions.py, for the `exception`
 * line (the traceback's last line names the class by its module).
 */
const EXC_MODULE: Record<string, string> = {
  NestedSetChildExistsError: 'frappe.utils.nestedset', // [V 8848digital/frappe-v15:frappe/utils/nestedset.py@e0497f5]
  ItemPriceDuplicateItem: 'erpnext.stock.doctype.item_price.item_price', // [M]
};

/** Exception class used by injected faults for a given status (error bodies stay Frappe-shaped). */
export function excTypeForStatus(status: number): string {
  switch (status) {
    case 400: return 'CSRFTokenError';
    case 401: return 'AuthenticationError';
    case 403: return 'PermissionError';
    case 404: return 'DoesNotExistError';
    case 409: return 'DuplicateEntryError';
    case 417: return 'ValidationError';
    case 429: return 'TooManyRequestsError';
    case 503: return 'SessionStopped';
    default: return status >= 500 ? 'InternalServerError' : 'ValidationError';
  }
}

/** A Frappe exception: class name, message and the message log entries it carries. */
export class FrappeError extends Error {
  readonly excType: string;
  readonly httpStatus: number;
  readonly serverMessages: ServerMessage[];

  constructor(excType: string, message: string, serverMessages: ServerMessage[] = [], httpStatus?: number) {
    super(message);
    this.name = 'FrappeError';
    this.excType = excType;
    this.httpStatus = httpStatus ?? HTTP_STATUS_OF[excType] ?? 500;
    this.serverMessages = serverMessages;
  }
}

/** `frappe.throw(message, exc, title)`: one red message in the log, then the exception. */
export function frappeThrow(message: string, excType = 'ValidationError', title?: string): never {
  throw new FrappeError(excType, message, [thrownMessage(message, title)]);
}

/** `raise frappe.X(message)` without msgprint: the log stays empty. */
export function frappeRaise(excType: string, message = ''): never {
  throw new FrappeError(excType, message);
}

export function thrownMessage(message: string, title?: string): ServerMessage {
  // [M] frappe.throw without a title: the desk shows "Message"; kept in the body for parsers.
  return { message, title: title ?? 'Message', indicator: 'red', raise_exception: 1 };
}

/** `frappe.bold(x)`. */
export function bold(value: unknown): string {
  return `<strong>${value === null || value === undefined ? '' : String(value)}</strong>`;
}

/**
 * Python's json.dumps with default settings: separators ", " and ": ", non-ASCII escaped as
 * \uXXXX (ensure_ascii). Enough for the flat values Frappe encodes here.
 */
export function pyJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(value ?? null);
}

/** Frappe's `json.dumps([json.dumps(m) for m in message_log])`. */
export function encodeServerMessages(messages: ServerMessage[]): string {
  return pyJsonDumps(messages.map((m) => pyJsonDumps(m)));
}

/**
 * Error body of the v1 API for an exception (frappe utils/response.py report_error). `exception`
 * and `exc` only with `traceback`: System Settings.allow_error_traceback on, and never for a 404
 * (without conf.logging) [V 8848digital/frappe-v15:frappe/utils/response.py@e0497f5 report_error, _make_logs_v1].
 */
export function errorBody(err: FrappeError, extraMessages: ServerMessage[] = [], traceback = true): Record<string, unknown> {
  const lastLine = `${EXC_MODULE[err.excType] ?? 'frappe.exceptions'}.${err.excType}${err.message ? `: ${err.message}` : ''}`;
  const tracebackText =
    'Traceback (most recent call last):\n' +
    '  File "apps/frappe/frappe/app.py", line 114, in application\n    response = frappe.api.handle(request)\n' +
    '  File "apps/frappe/frappe/api/__init__.py", line 49, in handle\n    data = endpoint(**arguments)\n' +
    `${lastLine}\n`;
  const body: Record<string, unknown> = traceback ? { exception: lastLine, exc_type: err.excType, exc: pyJsonDumps([tracebackText]) } : { exc_type: err.excType };
  const messages = [...extraMessages, ...err.serverMessages];
  if (messages.length) body._server_messages = encodeServerMessages(messages);
  return body;
}

/** Any non-Frappe exception becomes a 500 like an unhandled Python error. */
export function asFrappeError(e: unknown): FrappeError {
  if (e instanceof FrappeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new FrappeError('Exception', message, [], 500);
}
