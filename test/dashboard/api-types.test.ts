/**
 * The dashboard's API types (web/src/api/schema.d.ts) are generated from the OpenAPI document the
 * app serves: a route or schema changed without `npm run api-types` fails here, and the dashboard's
 * typecheck then tells which page no longer matches the API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_TYPES_FILE, apiTypes } from '../../scripts/openapi-types.ts';

test('web/src/api/schema.d.ts is what `npm run api-types` writes from the current OpenAPI document', async () => {
  const fresh = await apiTypes();
  const committed = readFileSync(API_TYPES_FILE, 'utf8');
  assert.ok(fresh === committed, 'web/src/api/schema.d.ts is stale: run `npm run api-types` and commit it');
  for (const path of ['/api/tenants', '/api/provisioning/tenants/{id}/status', '/api/provisioning/tenants/{id}/continue', '/api/engines/{id}/health', '/api/users']) {
    assert.ok(committed.includes(`"${path}": {`), path);
  }
});
