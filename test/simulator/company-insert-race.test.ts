/**
 * Concurrent Company inserts (erpnext.md §2, §7.3, §15). A Company insert is validated against
 * what is committed when it starts, and builds its chart of accounts at its end; two inserts with
 * one abbreviation at the same moment both pass validate_abbr, and the second to build its chart
 * fails 409 DuplicateEntryError on "Application of Funds (Assets) - ABBR" (db_insert's primary
 * key clash [V 8848digital/frappe-v15:frappe/model/base_document.py@e0497f5]), its whole insert
 * rolled back. The tests open the window with a hold (company-inserts.ts), never with timers.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { resourcePath, serverMessages, useSimulator, type Reply } from './helpers.ts';

const client = await useSimulator();
beforeEach(() => client().sim.sim.reset());

const company = (company_name: string, abbr: string) => ({ company_name, abbr, default_currency: 'KES', country: 'Kenya' });
const insert = (values: Record<string, unknown>) => client().post(resourcePath('Company'), values);
const sim = () => client().sim.sim;

/** Nothing of a rolled-back company remains: no Company, accounts, warehouses, cost centres or Mode of Payment row. */
function assertNothingOf(name: string): void {
  assert.equal(sim().get('Company', name), undefined);
  for (const dt of ['Account', 'Warehouse', 'Cost Center']) assert.deepEqual(sim().list(dt).filter((d) => d.company === name), [], dt);
  assert.ok(sim().list('Mode of Payment').every((m) => (m.accounts as any[]).every((r) => r.company !== name)));
}

function assertChartClash(r: Reply, abbr: string): void {
  const account = `Application of Funds (Assets) - ${abbr}`;
  assert.equal(r.status, 409);
  assert.equal(r.body.exc_type, 'DuplicateEntryError');
  assert.equal(r.body.exception, `frappe.exceptions.DuplicateEntryError: ('Account', '${account}', IntegrityError(1062, "Duplicate entry '${account}' for key 'PRIMARY'"))`);
  const [m] = serverMessages(r.body);
  assert.equal(m?.message, `Account <strong>${account}</strong> already exists`);
  assert.equal(m?.title, 'Duplicate Name');
}

test('two inserts with one abbreviation at the same moment: both pass validation, the later one fails 409 on its chart and is rolled back (§15)', async () => {
  sim().holdCompanyInserts();
  const sales = insert(company('Apex Sales', 'AS'));
  const stores = insert(company('Apex Stores', 'AS'));
  // both passed validate_abbr and wrote their Company row: neither was told "Abbreviation already used"
  assert.deepEqual((await sim().companyInsertsParked(2)).sort(), ['Apex Sales', 'Apex Stores']);
  assert.equal(sim().get('Company', 'Apex Sales'), undefined, 'nothing is committed while the inserts are under way');

  assert.deepEqual(sim().releaseCompanyInserts('Apex Sales'), ['Apex Sales']);
  assert.equal((await sales).status, 200);
  sim().releaseCompanyInserts();
  const lost = await stores;
  assertChartClash(lost, 'AS');
  assertNothingOf('Apex Stores');
  assert.equal(sim().list('Account').filter((a) => a.company === 'Apex Sales').length, 81);
  assert.deepEqual(sim().duplicates(), []);
});

test('released together, the first parked wins and the other fails the same way', async () => {
  sim().holdCompanyInserts();
  const replies = [insert(company('Apex Sales', 'AS')), insert(company('Apex Stores', 'AS'))];
  const [first] = await sim().companyInsertsParked(2);
  sim().releaseCompanyInserts();
  const answered = await Promise.all(replies);
  assert.deepEqual(answered.map((r) => r.status).sort(), [200, 409]);
  const loser = answered.find((r) => r.status === 409)!;
  assertChartClash(loser, 'AS');
  assert.equal(answered.find((r) => r.status === 200)!.body.data.name, first);
  assert.deepEqual(sim().list('Company').map((c) => c.name), [first]);
});

for (const [race, excType, message] of [
  ['deadlock', 'QueryDeadlockError', "(1213, 'Deadlock found when trying to get lock; try restarting transaction')"],
  ['lock_wait_timeout', 'QueryTimeoutError', "(1205, 'Lock wait timeout exceeded; try restarting transaction')"],
] as const) {
  test(`race outcome ${race}: the loser fails 500 ${excType}, as MariaDB's lock timing makes it on a real site, and is rolled back`, async () => {
    assert.equal((await client().post('/__simulator/company-inserts', { race })).status, 200, 'the control API sets the outcome');
    sim().holdCompanyInserts();
    const replies = [insert(company('Apex Sales', 'AS')), insert(company('Apex Stores', 'AS'))];
    const [first, second] = await sim().companyInsertsParked(2);
    sim().releaseCompanyInserts();
    const answered = await Promise.all(replies);
    assert.deepEqual(answered.map((r) => r.status).sort(), [200, 500]);
    const loser = answered.find((r) => r.status === 500)!;
    assert.equal(loser.body.exc_type, excType);
    assert.match(loser.body.exception, new RegExp(message.replace(/[()]/g, '\\$&')));
    assertNothingOf(second!);
    assert.deepEqual(sim().list('Company').map((c) => c.name), [first]);
  });
}

test('abbreviations that differ only in case clash too (case-insensitive names); the loser\'s own name is in the message', async () => {
  sim().holdCompanyInserts();
  const upper = insert(company('Apex Sales', 'AS'));
  await sim().companyInsertsParked(1);
  const lower = insert(company('Apex Stores', 'as'));
  await sim().companyInsertsParked(2);
  sim().releaseCompanyInserts();
  assert.equal((await upper).status, 200);
  assertChartClash(await lower, 'as');
  assertNothingOf('Apex Stores');
});

test('one company name twice at the same moment: the second fails 409 "Company X already exists" once the first commits (§7.3)', async () => {
  sim().holdCompanyInserts();
  const a = insert(company('Apex Sales', 'AS'));
  const b = insert(company('Apex Sales', 'AS'));
  await sim().companyInsertsParked(2);
  sim().releaseCompanyInserts();
  const answered = await Promise.all([a, b]);
  assert.deepEqual(answered.map((r) => r.status).sort(), [200, 409]);
  const loser = answered.find((r) => r.status === 409)!;
  assert.equal(loser.body.exc_type, 'DuplicateEntryError');
  assert.equal(serverMessages(loser.body)[0]?.message, 'Company <strong>Apex Sales</strong> already exists');
  assert.equal(sim().list('Account').filter((x) => x.company === 'Apex Sales').length, 81);
  assert.deepEqual(sim().duplicates(), []);
});

test('after the first committed, a later insert with the abbreviation is still 417 "Abbreviation already used" and never parks (§2)', async () => {
  assert.equal((await insert(company('Apex Sales', 'AS'))).status, 200);
  sim().holdCompanyInserts();
  const r = await insert(company('Apex Stores', 'AS'));
  assert.equal(r.status, 417);
  assert.equal(serverMessages(r.body)[0]?.message, 'Abbreviation already used for another company');
  assert.deepEqual(sim().companyInsertState().parked, []);
  sim().releaseCompanyInserts();
});

test('two companies with different abbreviations at once both commit, each with its Cash row (side effects see what others committed)', async () => {
  sim().holdCompanyInserts();
  const a = insert(company('Apex Sales', 'ASL'));
  const b = insert(company('Apex Stores', 'AST'));
  await sim().companyInsertsParked(2);
  // another request changes "Cash" while both are under way
  assert.equal((await client().put(resourcePath('Mode of Payment', 'Cash'), { enabled: 1 })).status, 200);
  sim().releaseCompanyInserts();
  assert.deepEqual((await Promise.all([a, b])).map((r) => r.status), [200, 200]);
  const cashRows = (sim().get('Mode of Payment', 'Cash')!.accounts as any[]).map((r) => r.company).sort();
  assert.deepEqual(cashRows, ['Apex Sales', 'Apex Stores']);
});

test('a reset while inserts are parked fails them (500) and commits nothing', async () => {
  sim().holdCompanyInserts();
  const parked = insert(company('Apex Sales', 'AS'));
  await sim().companyInsertsParked(1);
  sim().reset();
  assert.equal((await parked).status, 500);
  assert.equal(sim().get('Company', 'Apex Sales'), undefined);
  assert.deepEqual(sim().companyInsertState(), { ms: 0, race: 'duplicate', held: false, parked: [] });
});

test('a Company insert duration (companyInsertMs) only delays the answer', async () => {
  sim().setCompanyInsertMs(5);
  assert.equal(sim().companyInsertState().ms, 5);
  const r = await insert(company('Apex Sales', 'AS'));
  assert.equal(r.status, 200);
  assert.ok(sim().get('Account', 'Application of Funds (Assets) - AS'));
  sim().setCompanyInsertMs(0);
});

test('the control API holds, reports (waiting for parked inserts) and releases Company inserts', async () => {
  const { url } = client().sim;
  const control = (path: string, body?: unknown) =>
    fetch(`${url}/__simulator/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  assert.equal((await control('company-inserts', { hold: true, ms: 0 })).status, 200);
  const a = insert(company('Apex Sales', 'AS'));
  const b = insert(company('Apex Stores', 'AS'));
  const state = await control('company-inserts?parked=2');
  assert.equal(state.body.held, true);
  assert.deepEqual([...state.body.parked].sort(), ['Apex Sales', 'Apex Stores']);
  assert.deepEqual((await control('company-inserts/release', { name: state.body.parked[0] })).body, { released: [state.body.parked[0]] });
  assert.deepEqual((await control('company-inserts/release', {})).body, { released: [state.body.parked[1]] });
  assert.deepEqual((await Promise.all([a, b])).map((r) => r.status).sort(), [200, 409]);
  assert.deepEqual((await control('company-inserts')).body, { ms: 0, race: 'duplicate', held: false, parked: [] });
  assert.equal((await control('company-inserts', { ms: -1 })).status, 400);
});
