/**
 * Odoo's exceptions as the JSON-RPC endpoint serialises them: HTTP 200 and
 * `{"error": {"code": 200, "message": "Odoo Server Error", "data": {name, debug, message, arguments, context}}}`
 * where `name` is `module.Class` (odoo/http.py `serialize_exception`, `JsonRPCDispatcher.handle_error`;
 * odoo.md A.2, seen on Odoo 17 in Part C).
 */
export type OdooExceptionName =
  | 'odoo.exceptions.UserError'
  | 'odoo.exceptions.ValidationError'
  | 'odoo.exceptions.AccessError'
  | 'odoo.exceptions.AccessDenied'
  | 'odoo.exceptions.MissingError'
  | 'builtins.ValueError'
  | 'builtins.AttributeError'
  | 'builtins.TypeError'
  | (string & {});

export class OdooException extends Error {
  constructor(
    readonly exceptionName: OdooExceptionName,
    message: string,
    /** The chained cause a real traceback shows ("The above exception was the direct cause…"). */
    readonly cause_?: string,
  ) {
    super(message);
  }
}

export const userError = (message: string) => new OdooException('odoo.exceptions.UserError', message);
export const validationError = (message: string) => new OdooException('odoo.exceptions.ValidationError', message);
export const accessError = (message: string) => new OdooException('odoo.exceptions.AccessError', message);

/**
 * A unique constraint: Odoo's `retrying()` turns the IntegrityError into a ValidationError
 * "The operation cannot be completed: <constraint message>", raised `from` the psycopg2 error
 * (odoo/service/model.py `_as_validation_error`, lines 108-112 and 151-152 of 17.0).
 */
export const uniqueViolation = (table: string, constraint: string, message: string, key: string) =>
  new OdooException(
    'odoo.exceptions.ValidationError',
    `The operation cannot be completed: ${message}`,
    `psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "${table}_${constraint}"\nDETAIL:  Key ${key} already exists.`,
  );

export interface OdooErrorEnvelope {
  code: number;
  message: string;
  data: { name: string; debug: string; message: string; arguments: unknown[]; context: Record<string, unknown> };
}

/** The `error` member of the answer (without a real traceback: `debug` names the file it stands for). */
export function errorEnvelope(e: OdooException): OdooErrorEnvelope {
  const cls = e.exceptionName;
  const head = 'Traceback (most recent call last):\n  File "odoo/service/model.py", line 152, in retrying (provisioner odoo simulator)\n';
  const debug = e.cause_
    ? `${head}${e.cause_}\n\nThe above exception was the direct cause of the following exception:\n\n${head}${cls}: ${e.message}\n`
    : `${head}${cls}: ${e.message}\n`;
  return { code: 200, message: 'Odoo Server Error', data: { name: cls, debug, message: e.message, arguments: [e.message], context: {} } };
}
