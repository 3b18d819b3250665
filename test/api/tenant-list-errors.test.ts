/**
 * The tenant list carries each tenant's last error code (provisioning.last_error_code), so that
 * the dashboard's fleet table needs no status request per row.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

test('the list, the tenant and the creation answer name the last error code; null without a failed step', async () => {
  const ok = await h.createTenant({ name: 'Clean List Shop', country_code: 'KE' });
  assert.equal(ok.provisioning.last_error_code, null);
  await h.waitForStatus(ok.tenant.id, ['COMPLETED']);
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 100 });
  let failed;
  try {
    failed = await h.createTenant({ name: 'Failed List Shop', country_code: 'KE' });
    await h.waitForStatus(failed.tenant.id, ['FAILED']);
  } finally {
    h.simulator.sim.clearFaults();
  }
  const status = (await h.call('GET', `/api/provisioning/tenants/${failed.tenant.id}/status`)).body;
  const code = status.errors.at(-1).code;
  assert.equal(code, 'ENGINE_VALIDATION');

  const list = (await h.call('GET', '/api/tenants')).body.tenants;
  const byId = new Map(list.map((t: any) => [t.id, t.provisioning.last_error_code]));
  assert.equal(byId.get(failed.tenant.id), code);
  assert.equal(byId.get(ok.tenant.id), null);
  assert.equal((await h.call('GET', `/api/tenants/${failed.tenant.id}`)).body.provisioning.last_error_code, code);

  // a continue that succeeds clears it
  assert.equal((await h.call('POST', `/api/provisioning/tenants/${failed.tenant.id}/continue`)).status, 202);
  await h.waitForStatus(failed.tenant.id, ['COMPLETED']);
  const after = (await h.call('GET', '/api/tenants?status=COMPLETED')).body.tenants.find((t: any) => t.id === failed.tenant.id);
  assert.equal(after.provisioning.last_error_code, null);
});
