import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

// Common issues 2, 3 and 4, all at step_8_pos_profile.
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const enc = encodeURIComponent;
const step = (status: any, id: string) => status.steps.find((s: any) => s.id === id);

async function completedTenant(name: string) {
  const { tenant } = await h.createTenant({ name, country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  return { id: tenant.id as string, company: name, abbr: status.engine.abbr as string, profile: `${name} POS` };
}

async function retryFrom(id: string, stepId: string) {
  const res = await h.call('POST', `/api/provisioning/tenants/${id}/retry`, { step: stepId });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return h.waitForStatus(id, ['COMPLETED', 'FAILED', 'PARTIAL']);
}

test('issue 2: a Mode of Payment row missing for this company is added, other companies\' rows kept', async () => {
  const first = await completedTenant('Mpesa One');
  const t = await completedTenant('Mpesa Two');
  // someone removes this company's Cash and M-Pesa rows and the profile in the engine
  for (const mode of ['Cash', 'M-Pesa']) {
    const doc = (await h.erp('GET', `/api/resource/Mode of Payment/${enc(mode)}`)).body.data;
    const kept = doc.accounts.filter((r: any) => r.company !== t.company).map((r: any) => ({ name: r.name, company: r.company, default_account: r.default_account }));
    assert.equal((await h.erp('PUT', `/api/resource/Mode of Payment/${enc(mode)}`, { accounts: kept })).status, 200);
  }
  h.simulator.sim.deleteDocument('POS Profile', t.profile);
  // the engine now refuses a profile exactly as the guide says
  const refused = await h.erp('POST', '/api/resource/POS Profile', {
    __newname: 'Probe', company: t.company, currency: 'KES', warehouse: `Main Store - ${t.abbr}`, write_off_account: `Write Off - ${t.abbr}`, write_off_cost_center: `Main - ${t.abbr}`, payments: [{ mode_of_payment: 'Cash', default: 1 }],
  });
  assert.equal(refused.status, 417);
  assert.match(refused.body._server_messages, /Please set default Cash or Bank account in Mode of Payments/);

  const healed = await retryFrom(t.id, 'step_8_pos_profile');
  assert.equal(healed.status, 'COMPLETED', JSON.stringify(healed.errors));
  const mpesa = (await h.erp('GET', `/api/resource/Mode of Payment/M-Pesa`)).body.data;
  assert.ok(mpesa.accounts.some((r: any) => r.company === t.company && r.default_account === `M-Pesa - ${t.abbr}`));
  assert.ok(mpesa.accounts.some((r: any) => r.company === first.company), 'the other company keeps its row');
  const cash = (await h.erp('GET', `/api/resource/Mode of Payment/Cash`)).body.data;
  assert.ok(cash.accounts.some((r: any) => r.company === t.company && r.default_account === `Cash - ${t.abbr}`));
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('issue 2: an existing Mode of Payment is never adopted without checking its row for this company', async () => {
  const created = await h.erp('POST', '/api/resource/Mode of Payment', { mode_of_payment: 'Airtel Money', type: 'Phone', enabled: 1 });
  assert.equal(created.status, 200);
  const { tenant } = await h.createTenant({ name: 'Airtel Shop', country_code: 'UG', provisioning: { payment_methods: ['Cash', 'Airtel Money'] } });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  const mode = (await h.erp('GET', `/api/resource/Mode of Payment/${enc('Airtel Money')}`)).body.data;
  const row = mode.accounts.find((r: any) => r.company === 'Airtel Shop');
  assert.equal(row.default_account, `Airtel Money - ${status.engine.abbr}`);
  const account = (await h.erp('GET', `/api/resource/Account/${enc(row.default_account)}`)).body.data;
  assert.equal(account.is_group, 0);
  assert.equal(account.account_type, 'Bank');
  assert.equal(account.parent_account, `Bank Accounts - ${status.engine.abbr}`);
});

test('issue 3: when step_4 fails, step_8 creates the warehouse it needs and continue completes', async () => {
  h.simulator.sim.injectFault({ doctype: 'Warehouse', method: 'POST', status: 417, count: 1 });
  const { tenant } = await h.createTenant({ name: 'No Store Shop', country_code: 'KE' });
  const partial = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(partial.status, 'PARTIAL', JSON.stringify(partial.errors));
  assert.equal(step(partial, 'step_4_warehouses').status, 'failed');
  assert.equal(step(partial, 'step_8_pos_profile').status, 'completed');
  const abbr = partial.engine.abbr;
  assert.equal(h.simulator.sim.get('POS Profile', 'No Store Shop POS')!.warehouse, `Main Store - ${abbr}`);
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`);
  assert.equal(res.status, 202);
  const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('issue 3: a warehouse deleted in the engine is recreated under its full name', async () => {
  const t = await completedTenant('Deleted Store Shop');
  h.simulator.sim.deleteDocument('Warehouse', `Main Store - ${t.abbr}`);
  h.simulator.sim.deleteDocument('POS Profile', t.profile);
  const healed = await retryFrom(t.id, 'step_8_pos_profile');
  assert.equal(healed.status, 'COMPLETED', JSON.stringify(healed.errors));
  assert.ok(h.simulator.sim.get('Warehouse', `Main Store - ${t.abbr}`));
  assert.equal(h.simulator.sim.get('POS Profile', t.profile)!.warehouse, `Main Store - ${t.abbr}`);
});

test('issue 4: write-off account and cost centre are found or created and always set', async () => {
  const t = await completedTenant('Write Off Shop');
  h.simulator.sim.deleteDocument('POS Profile', t.profile);
  assert.equal((await h.erp('PUT', `/api/resource/Company/${enc(t.company)}`, { write_off_account: '', cost_center: '' })).status, 200);
  h.simulator.sim.deleteDocument('Account', `Write Off - ${t.abbr}`);
  const healed = await retryFrom(t.id, 'step_8_pos_profile');
  assert.equal(healed.status, 'COMPLETED', JSON.stringify(healed.errors));
  const profile = h.simulator.sim.get('POS Profile', t.profile)!;
  assert.equal(profile.write_off_account, `Write Off - ${t.abbr}`);
  assert.equal(profile.write_off_cost_center, `Main - ${t.abbr}`);
  assert.ok(h.simulator.sim.get('Account', `Write Off - ${t.abbr}`));
  const company = h.simulator.sim.get('Company', t.company)!;
  assert.equal(company.write_off_account, `Write Off - ${t.abbr}`, 'the company\'s default is restored too');
  assert.equal(company.cost_center, `Main - ${t.abbr}`);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

for (const [name, spec, symptom] of [
  ['issue 2', { name: 'mode_of_payment_account_missing', mode_of_payment: 'M-Pesa' }, /Please set default Cash or Bank account in Mode of Payments/],
  ['issue 3', { name: 'warehouse_missing' }, /Could not find Warehouse: Main Store - /],
  ['issue 4', { name: 'write_off_missing' }, /Could not find Write Off Account|write_off_account/],
] as const) {
  test(`${name}: a record that vanishes between step_8's checks and its insert is healed in the same attempt`, async () => {
    h.simulator.sim.scenario(spec);
    const { tenant } = await h.createTenant({ name: `Vanishing ${name}`, country_code: 'KE' });
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    assert.equal(step(status, 'step_8_pos_profile').attempts, 1);
    const logs = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?step=step_8_pos_profile`);
    assert.ok(logs.body.logs.some((l: any) => symptom.test(l.message) && /ensuring the POS Profile's records again/.test(l.message)), 'the engine\'s own message is logged with the heal');
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  });
}

test('a record that vanishes again on the second pass fails the step with the engine\'s message; Continue heals it', async () => {
  h.simulator.sim.scenario({ name: 'mode_of_payment_account_missing', mode_of_payment: 'M-Pesa', count: 2 });
  const { tenant } = await h.createTenant({ name: 'Twice Vanished Shop', country_code: 'KE' });
  const failed = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(failed.status, 'FAILED');
  assert.equal(failed.current_step, 'step_8_pos_profile');
  assert.match(failed.errors[0].error, /Please set default Cash or Bank account in Mode of Payments M-Pesa/);
  const res = await h.call('POST', `/api/provisioning/tenants/${tenant.id}/continue`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const healed = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(healed.status, 'COMPLETED', JSON.stringify(healed.errors));
});
