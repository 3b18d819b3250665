/** The data file: in memory by default, documents kept across restarts with `dataFile` (issue 3 §5). */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DataFileError, startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { ACME, clientFor, createCompany, resourcePath } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'erpnext-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('without a data file, a restart starts from the fixtures', async () => {
  const first = await startErpnextSimulator();
  await createCompany(clientFor(first));
  await first.close();
  const second = await startErpnextSimulator();
  assert.equal(second.sim.count('Company'), 0);
  await second.close();
});

test('with a data file, documents and naming series survive a restart', async () => {
  const file = path.join(dir, 'site.json');
  const first = await startErpnextSimulator({ dataFile: file });
  const c = clientFor(first);
  await createCompany(c);
  const session = await c.post(resourcePath('Customer'), { customer_name: 'Walk-in' });
  assert.equal(session.status, 200);
  await first.close(); // flushes the pending write

  const second = await startErpnextSimulator({ dataFile: file });
  const c2 = clientFor(second);
  assert.equal((await c2.get(resourcePath('Company', ACME.company_name))).body.data.abbr, 'ACM');
  assert.equal(second.sim.list('Warehouse').length, 5);
  assert.deepEqual(second.sim.get('Mode of Payment', 'Cash')?.accounts && (second.sim.get('Mode of Payment', 'Cash')!.accounts as any[]).map((r) => r.company), [ACME.company_name]);
  assert.equal((await c2.post(resourcePath('Customer'), { customer_name: 'Walk-in' })).body.data.name, 'Walk-in - 1', 'the stored customer is seen');
  await second.close();
});

test('writes are atomic (temp file renamed, none left) and land shortly after a burst', async () => {
  const file = path.join(dir, 'burst.json');
  const sim = await startErpnextSimulator({ dataFile: file });
  const c = clientFor(sim);
  await Promise.all(Array.from({ length: 10 }, (_, i) => c.post(resourcePath('Customer'), { customer_name: `Burst ${i}` })));
  // the debounced write lands on its own, without a close: wait for it, however slow the machine
  const stored = () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).tables?.Customer?.length ?? 0) : 0);
  while (stored() < 10) await new Promise((r) => setTimeout(r, 50));
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(saved.format, 'erpnext-simulator-data');
  assert.equal(saved.tables.Customer.length, 10);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  await sim.close();
});

test('reset rewrites the file with the fixtures', async () => {
  const file = path.join(dir, 'reset.json');
  const sim = await startErpnextSimulator({ dataFile: file });
  await createCompany(clientFor(sim));
  sim.sim.reset();
  await sim.close();
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).tables.Company, undefined);
});

test('a file that is not a simulator data file is refused with a clear error', async () => {
  const file = path.join(dir, 'other.json');
  writeFileSync(file, '{"hello": "world"}');
  await assert.rejects(startErpnextSimulator({ dataFile: file }), (e: Error) => e instanceof DataFileError && /not an ERPNext simulator data file/.test(e.message));
});

test('the data file is readable by its owner only (0600), also when an older one was not', async () => {
  const file = path.join(dir, 'private.json');
  const first = await startErpnextSimulator({ dataFile: file });
  await createCompany(clientFor(first));
  await first.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  chmodSync(file, 0o644);
  const second = await startErpnextSimulator({ dataFile: file });
  const session = await clientFor(second).post(resourcePath('Customer'), { customer_name: 'Walk-in' });
  assert.equal(session.status, 200);
  await second.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a background save writes a chunk at a time and lets the event loop run between chunks; a flush meanwhile wins', async () => {
  const { DataFile } = await import('../../src/simulator/erpnext/persistence.ts');
  const { DocumentStore } = await import('../../src/simulator/erpnext/store.ts');
  const file = path.join(dir, 'chunks.json');
  const store = new DocumentStore();
  const put = (from: number, to: number) => {
    const tx = store.begin();
    // ~2 MB of documents: several chunks
    for (let i = from; i < to; i++) tx.put({ doctype: 'Customer', name: `Customer ${i}`, customer_name: `Customer ${i}`, notes: 'x'.repeat(200) } as any);
    tx.commit();
  };
  put(0, 8000);
  const dataFile = new DataFile(file, store, 0);
  dataFile.scheduleSave();
  // the save starts on its timer; then other work runs while it is under way
  for (let turns = 0; !dataFile.saving; turns++) {
    assert.ok(turns < 100_000, 'a background save started');
    await new Promise((r) => setImmediate(r));
  }
  let ranMeanwhile = 0;
  while (dataFile.saving) {
    ranMeanwhile++;
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(ranMeanwhile > 1, `the event loop ran ${ranMeanwhile} time(s) during the save`);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).tables.Customer.length, 8000);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'a background save keeps the file private too');

  // a change, its background save started, then a flush (close): the file holds the newest state
  // (a new DataFile: this one would wait 20× its last save before the next)
  const closing = new DataFile(file, store, 0);
  put(8000, 8001);
  closing.scheduleSave();
  for (let turns = 0; !closing.saving; turns++) {
    assert.ok(turns < 100_000, 'a background save started');
    await new Promise((r) => setImmediate(r));
  }
  put(8001, 8002);
  closing.flush();
  await closing.settled();
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).tables.Customer.length, 8002, 'the older background save did not overwrite the flush');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('chunks.json') && f.endsWith('.tmp')), []);
});
