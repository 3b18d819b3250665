import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable, isProvisionerError, type ProvisionerError } from '../../domain/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  hint?: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** Fastify's own client errors, by their codes, as our stable codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `https://provisioner.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extra };
}

/** A ProvisionerError as the API answers it (its code, message as detail, hint, the active run's id). */
export function problemOf(error: ProvisionerError): Problem {
  const status = error.httpStatus >= 400 && error.httpStatus < 600 ? error.httpStatus : 500;
  return problem(status, error.code, error.message, { hint: error.hint, ...('activeRunId' in error ? { active_run_id: (error as { activeRunId: string }).activeRunId } : {}) });
}

/** Request fields that failed their schema, each with its path (body.name, params.id...). */
export function validationProblem(errors: Array<{ path: string; message: string }>): Problem {
  return problem(400, 'VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors, hint: 'Fix the listed fields and send the request again.' });
}

export const databaseUnavailableProblem = (): Problem =>
  problem(503, 'DATABASE_UNAVAILABLE', 'The database is unreachable or restarting', { hint: 'Retry in a few seconds; nothing was lost. If it persists, check PostgreSQL.' });

export const internalProblem = (): Problem =>
  problem(500, 'INTERNAL', 'An unexpected error occurred; it has been logged.', { hint: 'Retry; if it persists, send the server log lines around this time to support.' });

/**
 * What the router refuses before any route runs (Fastify's `frameworkErrors`): a URL that does
 * not decode, or a path parameter longer than maxParamLength (100), which Fastify would otherwise
 * answer in its own format.
 */
export function frameworkErrorProblem(error: { code?: string; message: string }): Problem {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return problem(414, 'URI_TOO_LONG', 'A path segment is longer than 100 characters', { hint: 'Ids are UUIDs or short names; check the URL.' });
  if (error.code === 'FST_ERR_BAD_URL') return problem(400, 'BAD_URL', 'The URL does not decode', { hint: 'Percent-encode the path (RFC 3986).' });
  return problem(400, 'BAD_REQUEST', 'The request could not be routed', { hint: 'Check the method and URL against /docs.' });
}

export const routeNotFoundProblem = (method: string, path: string): Problem =>
  problem(404, 'ROUTE_NOT_FOUND', `No route ${method} ${path}`, { hint: 'See the API document at /docs.' });

/**
 * Every error leaves as application/problem+json with a stable `code` (RFC 9457). Bad input is
 * a 4xx that says what is wrong; only a bug is a 500, logged with its stack, and never leaks details.
 */
export const problemDetails = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let body: Problem;
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        path: `${error.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`,
        message: v.message ?? 'invalid',
      }));
      body = validationProblem(errors);
    } else if (isProvisionerError(error)) {
      body = problemOf(error);
      // a 429 of ours (LOGIN_THROTTLED) says when to come back
      if (body.status === 429 && error.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    } else if (isDatabaseUnavailable(error)) {
      body = databaseUnavailableProblem();
    } else if (error.code && FASTIFY_CODES[error.code]) {
      body = problem(error.statusCode ?? 400, FASTIFY_CODES[error.code]!, error.message);
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      body = problem(error.statusCode, (error.code ?? 'BAD_REQUEST').replace(/^FST_(ERR_)?/, ''), error.message);
    } else {
      request.log.error({ err: error }, 'unhandled error');
      body = internalProblem();
    }
    if (body.status >= 500 && body.code !== 'INTERNAL') request.log.warn({ code: body.code }, body.detail);
    return reply.status(body.status).type('application/problem+json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).type('application/problem+json').send(routeNotFoundProblem(request.method, request.url.split('?')[0]!));
  });
});
