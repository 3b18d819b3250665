import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validationProblem } from './problem-details.ts';

/** PostgreSQL cannot store U+0000 in text or jsonb: it must never get that far. */
const NUL = '\u0000';

/** The parts of a request a route reads, as its schema declares them, with their name in error paths. */
const PARTS = [
  ['params', 'params'],
  ['querystring', 'query'],
  ['body', 'body'],
  ['headers', 'headers'],
] as const;

/**
 * Where a NUL hides in a value: a string, or any key or string inside objects and arrays.
 * Iterative, because a 256 KB body can nest 100,000 levels deep.
 */
function findNul(root: unknown, rootPath: string): string | null {
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return at;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = Array.isArray(value) ? `${at}.${key}` : `${at}.${key.replaceAll(NUL, '\\u0000')}`;
        if (key.includes(NUL)) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}

/**
 * Rejects a NUL character in anything a route reads (path, query string, body, the headers it
 * declares) with 400 VALIDATION_FAILED, before its schema or SQL sees it. Control characters that
 * a given field cannot hold are refused by that field's schema (src/api/schemas.ts).
 */
export const inputHygiene = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request: FastifyRequest, reply) => {
    const schema = request.routeOptions.schema as Record<string, unknown> | undefined;
    if (!schema) return;
    for (const [part, name] of PARTS) {
      if (!schema[part]) continue;
      let value: unknown;
      if (part === 'headers') {
        // only the headers the route declares: the others are never read
        const declared = Object.keys((schema.headers as { shape?: Record<string, unknown> }).shape ?? {});
        value = Object.fromEntries(declared.map((h) => [h, request.headers[h]]));
      } else {
        value = request[name as 'params' | 'query' | 'body'];
      }
      const at = findNul(value, part);
      if (at) {
        return reply
          .status(400)
          .type('application/problem+json')
          .send(validationProblem([{ path: at, message: 'must not contain a NUL character (U+0000)' }]));
      }
    }
  });
});
