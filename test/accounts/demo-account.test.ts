/**
 * The demo account (admin@moran.com / admin123) exists for demo mode only: a database that was
 * once started with PROVISIONER_DEMO=true and then normally has it disabled at start, with a
 * warning that says why and how to replace it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/observability/logger.ts';
import { DEMO_ADMIN } from '../../src/provisioner.ts';
import { startErpnextSimulator } from '../../src/simulator/erpnext/index.ts';
import { createScratchDatabase } from '../support/database.ts';
import { startProvisionerHarness } from '../support/harness.ts';
import { login } from '../support/accounts.ts';

test('started once in demo mode, then normally: the demo account is disabled with a warning, its login refused; demo mode enables it again', async () => {
  const db = await createScratchDatabase();
  const simulator = await startErpnextSimulator({ port: 0 });
  const keep = { url: db.url, drop: async () => {} };
  const engine = { url: simulator.url, apiKey: simulator.apiKey, apiSecret: simulator.apiSecret };
  try {
    const demo = await startProvisionerHarness({ engine, database: keep, config: { demo: true } });
    assert.equal((await login(demo.api, DEMO_ADMIN.email, DEMO_ADMIN.password)).status, 200, 'demo mode: the guide\'s account logs in');
    await demo.close();

    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const real = await startProvisionerHarness({ engine, database: keep, config: { demo: false }, logger });
    try {
      const refused = await login(real.api, DEMO_ADMIN.email, DEMO_ADMIN.password);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'ACCOUNT_DISABLED');
      assert.match(refused.body.detail, /demo account .* refused outside demo mode/);
      const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40 && /disabled the demo account/.test(l.msg));
      assert.ok(warning, 'a warning says the demo account was disabled');
      assert.match(warning.msg, /PROVISIONER_DEMO=true/);
      assert.match(warning.msg, /provisioner users delete admin@moran\.com/);
      assert.match(warning.msg, /provisioner users set-password admin@moran\.com/);
    } finally {
      await real.close();
    }

    const demoAgain = await startProvisionerHarness({ engine, database: keep, config: { demo: true } });
    try {
      assert.equal((await login(demoAgain.api, DEMO_ADMIN.email, DEMO_ADMIN.password)).status, 200, 'demo mode again: it logs in');
    } finally {
      await demoAgain.close();
    }
  } finally {
    await simulator.close();
    await db.drop();
  }
});

test('a demo account whose password an operator changed is a real account: it stays enabled outside demo mode', async () => {
  const db = await createScratchDatabase();
  const simulator = await startErpnextSimulator({ port: 0 });
  const keep = { url: db.url, drop: async () => {} };
  const engine = { url: simulator.url, apiKey: simulator.apiKey, apiSecret: simulator.apiSecret };
  try {
    const demo = await startProvisionerHarness({ engine, database: keep, config: { demo: true } });
    const me = (await demo.call('GET', '/api/auth/me')).body.user.sub;
    assert.equal((await demo.call('PATCH', `/api/users/${me}`, { password: 'an operator passphrase' })).status, 200);
    await demo.close();
    const real = await startProvisionerHarness({ engine, database: keep, config: { demo: false } });
    try {
      assert.equal((await login(real.api, DEMO_ADMIN.email, 'an operator passphrase')).status, 200);
    } finally {
      await real.close();
    }
  } finally {
    await simulator.close();
    await db.drop();
  }
});
