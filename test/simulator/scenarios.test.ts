/**
 * The guide's six errors on demand ("Common Issues" of provisioning-resolution-guide.md), each
 * answered with the message ERPNext's own validation gives (erpnext.md §2, §3, §5, §12).
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { ACME, clientFor, createCompany, posProfilePayload, resourcePath, serverMessages, useSimulator } from './helpers.ts';

const client = await useSimulator();
const control = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${client().sim.url}/__simulator${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
beforeEach(() => client().sim.sim.reset());

const message = (body: Record<string, any>) => serverMessages(body)[0]?.message;
/** What step_4 makes: "Main Store - ACM". */
const mainStore = () => client().post(resourcePath('Warehouse'), { warehouse_name: 'Main Store', company: ACME.company_name, parent_warehouse: 'All Warehouses - ACM' });

test('the control API lists the six scenarios', async () => {
  assert.deepEqual((await control('GET', '/scenarios')).body.data, [
    'abbreviation_taken', 'mode_of_payment_account_missing', 'warehouse_missing', 'write_off_missing', 'engine_down', 'engine_updating',
  ]);
});

test('abbreviation_taken: the next Company insert gets validate_abbr\'s 417, unapplied; the one after passes (guide issue 1, §2)', async () => {
  const c = client();
  assert.equal((await control('POST', '/scenarios', { name: 'abbreviation_taken' })).status, 200);
  const r = await c.post(resourcePath('Company'), ACME);
  assert.equal(r.status, 417);
  assert.equal(r.body.exc_type, 'ValidationError');
  assert.equal(r.body.exception, 'frappe.exceptions.ValidationError: Abbreviation already used for another company');
  assert.deepEqual(serverMessages(r.body), [{ message: 'Abbreviation already used for another company', title: 'Message', indicator: 'red', raise_exception: 1 }]);
  assert.equal(c.sim.sim.count('Company'), 0);
  assert.equal((await c.post(resourcePath('Company'), ACME)).status, 200);
});

test('mode_of_payment_account_missing: the company\'s Cash row goes, a POS Profile fails with the real message (guide issue 2, §5)', async () => {
  const c = client();
  await createCompany(c);
  const r = await control('POST', '/scenarios', { name: 'mode_of_payment_account_missing', company: ACME.company_name });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(c.sim.sim.get('Mode of Payment', 'Cash')?.accounts, []);
  const profile = await c.post(resourcePath('POS Profile'), posProfilePayload());
  assert.equal(profile.status, 417);
  assert.equal(message(profile.body), `Please set default Cash or Bank account in Mode of Payments <a href="${c.sim.url}/app/mode-of-payment/Cash">Cash</a>`);
});

test('warehouse_missing: "Main Store - ABBR" is deleted, a link to it is "Could not find Warehouse: ..." (guide issue 3, §3, §7.2)', async () => {
  const c = client();
  await createCompany(c);
  assert.equal((await mainStore()).status, 200);
  assert.equal((await control('POST', '/scenarios', { name: 'warehouse_missing', company: ACME.company_name })).status, 200);
  assert.equal(c.sim.sim.get('Warehouse', 'Main Store - ACM'), undefined);
  const profile = await c.post(resourcePath('POS Profile'), posProfilePayload({ warehouse: 'Main Store - ACM' }));
  assert.equal(profile.status, 417);
  assert.equal(profile.body.exc_type, 'LinkValidationError');
  assert.equal(message(profile.body), 'Could not find Warehouse: Main Store - ACM');
});

test('write_off_missing: the company default is cleared and the unused account deleted (guide issue 4, §2, §5)', async () => {
  const c = client();
  await createCompany(c);
  assert.equal(c.sim.sim.get('Company', ACME.company_name)?.write_off_account, 'Write Off - ACM');
  assert.equal((await control('POST', '/scenarios', { name: 'write_off_missing', company: ACME.company_name })).status, 200);
  assert.equal(c.sim.sim.get('Company', ACME.company_name)?.write_off_account, null);
  assert.equal(c.sim.sim.get('Account', 'Write Off - ACM'), undefined);
  // a client that sends the company's (now empty) defaults meets the guide's mandatory error
  const profile = await c.post(resourcePath('POS Profile'), posProfilePayload({ write_off_account: null, write_off_cost_center: null }));
  assert.equal(profile.status, 417);
  assert.equal(profile.body.exc_type, 'MandatoryError');
  assert.match(profile.body.exception, /write_off_account, write_off_cost_center/);
});

test('write_off_missing keeps an account something still links to', async () => {
  const c = client();
  await createCompany(c);
  assert.equal((await c.post(resourcePath('POS Profile'), posProfilePayload())).status, 200);
  const r = await control('POST', '/scenarios', { name: 'write_off_missing', company: ACME.company_name });
  assert.match(r.body.done, /still linked, kept/);
  assert.ok(c.sim.sim.get('Account', 'Write Off - ACM'));
});

test('without a company, the company scenarios wait for the next POS Profile insert and hit its company', async () => {
  const c = client();
  await createCompany(c);
  await mainStore();
  await control('POST', '/scenarios', { name: 'warehouse_missing' });
  assert.ok(c.sim.sim.get('Warehouse', 'Main Store - ACM'), 'armed, not applied yet');
  assert.equal((await control('GET', '/state')).body.armedScenarios[0].name, 'warehouse_missing');
  const profile = await c.post(resourcePath('POS Profile'), posProfilePayload({ warehouse: 'Main Store - ACM' }));
  assert.equal(message(profile.body), 'Could not find Warehouse: Main Store - ACM');
  assert.equal(c.sim.sim.faultState().armedScenarios.length, 0, 'consumed');
});

test('engine_down drops Frappe connections until ended; the control API answers (guide issue 5)', async () => {
  const c = client();
  await control('POST', '/scenarios', { name: 'engine_down' });
  await assert.rejects(fetch(`${c.sim.url}/api/method/ping`));
  await control('POST', '/scenarios', { name: 'engine_down', active: false });
  assert.equal((await c.get('/api/method/ping')).status, 200);
});

test('engine_updating: every request, ping included, is 503 SessionStopped as in maintenance mode (§12, frappe app.py init_request)', async () => {
  const c = client();
  await control('POST', '/scenarios', { name: 'engine_updating' });
  const ping = await c.get('/api/method/ping');
  assert.equal(ping.status, 503);
  assert.equal(ping.body.exc_type, 'SessionStopped');
  assert.equal(ping.body.exception, 'frappe.exceptions.SessionStopped: Session Stopped');
  const write = await c.post(resourcePath('Company'), ACME);
  assert.equal(write.status, 503);
  assert.equal(c.sim.sim.count('Company'), 0);
  const page = await c.get('/api/method/ping', { Accept: 'text/html' });
  assert.match(page.body._text, /The system is being updated\. Please refresh again after a few moments\./, 'response.py handle_session_stopped');
  await control('POST', '/updating', { updating: false });
  assert.equal((await c.get('/api/method/ping')).status, 200);
});

test('a scenario on a company that does not exist is a 400, and unknown names are refused', async () => {
  const r = await control('POST', '/scenarios', { name: 'warehouse_missing', company: 'Nobody' });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /Company Nobody not found/);
  assert.equal((await control('POST', '/scenarios', { name: 'meteor_strike' })).status, 400);
});

test('scenarios and down are start-up options too', async () => {
  const sim = await startErpnextSimulator({ scenarios: [{ name: 'abbreviation_taken' }, { name: 'engine_updating' }] });
  try {
    const c = clientFor(sim);
    assert.equal((await c.get('/api/method/ping')).status, 503);
    sim.sim.setUpdating(false);
    assert.equal((await c.post(resourcePath('Company'), ACME)).status, 417);
  } finally {
    await sim.close();
  }
  const down = await startErpnextSimulator({ down: true });
  try {
    await assert.rejects(fetch(`${down.url}/api/method/ping`));
  } finally {
    await down.close();
  }
});
