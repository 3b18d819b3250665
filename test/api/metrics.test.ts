import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.ts';
import { engineCallTarget, ProvisionerMetrics, serveMetrics } from '../../src/observability/metrics.ts';
import { Journal } from '../../src/observability/journal.ts';
import { createLogger } from '../../src/observability/logger.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** Prometheus text → sample lines "name{labels} value" as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const value = (s: Map<string, number>, key: string) => {
  assert.ok(s.has(key), `missing sample ${key}`);
  return s.get(key)!;
};

test('/metrics answers without a token in the Prometheus text format', async () => {
  const res = await fetch(`${h.api}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const name of [
    'provisioner_runs',
    'provisioner_tenants',
    'provisioner_queue_depth',
    'provisioner_active_leases',
    'provisioner_database_up',
    'provisioner_step_duration_seconds',
    'provisioner_engine_call_duration_seconds',
    'provisioner_engine_call_errors_total',
    'provisioner_event_stream_clients',
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
});

test('after runs the metrics count runs, tenants, step durations and engine calls with their errors', async () => {
  const ok = (await h.createTenant({ name: 'Metrics Shop', country_code: 'KE' })).tenant;
  await h.waitForStatus(ok.id, ['COMPLETED']);
  h.simulator.sim.injectFault({ doctype: 'POS Profile', method: 'POST', status: 417, count: 1 });
  const broken = (await h.createTenant({ name: 'Broken Metrics Shop', country_code: 'UG' })).tenant;
  const failed = await h.waitForStatus(broken.id, ['FAILED', 'PARTIAL', 'COMPLETED']);
  h.simulator.sim.clearFaults();
  assert.equal(failed.status, 'FAILED', JSON.stringify(failed.errors));

  const s = samples(await (await fetch(`${h.api}/metrics`)).text());
  assert.equal(value(s, 'provisioner_runs{status="completed"}'), 1);
  assert.equal(value(s, 'provisioner_runs{status="failed"}'), 1);
  assert.equal(value(s, 'provisioner_runs{status="running"}'), 0);
  assert.equal(value(s, 'provisioner_tenants{status="COMPLETED"}'), 1);
  assert.equal(value(s, 'provisioner_tenants{status="FAILED"}'), 1);
  assert.equal(value(s, 'provisioner_queue_depth'), 0);
  assert.equal(value(s, 'provisioner_active_leases'), 0);
  assert.equal(value(s, 'provisioner_database_up'), 1);

  // both runs completed step_2_company; only the broken one failed step_8
  assert.equal(value(s, 'provisioner_step_duration_seconds_count{step="step_2_company",outcome="completed"}'), 2);
  assert.equal(value(s, 'provisioner_step_duration_seconds_count{step="step_8_pos_profile",outcome="failed"}'), 1);
  assert.equal(value(s, 'provisioner_step_duration_seconds_count{step="step_6_items",outcome="skipped"}'), 2);
  const companySeconds = value(s, 'provisioner_step_duration_seconds_sum{step="step_2_company",outcome="completed"}');
  assert.ok(companySeconds > 0 && companySeconds < 30, String(companySeconds));
  assert.ok(value(s, 'provisioner_step_duration_seconds_bucket{le="+Inf",step="step_2_company",outcome="completed"}') === 2);

  const companyCalls = [...s].filter(([k]) => k.startsWith('provisioner_engine_call_duration_seconds_count{engine="default",doctype="Company"'));
  assert.ok(companyCalls.length > 0 && companyCalls.every(([, v]) => v > 0), JSON.stringify(companyCalls));
  // (step_0 reuses the start request's health check since issue 13: it makes no call of its own)
  assert.ok(value(s, 'provisioner_engine_call_duration_seconds_count{engine="default",doctype="Warehouse",method="GET"}') >= 2);
  assert.equal(value(s, 'provisioner_engine_call_errors_total{engine="default",doctype="POS Profile",code="417"}'), 1);
  assert.equal(value(s, 'provisioner_runs_finished_total{status="COMPLETED"}'), 1);
  assert.equal(value(s, 'provisioner_runs_finished_total{status="FAILED"}'), 1);
});

test('engine call paths become bounded DocType or method labels', () => {
  assert.equal(engineCallTarget('/api/resource/POS Profile/Acme POS'), 'POS Profile');
  assert.equal(engineCallTarget('/api/resource/Company'), 'Company');
  assert.equal(engineCallTarget('/api/method/frappe.auth.get_logged_user'), 'frappe.auth.get_logged_user');
  assert.equal(engineCallTarget('/api/resource/Item?fields=["name"]'), 'Item');
  assert.equal(engineCallTarget('/login'), 'other');
});

test('a worker serves its own step and engine metrics on METRICS_PORT, without the database gauges', async () => {
  const { store } = h.provisioner.db;
  const logger = createLogger({ level: 'silent' });
  const journal = new Journal(store, logger);
  const metrics = new ProvisionerMetrics({ store, logger, databaseGauges: false });
  const stop = metrics.observe(journal.bus);
  const server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
  try {
    const tenant = (await h.createTenant({ name: 'Worker Metrics Shop', country_code: 'RW', provisioning: { auto_start: false } })).tenant;
    await journal.record({ tenantId: tenant.id, stepId: 'step_0_engine_check', type: 'step_completed', level: 'info', status: 'completed', message: 'ok', durationMs: 120 });
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    const text = await res.text();
    const s = samples(text);
    assert.equal(value(s, 'provisioner_step_duration_seconds_count{step="step_0_engine_check",outcome="completed"}'), 1);
    assert.equal(value(s, 'provisioner_step_duration_seconds_sum{step="step_0_engine_check",outcome="completed"}'), 0.12);
    assert.doesNotMatch(text, /provisioner_runs\b|provisioner_queue_depth/);
    assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
  } finally {
    stop();
    await server.close();
  }
});
