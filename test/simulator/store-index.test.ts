/**
 * The store's field indexes (a site of 1000 tenants holds ~100 000 accounts: a list filtered by
 * company must not scan them all). `where` answers what a scan with sameText answered, in the
 * same order, this request's writes included, and stays right as documents change or go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DocumentStore } from '../../src/simulator/erpnext/store.ts';
import type { Doc } from '../../src/simulator/erpnext/meta.ts';

const account = (name: string, company: string | null, extra: Record<string, unknown> = {}): Doc => ({ doctype: 'Account', name, company, ...extra }) as Doc;
const names = (docs: Doc[]) => docs.map((d) => d.name);
/** What `where` must answer: the scan it replaces. */
const scan = (docs: Doc[], company: string) => names(docs.filter((d) => String(d.company ?? '').toLowerCase() === company.toLowerCase()));

test('where finds the documents of a field value, case-insensitively, in insertion order, as a scan would', () => {
  const store = new DocumentStore();
  const tx = store.begin();
  for (let i = 0; i < 30; i++) tx.put(account(`A${i}`, i % 3 === 0 ? 'Acme' : i % 3 === 1 ? 'Beta' : null));
  tx.commit();
  const read = store.begin();
  assert.deepEqual(names(read.where('Account', 'company', 'acme')), scan(read.list('Account'), 'acme'));
  assert.deepEqual(names(read.where('Account', 'company', 'ACME')).length, 10);
  assert.deepEqual(names(read.where('Account', 'company', '')), scan(read.list('Account'), ''), 'null is the empty text');
  assert.deepEqual(read.where('Account', 'company', 'Nobody'), []);
});

test('the index follows commits: a changed value moves, a deleted document goes, a re-inserted one comes last', () => {
  const store = new DocumentStore();
  const tx = store.begin();
  for (const n of ['A1', 'A2', 'A3', 'A4']) tx.put(account(n, 'Acme'));
  tx.commit();
  assert.deepEqual(names(store.begin().where('Account', 'company', 'Acme')), ['A1', 'A2', 'A3', 'A4']); // builds the index

  const change = store.begin();
  change.put(account('A2', 'Beta'));
  change.remove('Account', 'A3');
  change.put(account('A1', 'Acme', { account_number: '1' }));
  change.commit();
  const again = store.begin();
  again.put(account('A3', 'Acme'));
  again.commit();

  const read = store.begin();
  assert.deepEqual(names(read.where('Account', 'company', 'Acme')), ['A1', 'A4', 'A3']);
  assert.deepEqual(names(read.where('Account', 'company', 'Acme')), scan(read.list('Account'), 'Acme'));
  assert.deepEqual(names(read.where('Account', 'company', 'Beta')), ['A2']);
  assert.equal(read.where('Account', 'company', 'Acme')[0]!.account_number, '1', 'the current version of a document');
});

test("a request's own writes are seen before they commit, in list order, and by no one else", () => {
  const store = new DocumentStore();
  const tx = store.begin();
  for (const n of ['A1', 'A2', 'A3']) tx.put(account(n, 'Acme'));
  tx.commit();
  const request = store.begin();
  request.put(account('B1', 'Acme'));
  request.put(account('A2', 'Beta'));
  request.remove('Account', 'A3');
  request.put(account('A1', 'ACME', { account_number: '9' }));
  assert.deepEqual(names(request.where('Account', 'company', 'acme')), scan(request.list('Account'), 'acme'));
  assert.deepEqual(names(request.where('Account', 'company', 'acme')), ['A1', 'B1']);
  assert.deepEqual(names(store.begin().where('Account', 'company', 'acme')), ['A1', 'A2', 'A3'], 'nothing visible before commit');
});

test('find answers as before through the index, numbers still compared as numbers', () => {
  const store = new DocumentStore();
  const tx = store.begin();
  tx.put(account('A1', 'Acme', { is_group: 1, account_type: 'Cash' }));
  tx.put(account('A2', 'Acme', { is_group: 0, account_type: 'Cash' }));
  tx.put(account('A3', 'Beta', { is_group: 0, account_type: 'Cash' }));
  tx.commit();
  const read = store.begin();
  assert.equal(read.find('Account', { company: 'acme', is_group: 0, account_type: 'cash' })?.name, 'A2');
  assert.equal(read.find('Account', { company: 'Beta', is_group: '0' })?.name, 'A3');
  assert.equal(read.find('Account', { company: 'Gamma' }), undefined);
});
