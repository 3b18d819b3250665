import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The operator dashboard (issue 14): the single-page app that scripts/build.mjs builds from web/
 * into dist/web/ with Vite. Not part of the API: its routes are hidden from the OpenAPI document.
 * Both src/api/routes/ (tsx) and dist/api/routes/ (compiled) sit three folders below the repository root.
 */
export const DASHBOARD_DIR = path.resolve(import.meta.dirname, '../../../dist/web');

/**
 * The client routes of the app (web/src/app.tsx routes the same paths): each answers index.html,
 * and the app draws the page. Listed one by one, so no client route can shadow /api, /docs,
 * /metrics or /health; any other path stays the API's 404 problem document.
 */
export const DASHBOARD_PAGES = ['/', '/login', '/tenants', '/tenants/:id', '/engines', '/users', '/webhooks'] as const;

/** Hashed file names under /assets/: cached for a year; index.html is always revalidated. */
export const dashboardRoutes: FastifyPluginAsync<{ dir?: string }> = async (app: FastifyInstance, opts) => {
  const dir = opts.dir ?? DASHBOARD_DIR;
  const indexFile = path.join(dir, 'index.html');
  const built = existsSync(indexFile);
  const index = built
    ? readFileSync(indexFile, 'utf8')
    : '<!doctype html><html lang="en"><meta charset="utf-8"><title>Provisioner</title><main><h1>Dashboard not built</h1><p>Run <code>npm run build</code>, then restart the server.</p></main></html>';

  if (built && existsSync(path.join(dir, 'assets'))) {
    await app.register(fastifyStatic, {
      root: path.join(dir, 'assets'),
      prefix: '/assets/',
      schemaHide: true,
      index: false,
      wildcard: false,
      immutable: true,
      maxAge: '365d',
    });
  }

  for (const page of DASHBOARD_PAGES) {
    app.get(page, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(built ? 200 : 503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
        .send(index),
    );
  }
};
