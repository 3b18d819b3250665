/**
 * The API serves the dashboard (built into dist/web/ by `npm run build`) at / and at each client
 * route, its hashed assets under /assets/, and nothing else: /api, /docs, /metrics and /health
 * answer as before, and an unknown path is still the API's 404 problem document.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from '../support/harness.ts';
import { DASHBOARD_DIR, DASHBOARD_PAGES } from '../../src/api/routes/dashboard.ts';

let h: Harness;
before(async () => {
  assert.ok(existsSync(path.join(DASHBOARD_DIR, 'index.html')), 'dist/web/index.html: `npm test` builds it first (pretest)');
  h = await startHarness();
});
after(() => h.close());

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${h.api}${p}`, { headers });

test('/ and every client route answer the app, revalidated, with a content security policy', async () => {
  for (const page of DASHBOARD_PAGES) {
    const res = await get(page.replace(':id', randomUUID()));
    assert.equal(res.status, 200, page);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/, page);
    assert.equal(res.headers.get('cache-control'), 'no-cache', page);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/, page);
    const html = await res.text();
    assert.match(html, /<div id="app"><\/div>/, page);
  }
});

test('the assets index.html names are served with their types, cached for good', async () => {
  const html = await (await get('/')).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join(', '));
  for (const asset of assets) {
    const res = await get(asset);
    assert.equal(res.status, 200, asset);
    assert.match(res.headers.get('content-type') ?? '', asset.endsWith('.js') ? /javascript/ : /text\/css/, asset);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/, asset);
  }
  assert.equal((await get('/assets/missing.js')).status, 404);
});

test('the API, its document, the metrics and the health checks are not shadowed', async () => {
  const unknownApi = await get('/api/nothing-here');
  assert.equal(unknownApi.status, 404);
  assert.equal(((await unknownApi.json()) as { code: string }).code, 'ROUTE_NOT_FOUND');
  const unknownPage = await get('/nothing-here', { accept: 'text/html' });
  assert.equal(unknownPage.status, 404);
  assert.match(unknownPage.headers.get('content-type') ?? '', /problem\+json/);
  assert.equal((await get('/api/tenants')).status, 401);
  assert.equal((await get('/health')).status, 200);
  assert.match(await (await get('/metrics')).text(), /provisioner_/);
  const doc = (await (await get('/docs/json')).json()) as { paths: Record<string, unknown> };
  assert.ok(!Object.keys(doc.paths).some((p) => p === '/' || p.startsWith('/assets') || p === '/login'), 'the dashboard is not in the API document');
  assert.equal((await get('/docs')).status < 400, true);
});
