import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';

// What a real ERPNext 15 site answers when several companies are created at the same moment
// (erpnext.md §15): each rolls the request back whole, and the same request succeeds later.
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const frappeBody = (excType: string, message: string) => ({
  exc_type: excType,
  exception: `frappe.exceptions.${excType}: ${message}`,
  _server_messages: JSON.stringify([JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1 })]),
});

const conflicts: Array<[string, number, Record<string, unknown>]> = [
  ['a deadlock (500 QueryDeadlockError)', 500, frappeBody('QueryDeadlockError', "(1213, 'Deadlock found when trying to get lock; try restarting transaction')")],
  ['the Cash row of a company committed after the snapshot (417 LinkValidationError)', 417, frappeBody('LinkValidationError', 'Could not find Row #12: Default Account: Cash - XYZ')],
  ['the Cash mode of payment saved by another insert (417 TimestampMismatchError)', 417, frappeBody('TimestampMismatchError', 'Error: Document has been modified after you have opened it')],
];

for (const [what, status, body] of conflicts) {
  test(`a Company insert refused by ${what} is tried again, and the tenant completes`, async () => {
    h.simulator.sim.injectFault({ doctype: 'Company', method: 'POST', status, count: 1, body });
    const { tenant } = await h.createTenant({ name: `Conflict ${status} ${String(body.exc_type).slice(0, 5)}`, country_code: 'KE' });
    const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
    const step = done.steps.find((s: any) => s.id === 'step_2_company');
    assert.equal(step.attempts, 2);
    const logs = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?step=step_2_company`);
    assert.ok(logs.body.logs.some((l: any) => l.code === 'ENGINE_CONFLICT'), 'the conflict is logged with its code');
    assert.deepEqual(h.simulator.sim.duplicates(), []);
  });
}

test('a deadlock on any other write is retried too', async () => {
  h.simulator.sim.injectFault({ doctype: 'Account', method: 'POST', status: 500, count: 1, body: frappeBody('QueryDeadlockError', "(1213, 'Deadlock found when trying to get lock; try restarting transaction')") });
  const { tenant } = await h.createTenant({ name: 'Deadlocked Accounts', country_code: 'KE' });
  const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});

test('a Mode of Payment still modified by others after every round is a conflict: the step is tried again, and the tenant completes', async () => {
  // 7 refusals: more than the adapter's rounds of read-and-write (6), so one step attempt gives up
  h.simulator.sim.injectFault({ doctype: 'Mode of Payment', method: 'PUT', status: 417, count: 7, body: frappeBody('TimestampMismatchError', 'Error: Document has been modified after you have opened it') });
  const { tenant } = await h.createTenant({ name: 'Contended Payments', country_code: 'KE' });
  const done = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done.errors));
  const logs = await h.call('GET', `/api/provisioning/tenants/${tenant.id}/logs?step=step_8_pos_profile`);
  assert.ok(logs.body.logs.some((l: any) => l.code === 'ENGINE_CONFLICT'), 'the contention is logged as a conflict');
  assert.deepEqual(h.simulator.sim.duplicates(), []);
});
