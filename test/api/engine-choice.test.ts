import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

/**
 * POST /api/tenants (`engine_id`) and /api/iam/tenants (`engine`) name the engine by its id or by
 * its kind: the replaced system's monitor script sends `"engine": "erpnext"`.
 */
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const register = (id: string, kind: string) =>
  h.call(
    'POST',
    '/api/engines',
    kind === 'odoo'
      ? { id, kind, base_url: h.simulator.url, database: 'odoo', login: 'admin', api_key: 'odoo-key' }
      : { id, kind, base_url: h.simulator.url, api_key: h.simulator.apiKey, api_secret: h.simulator.apiSecret },
  );

test('the replaced system\'s body with "engine": "erpnext" provisions on the default engine', async () => {
  const res = await h.call('POST', '/api/iam/tenants', { name: 'Kind Shop', country_code: 'KE', engine: 'erpnext' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.tenant.engine_id, 'default');
  assert.equal((await h.waitForStatus(res.body.tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])).status, 'COMPLETED');
});

test('an engine id wins over a kind, and a kind whose default engine is of another kind picks the first of the kind', async () => {
  const none = await h.call('POST', '/api/tenants', { name: 'Odoo Kind Shop', country_code: 'KE', engine_id: 'odoo' });
  assert.equal(none.status, 400);
  assert.equal(none.body.code, 'ENGINE_NOT_REGISTERED');
  assert.match(none.body.detail, /No engine of kind "odoo"/);

  assert.equal((await register('odoo-eu', 'odoo')).status, 201);
  assert.equal((await register('odoo-us', 'odoo')).status, 201);
  assert.equal((await register('erp-second', 'erpnext')).status, 201);

  const byKind = await h.call('POST', '/api/tenants', { name: 'Odoo Kind Shop', country_code: 'KE', engine_id: 'odoo', provisioning: { auto_start: false } });
  assert.equal(byKind.status, 201, JSON.stringify(byKind.body));
  assert.equal(byKind.body.tenant.engine_id, 'odoo-eu');

  const byId = await h.call('POST', '/api/tenants', { name: 'Second Engine Shop', country_code: 'KE', engine_id: 'erp-second', provisioning: { auto_start: false } });
  assert.equal(byId.body.tenant.engine_id, 'erp-second');

  const erpnextKind = await h.call('POST', '/api/tenants', { name: 'Default Kind Shop', country_code: 'KE', engine_id: 'erpnext', provisioning: { auto_start: false } });
  assert.equal(erpnextKind.body.tenant.engine_id, 'default', 'the default engine is preferred among those of its kind');
});

test('an unknown engine is a 400 ENGINE_NOT_REGISTERED that creates nothing', async () => {
  const before = (await h.call('GET', '/api/tenants')).body.tenants.length;
  const unknown = await h.call('POST', '/api/tenants', { name: 'Nowhere Shop', country_code: 'KE', engine_id: 'sap' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.code, 'ENGINE_NOT_REGISTERED');
  assert.match(unknown.body.hint, /engine kind \(erpnext, odoo\)/);
  assert.equal((await h.call('GET', '/api/tenants')).body.tenants.length, before);
});
