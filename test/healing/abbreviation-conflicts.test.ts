import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

// Common issue 1: "Abbreviation already used for another company" at step_2_company.
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const TAKEN_BODY = {
  exc_type: 'ValidationError',
  exception: 'frappe.exceptions.ValidationError: Abbreviation already used for another company',
  _server_messages: JSON.stringify([JSON.stringify({ message: 'Abbreviation already used for another company', title: 'Message', indicator: 'red', raise_exception: 1 })]),
};

test('a tenant whose initials are taken gets the next candidate, recorded on the tenant', async () => {
  const other = await h.erp('POST', '/api/resource/Company', { company_name: 'Northwind Ventures Existing', abbr: 'NV', default_currency: 'KES', country: 'Kenya' });
  assert.equal(other.status, 200, JSON.stringify(other.body));
  const { tenant } = await h.createTenant({ name: 'Northwind Ventures', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.notEqual(status.engine.abbr, 'NV');
  assert.equal(h.simulator.sim.get('Company', 'Northwind Ventures')!.abbr, status.engine.abbr);
  const shown = await h.call('GET', `/api/tenants/${tenant.id}`);
  assert.equal(shown.body.tenant.engine_facts.abbr, status.engine.abbr);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a 417 "Abbreviation already used" from a race moves on to the next candidate', async () => {
  h.simulator.sim.injectFault({ doctype: 'Company', method: 'POST', status: 417, count: 1, body: TAKEN_BODY });
  const { tenant } = await h.createTenant({ name: 'Raced Tea House', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.notEqual(status.engine.abbr, 'RTH');
  const logs = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?step=step_2_company`);
  assert.ok(logs.body.logs.some((l: any) => /Abbreviation RTH already used/.test(l.message)), 'the conflict is logged');
  const company = status.steps.find((s: any) => s.id === 'step_2_company');
  assert.match(company.message, /after abbreviation conflicts on RTH/);
});

test('two tenants with similar names provisioned at the same moment both complete, with different abbreviations', async () => {
  const [a, b] = await Promise.all([
    h.createTenant({ name: 'Sunrise Bakery', country_code: 'KE' }),
    h.createTenant({ name: 'Sunrise Butchery', country_code: 'KE' }),
  ]);
  const [sa, sb] = await Promise.all([h.waitForStatus(a.tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']), h.waitForStatus(b.tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL'])]);
  assert.equal(sa.status, 'COMPLETED', JSON.stringify(sa.errors));
  assert.equal(sb.status, 'COMPLETED', JSON.stringify(sb.errors));
  assert.notEqual(sa.engine.abbr.toUpperCase(), sb.engine.abbr.toUpperCase());
  assert.ok(sa.engine.abbr.length <= 10 && sb.engine.abbr.length <= 10);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a Company insert that loses the race while building its chart of accounts (409 on "… - ABBR") moves on to the next candidate', async () => {
  // what a real ERPNext 15 site answers the loser of two concurrent inserts with one abbreviation (erpnext.md §15)
  const message = 'Account Application of Funds (Assets) - GLH already exists';
  h.simulator.sim.injectFault({
    doctype: 'Company',
    method: 'POST',
    status: 409,
    count: 1,
    body: { exc_type: 'DuplicateEntryError', exception: `frappe.exceptions.DuplicateEntryError: ${message}`, _server_messages: JSON.stringify([JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1 })]) },
  });
  const { tenant } = await h.createTenant({ name: 'Green Leaf Hotel', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.notEqual(status.engine.abbr, 'GLH');
  const company = status.steps.find((s: any) => s.id === 'step_2_company');
  assert.equal(company.attempts, 1, 'healed inside the attempt, not by a retry');
  assert.match(company.message, /after abbreviation conflicts on GLH/);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a Company insert whose answer is lost is adopted by reading, in the same attempt, not inserted again', async () => {
  const insertsBefore = h.simulator.sim.callCount({ method: 'POST', doctype: 'Company' });
  h.simulator.sim.injectLostResponse({ doctype: 'Company', method: 'POST', count: 1 });
  const { tenant } = await h.createTenant({ name: 'Lost Answer Lodge', country_code: 'KE' });
  const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
  assert.equal(status.engine.abbr, 'LAL');
  assert.equal(status.steps.find((s: any) => s.id === 'step_2_company').attempts, 1);
  assert.equal(h.simulator.sim.callCount({ method: 'POST', doctype: 'Company' }) - insertsBefore, 1);
  assert.equal(h.simulator.sim.list('Company').filter((c) => c.company_name === 'Lost Answer Lodge').length, 1);
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});
