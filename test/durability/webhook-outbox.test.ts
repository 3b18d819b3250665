/**
 * Webhook deliveries survive the process that should send them (issue 16 item 3): the outbox row
 * is written with the event, and a worker SIGKILLed in the middle of a delivery leaves it to
 * another worker once its lease ends; the receiver sees one delivery id, answered 2xx once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/harness.ts';
import { spawnProvisioner, type ProvisionerProcess } from '../support/processes.ts';
import { TEST_JWT_SECRET } from '../support/secrets.ts';

const SECRET = 'whsec_outbox_0123456789abcdef';

interface Request {
  delivery: string;
  raw: string;
  signature: string;
  answered: number | null;
}

let h: Harness;
let server: Server;
let receiverUrl = '';
const requests: Request[] = [];
/** The first request is held unanswered (the sender is killed meanwhile); later ones get 200. */
let held: { arrived: Promise<void>; arrive: () => void; res: ServerResponse | null };

before(async () => {
  let arrive = () => {};
  held = { arrived: new Promise<void>((r) => (arrive = r)), arrive: () => arrive(), res: null };
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Request = { delivery: String(req.headers['x-provisioner-delivery']), raw: Buffer.concat(chunks).toString(), signature: String(req.headers['x-provisioner-signature']), answered: null };
      requests.push(r);
      if (requests.length === 1) {
        held.res = res;
        held.arrive();
        return;
      }
      r.answered = 200;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  h = await startHarness({ config: { workerInProcess: false } });
});
after(async () => {
  held.res?.destroy();
  await h.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const workerEnv = () => ({
  DATABASE_URL: h.provisioner.db.url,
  PROVISIONER_JWT_SECRET: TEST_JWT_SECRET,
  PROVISIONER_LEASE_MS: '1500',
  STEP_RETRY_BASE_MS: '20',
  PROVISIONER_DRIFT_SWEEP: 'false',
  PROVISIONER_AUTO_CONTINUE: 'false',
  WEBHOOK_POLL_MS: '50',
  // the delivery's lease is 2 × the timeout: 3 s after the kill, another worker sends it
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_RETRY_BASE_MS: '50',
});

const validSignature = (r: Request) => {
  const { t, v1 } = Object.fromEntries(r.signature.split(',').map((p) => p.split('=') as [string, string]));
  return v1 === createHmac('sha256', SECRET).update(`${t}.${r.raw}`).digest('hex');
};

async function deliveryRow(id: string): Promise<any> {
  const { rows } = await h.provisioner.db.pool.query(`select * from onboarding.webhook_deliveries where id = $1`, [id]);
  return rows[0];
}

test('a worker SIGKILLed while a delivery is in flight: another worker delivers it after the lease, with the same delivery id, answered 2xx once', async () => {
  const created = await h.call('POST', '/api/webhooks', { url: receiverUrl, events: ['run.completed'], secret: SECRET });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  let a: ProvisionerProcess | null = null;
  let b: ProvisionerProcess | null = null;
  try {
    a = spawnProvisioner(['worker'], workerEnv());
    await a.waitForLine(/provisioning worker started/);
    const { tenant } = await h.createTenant({ name: 'Outbox Shop', country_code: 'KE' });
    const status = await h.waitForStatus(tenant.id, ['COMPLETED', 'FAILED', 'PARTIAL']);
    assert.equal(status.status, 'COMPLETED', JSON.stringify(status.errors));
    await held.arrived; // worker A is sending the delivery, and waits for the answer
    const id = requests[0]!.delivery;
    assert.equal((await deliveryRow(id)).delivered_at, null);
    a.kill('SIGKILL');
    assert.equal((await a.exited).signal, 'SIGKILL');
    held.res!.destroy(); // A's request: never answered

    b = spawnProvisioner(['worker'], workerEnv());
    const deadline = Date.now() + 60_000;
    while (!(await deliveryRow(id)).delivered_at) {
      assert.ok(Date.now() < deadline, `not delivered after the kill: ${JSON.stringify(await deliveryRow(id))}`);
      await sleep(50);
    }
    const row = await deliveryRow(id);
    assert.equal(row.attempts, 2, 'the killed attempt and the one after the lease');
    assert.equal(row.last_status, 200);
    assert.equal(requests.length, 2, JSON.stringify(requests.map((r) => r.delivery)));
    assert.deepEqual(requests.map((r) => r.delivery), [id, id], 'one delivery id');
    assert.deepEqual(requests.map((r) => r.answered), [null, 200], 'answered 2xx exactly once');
    assert.ok(requests.every(validSignature));
    assert.equal(JSON.parse(requests[1]!.raw).tenant_id, tenant.id);
    // nothing else is due: no further request comes
    const { rows } = await h.provisioner.db.pool.query(`select count(*)::int as n from onboarding.webhook_deliveries where delivered_at is null`);
    assert.equal(rows[0].n, 0);
  } finally {
    a?.kill('SIGKILL');
    b?.kill('SIGKILL');
    await Promise.all([a?.exited, b?.exited]);
  }
});
